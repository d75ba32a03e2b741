"""API load: N concurrent authenticated clients against a locally started server.

Starts ``schakel serve --workers W`` on SQLite (and on PostgreSQL when reachable),
creates one organisation and user through the CLI, and measures a read endpoint
(``GET /api/v1/decisions/1``, an audited view of one record), a write endpoint
(``POST /api/v1/decisions``, which evaluates the share check, stores the reasoning
and appends to the audit chain) and signal intake (``POST /api/v1/signals``:
validation, encryption, keyed tokens, a matching job and an audit entry), the
last one sustained for ``--intake-seconds``. Besides wall-clock rates it reports
the server's CPU time per request (steadier on a shared machine) and how long the
hit/no-hit queue takes to drain after the intake run. Intake on PostgreSQL is
compared with the issue-4 target: at least 200 signals/s with p99 under 200 ms.

The Python client (httpx) costs about 2.7 ms of CPU per request itself, on the same
two cores as the server and the database. With ``--wrk`` (Debian's ``wrk``, a load
generator in C) the intake run is repeated with that client, which measures the
server rather than the client; both figures are printed.

    python benchmarks/api_load.py [--clients 16] [--requests 2000] [--workers 2]
        [--intake-seconds 30] [--postgres URL] [--only intake] [--no-sqlite] [--wrk]
"""

import argparse
import asyncio
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

QUESTION = {
    "sender": "municipality",
    "recipient": "police",
    "purpose": "investigation",
    "data": ["identifying"],
    "subject": "possible_victim",
}
SIGNAL = {
    "source": "inspection",
    "forms": ["labour_exploitation"],
    "indicators": ["excessive_hours", "very_low_pay"],
    "description": "Belastingstest (synthetisch): werknemers maken lange dagen.",
}
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/schakel_bench"
#: wrk's request script: every request a new (valid) phone number, so each signal
#: has its own match token, as in the Python client.
WRK_SCRIPT = """
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end
function init(args)
  n = 0
  token = os.getenv("SCHAKEL_BENCH_TOKEN")
  description = os.getenv("SCHAKEL_BENCH_DESCRIPTION")
end
function request()
  n = n + 1
  local phone = string.format("06%08d", 50000000 + id * 4000000 + n)
  local body = '{"signal": {"source": "inspection", '
    .. '"forms": ["labour_exploitation"], '
    .. '"indicators": ["excessive_hours", "very_low_pay"], '
    .. '"description": "' .. description .. '", '
    .. '"phones": ["' .. phone .. '"]}}'
  return wrk.format("POST", "/api/v1/signals", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }, body)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d\\n", summary.requests,
    summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), e.connect + e.read + e.write + e.status + e.timeout))
end
"""
TARGET_RATE = 200
TARGET_P99_MS = 200


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "schakel", *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def _prepare_postgres(url: str) -> bool:
    from sqlalchemy import create_engine, text

    admin = url.rsplit("/", 1)[0] + "/postgres"
    name = url.rsplit("/", 1)[1]
    try:
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
            connection.execute(text(f"CREATE DATABASE {name}"))
        engine.dispose()
        return True
    except Exception as exc:  # noqa: BLE001 - report and skip the backend
        print(f"PostgreSQL niet beschikbaar ({exc.__class__.__name__}); overgeslagen")
        return False


async def _run(
    url: str,
    token: str,
    method: str,
    path: str,
    clients: int,
    total: int,
    seconds: float | None = None,
) -> dict[str, float]:
    """``total`` requests over ``clients`` connections, or as many as fit in
    ``seconds`` when given (a sustained run)."""
    latencies: list[float] = []
    errors = 0
    per_client = total // clients
    headers = {"Authorization": f"Bearer {token}"}
    counter = itertools.count()

    def body() -> dict[str, object] | None:
        if path == "/api/v1/signals":
            number = next(counter)
            return {"signal": {**SIGNAL, "phones": [f"06{30000000 + number:08d}"]}}
        return {"question": QUESTION, "note": "belasting"} if method == "POST" else None

    async def worker(client: httpx.AsyncClient, stop_at: float | None) -> None:
        nonlocal errors
        done = 0
        while (
            (done < per_client) if stop_at is None else (time.perf_counter() < stop_at)
        ):
            start = time.perf_counter()
            response = await client.request(method, path, json=body(), headers=headers)
            latencies.append(time.perf_counter() - start)
            done += 1
            if response.status_code >= 400:
                errors += 1

    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:
        began = time.perf_counter()
        stop_at = began + seconds if seconds else None
        await asyncio.gather(*(worker(client, stop_at) for _ in range(clients)))
        elapsed = time.perf_counter() - began
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000

    return {
        "count": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(ordered) * 1000,
        "p95": pct(0.95),
        "p99": pct(0.99),
        "errors": errors,
    }


def _run_wrk(url: str, token: str, clients: int, seconds: float) -> dict[str, float]:
    """Sustained intake driven by wrk (two threads, ``clients`` connections)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    env = {
        **os.environ,
        "SCHAKEL_BENCH_TOKEN": token,
        "SCHAKEL_BENCH_DESCRIPTION": str(SIGNAL["description"]),
    }
    done = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{clients}",
            f"-d{int(seconds)}s",
            "--timeout",
            "30s",
            "-s",
            script.name,
            url,
        ],  # fmt: skip
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    os.unlink(script.name)
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    count, micros, p50, p95, p99, errors = (int(v) for v in line.split()[1:])
    return {
        "count": count,
        "rps": count / (micros / 1e6),
        "p50": p50 / 1000,
        "p95": p95 / 1000,
        "p99": p99 / 1000,
        "errors": errors,
    }


def _cpu_seconds(pid: int) -> float:
    """CPU time of ``pid`` and its children (Linux /proc; 0 elsewhere)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        return 0.0
    for one in pids:
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _drain_seconds(env: dict[str, str], timeout: float = 300) -> float:
    """Time until the server's workers have emptied the hit/no-hit queue."""
    began = time.perf_counter()
    while time.perf_counter() - began < timeout:
        status = json.loads(_cli(env, "match", "status", "--json"))
        if status["pending"] == 0:
            break
        time.sleep(0.5)
    return time.perf_counter() - began


def bench_backend(
    label: str, database_url: str | None, args: argparse.Namespace
) -> None:
    clients, total = args.clients, args.requests
    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, "SCHAKEL_DATA_DIR": data_dir}
        env.pop("SCHAKEL_DATABASE_URL", None)
        if database_url:
            env["SCHAKEL_DATABASE_URL"] = database_url
        _cli(env, "db", "upgrade")
        _cli(env, "org", "add", "Gemeente Belasting", "--type", "municipality",
             "--region", "midden_nederland")  # fmt: skip
        env["SCHAKEL_NEW_PASSWORD"] = "belasting-wachtwoord-1"
        _cli(env, "user", "add", "belasting", "--org", "Gemeente Belasting",
             "--role", "professional")  # fmt: skip
        token = _cli(env, "user", "token", "belasting")
        port = 8700 + (1 if database_url else 0)
        log = open(Path(data_dir) / "server.log", "w")  # noqa: SIM115
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "schakel",
                "serve",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
            ],  # fmt: skip
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        results: list[tuple[str, dict[str, float]]] = []
        try:
            for _ in range(150):
                try:
                    if httpx.get(f"{url}/healthz").status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            plan = [
                ("write POST /api/v1/decisions", "POST", "/api/v1/decisions", None),
                ("read  GET  /api/v1/decisions/1", "GET", "/api/v1/decisions/1", None),
                (
                    "intake POST /api/v1/signals",
                    "POST",
                    "/api/v1/signals",
                    args.intake_seconds,
                ),  # fmt: skip
            ]
            if args.only == "intake":
                plan = plan[2:]
            if args.wrk:
                plan.append(
                    ("intake (wrk) POST /api/v1/signals", "WRK", "/api/v1/signals",
                     args.intake_seconds)
                )  # fmt: skip
            for name, method, path, seconds in plan:
                cpu = _cpu_seconds(server.pid)
                if method == "WRK":
                    result = _run_wrk(url, token, clients, seconds or 30)
                else:
                    result = asyncio.run(
                        _run(url, token, method, path, clients, total, seconds)
                    )
                result["cpu_ms"] = (
                    (_cpu_seconds(server.pid) - cpu) / result["count"] * 1000
                )
                if path == "/api/v1/signals":
                    result["drain"] = _drain_seconds(env)
                results.append((name, result))
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            log.close()
    for name, r in results:
        print(
            f"{label:10} {name:30} {r['rps']:6.0f} req/s  p50 {r['p50']:6.1f} ms  "
            f"p95 {r['p95']:6.1f} ms  p99 {r['p99']:7.1f} ms  errors "
            f"{int(r['errors'])}  server CPU {r['cpu_ms']:4.1f} ms/req  "
            f"({int(r['count'])} requests)"
        )
        if "drain" in r:
            print(f"{'':10} hit/no-hit queue empty {r['drain']:.1f} s after the run")
            if database_url:
                met = r["rps"] >= TARGET_RATE and r["p99"] < TARGET_P99_MS
                print(
                    f"{'':10} target >= {TARGET_RATE} signals/s with p99 < "
                    f"{TARGET_P99_MS} ms: {'met' if met else 'NOT met'}"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument(
        "--intake-seconds", type=float, default=30, help="sustained intake run"
    )
    parser.add_argument("--postgres", default=DEFAULT_PG)
    parser.add_argument("--only", choices=["intake"], default=None)
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument(
        "--wrk", action="store_true", help="repeat the intake run with wrk (Debian)"
    )
    args = parser.parse_args()
    if args.wrk and shutil.which("wrk") is None:
        parser.error("--wrk: wrk ontbreekt (apt-get install wrk)")
    print(
        f"{args.clients} clients, {args.requests} requests per endpoint, intake "
        f"sustained {args.intake_seconds:.0f} s, {args.workers} server processes"
    )
    if not args.no_sqlite:
        bench_backend("SQLite", None, args)
    if _prepare_postgres(args.postgres):
        bench_backend("PostgreSQL", args.postgres, args)


if __name__ == "__main__":
    main()
