"""Mixed load and soak: several minutes of the day's work against a local server.

Starts ``schakel serve`` on SQLite (and on PostgreSQL when reachable), creates a
municipality and a police organisation with one API client each (through the CLI),
and runs a closed-loop mix of the four things the platform is mostly asked to do,
with a bound on the number of requests of each kind:

- intake        ``POST /api/v1/signals`` (municipality; encrypts, tokenises, matches)
- share check   ``POST /api/v1/share-check`` ("Mag ik dit delen?")
- routing       ``POST /api/v1/signals/{id}/route`` with ``confirm``: the gate asks
                the share check, minimises, writes the share and its audit entry
- inbox         ``GET /api/v1/inbox`` and ``GET /api/v1/inbox/{id}`` (police; the
                second decrypts the delivered message and audits the view)

It reports, per operation, the number of requests, throughput, p50/p95/p99 latency
and errors, and samples the server's resident memory (``/proc/<pid>/status``, Linux)
every few seconds: the soak part. Memory counts as flat when the second half of the
run grows by less than 10%.

    python benchmarks/mixed_load.py [--duration 300] [--clients 8]
        [--max-requests 60000] [--postgres URL] [--sqlite-only] [--serve-arg=...]
"""

import argparse
import asyncio
import collections
import itertools
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from api_load import QUESTION, SIGNAL, _cli, _prepare_postgres

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/schakel_rel_load"
PASSWORD = "belasting-wachtwoord-1"
#: Share of each operation in the mix (intake also feeds routing, routing the inbox).
MIX = {"intake": 0.30, "share check": 0.30, "routing": 0.15, "inbox": 0.25}


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)

    def add(self, seconds: float, error: str | None) -> None:
        self.latencies.append(seconds)
        if error is not None:
            self.errors += 1
            if len(self.error_samples) < 3:
                self.error_samples.append(error)


@dataclass
class Run:
    stats: dict[str, Stats] = field(
        default_factory=lambda: {name: Stats() for name in MIX}
    )
    #: Signals of the municipality not routed yet; shares the police received.
    unrouted: collections.deque[int] = field(default_factory=collections.deque)
    shares: list[int] = field(default_factory=list)
    rss: list[tuple[float, int]] = field(default_factory=list)  # (seconds, KiB)


def _rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _process_tree_rss(pid: int) -> int | None:
    """RSS of the server and its children (``--workers``), in KiB."""
    total = _rss_kib(pid)
    if total is None:
        return None
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        for child in children.read_text().split():
            total += _process_tree_rss(int(child)) or 0
    return total


def _signal(number: int) -> dict[str, object]:
    return {
        "signal": {
            **SIGNAL,
            "persons": [
                {
                    "roles": ["possible_victim"],
                    "given_name": "Belasting",
                    "surname": f"Persoon{number}",
                    "date_of_birth": f"19{60 + number % 40}-0{1 + number % 9}-15",
                }
            ],
            "phones": [f"06{20000000 + number:08d}"],
        }
    }


async def _load(
    url: str,
    tokens: dict[str, str],
    police_id: int,
    run: Run,
    clients: int,
    duration: float,
    limits: dict[str, int],
) -> float:
    municipality = {"Authorization": f"Bearer {tokens['municipality']}"}
    police = {"Authorization": f"Bearer {tokens['police']}"}
    counter = itertools.count()
    issued: collections.Counter[str] = collections.Counter()
    names, weights = list(MIX), list(MIX.values())
    chance = random.Random(2026)
    deadline = time.monotonic() + duration

    def pick() -> str | None:
        open_kinds = [n for n in names if issued[n] < limits[n]]
        if not open_kinds:
            return None
        kind = chance.choices(names, weights)[0]
        if kind not in open_kinds:
            kind = open_kinds[0]
        if kind == "routing" and not run.unrouted:
            kind = "intake" if "intake" in open_kinds else kind
        if kind == "inbox" and not run.shares:
            kind = "share check" if "share check" in open_kinds else kind
        issued[kind] += 1
        return kind

    async def one(client: httpx.AsyncClient, kind: str) -> str | None:
        if kind == "intake":
            answer = await client.post(
                "/api/v1/signals", json=_signal(next(counter)), headers=municipality
            )
            if answer.status_code == 201:
                run.unrouted.append(answer.json()["id"])
        elif kind == "share check":
            answer = await client.post(
                "/api/v1/share-check", json=QUESTION, headers=municipality
            )
        elif kind == "routing":
            if not run.unrouted:
                return None
            signal_id = run.unrouted.popleft()
            answer = await client.post(
                f"/api/v1/signals/{signal_id}/route",
                json={
                    "recipient_org_id": police_id,
                    "purpose": "investigation",
                    "anonymised": True,
                    "confirm": True,
                },
                headers=municipality,
            )
            if answer.status_code == 200 and answer.json().get("share_id"):
                run.shares.append(answer.json()["share_id"])
            elif answer.status_code == 200:
                return "routing: the gate did not deliver"
        else:
            if chance.random() < 0.5 or not run.shares:
                answer = await client.get("/api/v1/inbox", headers=police)
            else:
                share = chance.choice(run.shares[-200:])
                answer = await client.get(f"/api/v1/inbox/{share}", headers=police)
        if answer.status_code >= 400:
            return f"{answer.status_code} {answer.text[:160]}"
        return None

    async def worker(client: httpx.AsyncClient) -> None:
        while time.monotonic() < deadline:
            kind = pick()
            if kind is None:
                return
            start = time.perf_counter()
            try:
                error = await one(client, kind)
            except httpx.HTTPError as exc:
                error = f"{exc.__class__.__name__}: {exc}"
            run.stats[kind].add(time.perf_counter() - start, error)

    pool = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(base_url=url, limits=pool, timeout=120) as client:
        began = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(clients)))
        return time.perf_counter() - began


async def _sample_memory(pid: int, run: Run, every: float, stop: asyncio.Event) -> None:
    began = time.monotonic()
    while not stop.is_set():
        rss = _process_tree_rss(pid)
        if rss is not None:
            run.rss.append((time.monotonic() - began, rss))
        try:
            await asyncio.wait_for(stop.wait(), every)
        except TimeoutError:
            pass


async def _measure(
    url: str,
    tokens: dict[str, str],
    police_id: int,
    pid: int,
    clients: int,
    duration: float,
    limits: dict[str, int],
    every: float,
) -> tuple[Run, float]:
    run = Run()
    stop = asyncio.Event()
    sampler = asyncio.create_task(_sample_memory(pid, run, every, stop))
    elapsed = await _load(url, tokens, police_id, run, clients, duration, limits)
    stop.set()
    await sampler
    return run, elapsed


def _pct(ordered: list[float], p: float) -> float:
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000


def _report(label: str, run: Run, elapsed: float) -> None:
    total = sum(len(s.latencies) for s in run.stats.values())
    errors = sum(s.errors for s in run.stats.values())
    print(
        f"{label}: {total} requests in {elapsed:.0f} s = {total / elapsed:.1f} req/s, "
        f"{errors} errors"
    )
    print(
        f"  {'operation':12} {'requests':>8} {'req/s':>7} {'p50 ms':>8} "
        f"{'p95 ms':>8} {'p99 ms':>8} {'errors':>7}"
    )
    for name, stats in run.stats.items():
        if not stats.latencies:
            continue
        ordered = sorted(stats.latencies)
        print(
            f"  {name:12} {len(ordered):8d} {len(ordered) / elapsed:7.1f} "
            f"{statistics.median(ordered) * 1000:8.0f} {_pct(ordered, 0.95):8.0f} "
            f"{_pct(ordered, 0.99):8.0f} {stats.errors:7d}"
        )
        for sample in stats.error_samples:
            print(f"      e.g. {sample}")
    if len(run.rss) < 4:
        print("  memory: too few samples (no /proc?)")
        return
    mib = [(t, kib / 1024) for t, kib in run.rss]
    half = mib[len(mib) // 2 :]
    growth = (half[-1][1] - half[0][1]) / half[0][1] * 100
    slope = statistics.linear_regression([t for t, _ in half], [m for _, m in half])
    trace = " ".join(f"{m:.0f}" for _, m in mib[:: max(1, len(mib) // 12)] + [mib[-1]])
    verdict = "flat" if abs(growth) < 10 else "GROWING"
    peak = max(m for _, m in mib)
    print(
        f"  memory (RSS, MiB): start {mib[0][1]:.0f}, peak {peak:.0f}, "
        f"end {mib[-1][1]:.0f}; second half {growth:+.1f}% "
        f"({slope.slope * 60:+.1f} MiB/min): {verdict}"
    )
    print(f"  memory trace: {trace}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(env: dict[str, str], port: int, data_dir: str, extra: list[str]):
    log = open(Path(data_dir) / "server.log", "w")  # noqa: SIM115
    server = subprocess.Popen(
        [sys.executable, "-m", "schakel", "serve", "--port", str(port), *extra],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        if server.poll() is not None:
            raise SystemExit(f"server stopped; see {log.name}")
        try:
            if httpx.get(f"{url}/healthz").status_code == 200:
                return server, log, url
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit(f"server did not start; see {log.name}")


def bench_backend(
    label: str, database_url: str | None, args: argparse.Namespace
) -> None:
    limits = {name: int(args.max_requests * share) for name, share in MIX.items()}
    with tempfile.TemporaryDirectory() as data_dir:
        env = {
            **os.environ,
            "SCHAKEL_DATA_DIR": data_dir,
            "SCHAKEL_RETENTION_INTERVAL_MINUTES": "0",
        }
        env.pop("SCHAKEL_DATABASE_URL", None)
        if database_url:
            env["SCHAKEL_DATABASE_URL"] = database_url
        _cli(env, "db", "upgrade")
        env["SCHAKEL_NEW_PASSWORD"] = PASSWORD
        tokens = {}
        for kind, name, region in (
            ("municipality", "Gemeente Belasting", "midden_nederland"),
            ("police", "Politie Belasting", "midden_nederland"),
        ):
            _cli(env, "org", "add", name, "--type", kind, "--region", region)
            _cli(
                env,
                "user",
                "add",
                f"{kind}.belasting",
                "--org",
                name,
                "--role",
                "professional",
            )
            tokens[kind] = _cli(env, "user", "token", f"{kind}.belasting")
        port = _free_port()  # other benchmarks may share the machine
        server, log, url = _start(env, port, data_dir, args.serve_arg)
        try:
            answer = httpx.get(
                f"{url}/api/v1/organisations",
                headers={"Authorization": f"Bearer {tokens['police']}"},
            )
            if answer.status_code != 200:
                raise SystemExit(f"organisations: {answer.status_code} {answer.text}")
            organisations = answer.json()["data"]
            police_id = next(
                o["id"] for o in organisations if o["org_type"] == "police"
            )
            run, elapsed = asyncio.run(
                _measure(
                    url,
                    tokens,
                    police_id,
                    server.pid,
                    args.clients,
                    args.duration,
                    limits,
                    args.sample_every,
                )
            )
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            log.close()
    _report(label, run, elapsed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=float, default=300, help="seconds")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument(
        "--max-requests", type=int, default=60_000, help="bound over all operations"
    )
    parser.add_argument("--sample-every", type=float, default=5, help="RSS, seconds")
    parser.add_argument("--postgres", default=DEFAULT_PG)
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument(
        "--only",
        choices=list(MIX),
        action="append",
        help="run only these operations (to find what a soak's growth comes from)",
    )
    parser.add_argument(
        "--serve-arg", action="append", default=[], help="extra argument for serve"
    )
    args = parser.parse_args()
    if args.only:
        for name in list(MIX):
            if name not in args.only:
                del MIX[name]
    print(
        f"{args.clients} clients, {args.duration:.0f} s per backend, at most "
        f"{args.max_requests} requests; mix "
        + ", ".join(f"{k} {v:.0%}" for k, v in MIX.items())
    )
    bench_backend("SQLite", None, args)
    if not args.sqlite_only and _prepare_postgres(args.postgres):
        bench_backend("PostgreSQL", args.postgres, args)


if __name__ == "__main__":
    main()
