"""Throughput and memory of ``schakel screen`` on synthetic 100-word records.

    PYTHONPATH=. python benchmarks/screening_speed.py [--records N] [--rss-lines M]

1. In-process: records/s of ``Screener.screen_many`` on N records of ~100 words
   (a mix of unrelated police text and trafficking signals, with varying
   numbers and names so the vocabulary keeps growing as in real data).
2. CLI end to end (``python -m schakel screen``), 1 and 2 workers, on the same
   records: records/s including JSON parsing and writing.
3. Peak RSS of the CLI on M lines (default 1,000,000), to show memory stays
   flat: RSS is also sampled after 10 % of the run.

Target: >= 2,000 records/s per core. Set SCHAKEL_CLI to run another ``schakel``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from schakel.screening import Screener

TARGET_PER_CORE = 2000
ROOT = Path(__file__).resolve().parent.parent

FILLER = (
    "melding binnengekomen via de meldkamer over een verdacht voertuig in de wijk "
    "collega's ter plaatse gegaan en met de bestuurder gesproken die verklaarde "
    "op weg te zijn naar zijn werk in het distributiecentrum bij de snelweg "
    "geen bijzonderheden aangetroffen in de auto en de papieren waren in orde "
    "buurtbewoners gaven aan dat er vaker auto's staan in de avond omdat er een "
    "sportschool in de straat zit die tot laat open is verder niets opvallends"
).split()
SIGNALS = [
    "btr. verklaarde dat de werkgever haar paspoort heeft ingenomen",
    "hij moet een schuld van 4000 euro afbetalen aan de bemiddelaar",
    "zij slaapt op de werkplek en werkt 7 dagen per week",
    "geen aanwijzingen voor mensenhandel aangetroffen",
    "jongen moest drugs rondbrengen voor oudere jongens",
]


def make_record(rnd: random.Random, i: int) -> dict[str, str]:
    words = rnd.choices(FILLER, k=92)
    words.insert(rnd.randrange(len(words)), f"kenteken {rnd.randrange(10**6):06d}")
    words.insert(rnd.randrange(len(words)), f"dhr. Naam{rnd.randrange(10**7)}")
    if rnd.random() < 0.3:
        words.insert(rnd.randrange(len(words)), rnd.choice(SIGNALS) + ".")
    return {"id": f"r{i}", "text": " ".join(words)}


def write_input(path: Path, n: int, seed: int = 7) -> None:
    rnd = random.Random(seed)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps(make_record(rnd, i), ensure_ascii=False) + "\n")


def run_cli(inp: Path, out: Path, workers: int) -> tuple[float, int]:
    """Seconds and peak RSS (KiB, largest process) of one CLI run."""
    base = os.environ.get("SCHAKEL_CLI", f"{sys.executable} -m schakel")
    cmd = [
        *shlex.split(base),
        "screen",
        str(inp),
        "--output",
        str(out),
        "--workers",
        str(workers),
    ]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss(proc.pid))
        time.sleep(0.2)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(
            f"CLI failed: {proc.stderr.read().decode() if proc.stderr else ''}"
        )
    return elapsed, peak


def _tree_rss(pid: int) -> int:
    """Largest RSS (KiB) among pid and its children (Linux /proc)."""
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    best = 0
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    best = max(best, int(line.split()[1]))
        except OSError:
            continue
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=20_000)
    ap.add_argument("--rss-lines", type=int, default=1_000_000)
    args = ap.parse_args()
    rnd = random.Random(1)
    texts = [make_record(rnd, i)["text"] for i in range(args.records)]
    words = sum(len(t.split()) for t in texts) / len(texts)
    screener = Screener()
    start = time.perf_counter()
    flagged = sum(r.flagged for r in screener.screen_many(texts))
    inproc = len(texts) / (time.perf_counter() - start)

    rows = [("engine, 1 process (in-process)", inproc, 1)]
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = Path(tmp, "in.jsonl"), Path(tmp, "out.jsonl")
        write_input(inp, args.records)
        for workers in (1, 2):
            secs, _ = run_cli(inp, out, workers)
            rows.append((f"CLI, --workers {workers}", args.records / secs, workers))
        rss_rows = []
        if args.rss_lines:
            big = Path(tmp, "big.jsonl")
            write_input(big, args.rss_lines, seed=11)
            small = Path(tmp, "small.jsonl")
            write_input(small, max(1, args.rss_lines // 10), seed=11)
            for name, path, n in (
                ("10 %", small, args.rss_lines // 10),
                ("100 %", big, args.rss_lines),
            ):
                secs, peak = run_cli(path, out, 2)
                rss_rows.append((name, n, peak, n / secs))

    print(
        f"Screening speed: {len(texts)} records of ~{words:.0f} words, "
        f"{flagged} flagged, {os.cpu_count()} cores"
    )
    print()
    print(f"{'run':34} {'records/s':>10} {'per core':>10} {'target/core':>12}")
    for name, rate, cores in rows:
        ok = "ok" if rate / cores >= TARGET_PER_CORE else "below"
        print(f"{name:34} {rate:10.0f} {rate / cores:10.0f} {TARGET_PER_CORE:>9} {ok}")
    if rss_rows:
        print()
        print(
            f"{'peak RSS, CLI --workers 2':34} {'lines':>10} {'MiB':>10} "
            f"{'records/s':>12}"
        )
        for name, n, peak, rate in rss_rows:
            print(f"{name:34} {n:10d} {peak / 1024:10.0f} {rate:12.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
