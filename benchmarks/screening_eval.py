"""Precision, recall and F1 of the screening on a labelled set, beside a baseline.

    PYTHONPATH=. python benchmarks/screening_eval.py [FILE] [--split all|tune|holdout]
        [--errors]

FILE is JSON Lines with ``id``, ``text``, ``flagged`` (bool) and ``types`` (list
of exploitation forms); default ``tests/data/screening_dev.jsonl``. Per form, a
record counts as a true positive for a form when both the gold and the predicted
types contain it. The baseline flags every record longer than a length threshold
(the best threshold for F1 on the same data, so the baseline is flattered) and
gives it the most frequent form.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path

from schakel.screening import Screener
from schakel.vocabulary import ExploitationForm

TARGET_F1 = 0.90
DEFAULT = Path(__file__).resolve().parent.parent / "tests/data/screening_dev.jsonl"


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def score(
    gold: list[tuple[bool, set[str]]], pred: list[tuple[bool, set[str]]]
) -> dict[str, tuple[float, float, float, int]]:
    out: dict[str, tuple[float, float, float, int]] = {}
    tp = sum(1 for g, p in zip(gold, pred, strict=True) if g[0] and p[0])
    fp = sum(1 for g, p in zip(gold, pred, strict=True) if not g[0] and p[0])
    fn = sum(1 for g, p in zip(gold, pred, strict=True) if g[0] and not p[0])
    out["flagged (overall)"] = (*prf(tp, fp, fn), tp + fn)
    for form in ExploitationForm:
        f = form.value
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if f in g[1] and f in p[1])
        fp = sum(
            1 for g, p in zip(gold, pred, strict=True) if f not in g[1] and f in p[1]
        )
        fn = sum(
            1 for g, p in zip(gold, pred, strict=True) if f in g[1] and f not in p[1]
        )
        out[f] = (*prf(tp, fp, fn), tp + fn)
    return out


def baseline(records: list[dict[str, object]]) -> list[tuple[bool, set[str]]]:
    lengths = [len(str(r["text"])) for r in records]
    gold = [bool(r["flagged"]) for r in records]
    common = Counter(t for r in records for t in r["types"]).most_common(1)  # type: ignore[attr-defined]
    form = {common[0][0]} if common else set()
    best_t, best_f = 0, -1.0
    for t in sorted(set(lengths)):
        tp = sum(1 for n, g in zip(lengths, gold, strict=True) if n >= t and g)
        fp = sum(1 for n, g in zip(lengths, gold, strict=True) if n >= t and not g)
        fn = sum(1 for n, g in zip(lengths, gold, strict=True) if n < t and g)
        f = prf(tp, fp, fn)[2]
        if f > best_f:
            best_t, best_f = t, f
    return [(n >= best_t, form if n >= best_t else set()) for n in lengths]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", nargs="?", default=str(DEFAULT))
    ap.add_argument("--split", choices=["all", "tune", "holdout"], default="all")
    ap.add_argument("--errors", action="store_true", help="print misclassified ids")
    args = ap.parse_args()
    records = [
        json.loads(line)
        for line in Path(args.file).read_text("utf-8").splitlines()
        if line.strip()
    ]
    if args.split != "all":
        records = [r for r in records if r.get("split", "tune") == args.split]
    screener = Screener()
    start = time.perf_counter()
    results = list(screener.screen_many(r["text"] for r in records))
    elapsed = time.perf_counter() - start
    gold = [(bool(r["flagged"]), set(r["types"])) for r in records]
    pred = [(res.flagged, {t.value for t in res.types}) for res in results]
    ours = score(gold, pred)
    base = score(gold, baseline(records))
    positives = sum(1 for g in gold if g[0])
    print(
        f"Screening evaluation: {Path(args.file).name}, split={args.split}, "
        f"{len(records)} records ({positives} positive), "
        f"lexicon {screener.lexicon.version}, {elapsed:.2f} s"
    )
    print()
    header = f"{'':22} {'n':>4} | {'P':>5} {'R':>5} {'F1':>5} | baseline F1"
    print(header)
    print("-" * len(header))
    for key, (p, r, f, n) in ours.items():
        print(f"{key:22} {n:>4} | {p:5.3f} {r:5.3f} {f:5.3f} | {base[key][2]:5.3f}")
    f1 = ours["flagged (overall)"][2]
    verdict = "meets" if f1 >= TARGET_F1 else "misses"
    print()
    print(f"overall F1 {f1:.3f} {verdict} the target F1 >= {TARGET_F1:.2f}")
    if args.errors:
        print()
        for r, g, p, res in zip(records, gold, pred, results, strict=True):
            if g != p:
                codes = [(h.code, h.scope.value, h.text) for h in res.indicators]
                print(
                    f"{r['id']} gold={int(g[0])}{sorted(g[1])} "
                    f"pred={int(p[0])}{sorted(p[1])} score={res.score}"
                )
                print(f"    {r['text'][:300]}")
                print(f"    {codes}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
