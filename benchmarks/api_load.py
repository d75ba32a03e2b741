"""API load: N concurrent authenticated clients against a locally started server.

Starts ``schakel serve`` on SQLite (and on PostgreSQL when reachable), creates one
organisation and user through the CLI, and measures a read endpoint
(``GET /api/v1/decisions/1``, an audited view of one record) and a write endpoint
(``POST /api/v1/decisions``, which evaluates the share check, stores the reasoning
and appends to the audit chain).

    python benchmarks/api_load.py [--clients 16] [--requests 2000] [--postgres URL]
"""

import argparse
import asyncio
import itertools
import os
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
    url: str, token: str, method: str, path: str, clients: int, total: int
) -> dict[str, float]:
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

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        for _ in range(per_client):
            start = time.perf_counter()
            response = await client.request(method, path, json=body(), headers=headers)
            latencies.append(time.perf_counter() - start)
            if response.status_code >= 400:
                errors += 1

    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:
        began = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(clients)))
        elapsed = time.perf_counter() - began
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000

    return {
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(ordered) * 1000,
        "p95": pct(0.95),
        "p99": pct(0.99),
        "errors": errors,
    }


def bench_backend(
    label: str, database_url: str | None, clients: int, total: int
) -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, "SCHAKEL_DATA_DIR": data_dir}
        env.pop("SCHAKEL_DATABASE_URL", None)
        if database_url:
            env["SCHAKEL_DATABASE_URL"] = database_url
        _cli(env, "db", "upgrade")
        _cli(
            env,
            "org",
            "add",
            "Gemeente Belasting",
            "--type",
            "municipality",
            "--region",
            "midden_nederland",
        )
        env["SCHAKEL_NEW_PASSWORD"] = "belasting-wachtwoord-1"
        _cli(
            env,
            "user",
            "add",
            "belasting",
            "--org",
            "Gemeente Belasting",
            "--role",
            "professional",
        )
        token = _cli(env, "user", "token", "belasting")
        port = 8700 + (1 if database_url else 0)
        log = open(Path(data_dir) / "server.log", "w")  # noqa: SIM115
        server = subprocess.Popen(
            [sys.executable, "-m", "schakel", "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    if httpx.get(f"{url}/healthz").status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            write = asyncio.run(
                _run(url, token, "POST", "/api/v1/decisions", clients, total)
            )
            read = asyncio.run(
                _run(url, token, "GET", "/api/v1/decisions/1", clients, total)
            )
            intake = asyncio.run(
                _run(url, token, "POST", "/api/v1/signals", clients, total)
            )
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            log.close()
    for name, result in (
        ("write POST /api/v1/decisions", write),
        ("read  GET  /api/v1/decisions/1", read),
        ("intake POST /api/v1/signals", intake),
    ):
        r = result
        print(
            f"{label:10} {name:30} {r['rps']:8.0f} req/s  p50 {r['p50']:6.1f} ms  "
            f"p95 {r['p95']:6.1f} ms  p99 {r['p99']:6.1f} ms  errors {int(r['errors'])}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--postgres", default=DEFAULT_PG)
    args = parser.parse_args()
    print(f"{args.clients} clients, {args.requests} requests per endpoint, 1 server")
    bench_backend("SQLite", None, args.clients, args.requests)
    if _prepare_postgres(args.postgres):
        bench_backend("PostgreSQL", args.postgres, args.clients, args.requests)


if __name__ == "__main__":
    main()
