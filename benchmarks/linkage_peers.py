"""Peers for benchmarks/linkage_febrl.py, run in their own virtual environment.

    /work/venv-peers/bin/python benchmarks/linkage_peers.py A.csv B.csv

clkhash pins cryptography<41 and anonlink builds from source, so they cannot live in
Schakel's environment. Prints one JSON line per tool with the same metrics as the
main script. Record-level CLKs (1024 bits) with a schema in the style of clkhash's
documentation; anonlink candidate generation at Dice >= 0.8 and its greedy solver.
Splink runs on the plaintext with the DuckDB backend, if its API is available.
"""

import csv
import io
import json
import sys
import time
import tracemalloc
from typing import Any

SCHEMA: dict[str, Any] = {
    "version": 3,
    "clkConfig": {
        "l": 1024,
        "kdf": {
            "type": "HKDF",
            "hash": "SHA256",
            "salt": "SCbL2zHNnmsckfzchsNkZY9XoHk96P/G5nUBrM7ybymlEFsMV6PAeDZCNp3rfNUPC"
            "tLDMOGQHG4pCQpfhiHCyA==",
            "info": "c2NoZW1hX2V4YW1wbGU=",
            "keySize": 64,
        },
    },
    "features": [{"identifier": "rec_id", "ignored": True}],
}
for name, bits in [
    ("given_name", 20), ("surname", 20), ("street_number", 10), ("address_1", 15),
    ("address_2", 10), ("suburb", 15), ("postcode", 10), ("state", 5),
    ("date_of_birth", 15), ("soc_sec_id", 20),
]:  # fmt: skip
    SCHEMA["features"].append(
        {
            "identifier": name,
            "format": {"type": "string", "encoding": "utf-8"},
            "hashing": {
                "comparison": {"type": "ngram", "n": 2},
                "strategy": {"bitsPerToken": bits},
                "hash": {"type": "doubleHash"},
                "missingValue": {"sentinel": ""},
            },
        }
    )


def read(path: str) -> tuple[list[str], str]:
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    ids = [row[0] for row in list(csv.reader(io.StringIO(text)))[1:]]
    return ids, text


def quality(
    pairs: set[tuple[str, str]], truth: set[tuple[str, str]]
) -> dict[str, float]:
    tp = len(pairs & truth)
    precision = tp / len(pairs) if pairs else 0.0
    recall = tp / len(truth)
    f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def clkhash_anonlink(
    a_path: str, b_path: str, truth: set[tuple[str, str]]
) -> dict[str, Any]:
    import anonlink
    from clkhash import clk
    from clkhash.schema import from_json_dict

    schema = from_json_dict(SCHEMA)
    ids_a, text_a = read(a_path)
    ids_b, text_b = read(b_path)
    start = time.perf_counter()
    clks_a = clk.generate_clk_from_csv(
        io.StringIO(text_a), "secret", schema, validate=False, progress_bar=False
    )
    clks_b = clk.generate_clk_from_csv(
        io.StringIO(text_b), "secret", schema, validate=False, progress_bar=False
    )
    encode_rate = (len(ids_a) + len(ids_b)) / (time.perf_counter() - start)
    tracemalloc.start()
    start = time.perf_counter()
    candidates = anonlink.candidate_generation.find_candidate_pairs(
        [clks_a, clks_b], anonlink.similarities.dice_coefficient_accelerated, 0.8
    )
    seconds = time.perf_counter() - start
    groups = anonlink.solving.greedy_solve(candidates)
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    pairs = set()
    for group in groups:
        members = dict(group)
        if 0 in members and 1 in members:
            pairs.add((ids_a[members[0]], ids_b[members[1]]))
    return {
        "tool": "clkhash + anonlink (0.8)",
        "encode_rec_s": encode_rate,
        "dice_cmp_s": len(ids_a) * len(ids_b) / seconds,
        "peak_mb": peak,
        **quality(pairs, truth),
    }


def splink(a_path: str, b_path: str, truth: set[tuple[str, str]]) -> dict[str, Any]:
    import pandas as pd
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    frames = [
        pd.read_csv(p, dtype=str, keep_default_na=False).replace("", None)
        for p in (a_path, b_path)
    ]
    settings = SettingsCreator(
        link_type="link_only",
        unique_id_column_name="rec_id",
        blocking_rules_to_generate_predictions=[
            block_on("given_name", "surname"), block_on("date_of_birth"),
            block_on("soc_sec_id"), block_on("postcode", "street_number"),
        ],
        comparisons=[
            *(cl.JaroWinklerAtThresholds(c) for c in ("given_name", "surname")),
            *(cl.ExactMatch(c) for c in ("street_number", "postcode", "state")),
            *(
                cl.LevenshteinAtThresholds(c)
                for c in ("address_1", "address_2", "suburb", "date_of_birth",
                          "soc_sec_id")
            ),
        ],
    )  # fmt: skip
    tracemalloc.start()
    start = time.perf_counter()
    db_api = DuckDBAPI()
    tables = [
        db_api.register(f, dataset_display_name=n)
        for f, n in zip(frames, "ab", strict=True)
    ]
    linker = Linker(tables, settings, log_level="WARNING")
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7)
    for rule in (block_on("given_name", "surname"), block_on("date_of_birth")):
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    result = linker.inference.predict(
        threshold_match_probability=0.5
    ).as_pandas_dataframe()
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    pairs = set()
    left_col = next(c for c in result.columns if c.endswith("_l") and "rec_id" in c)
    right_col = left_col[:-2] + "_r"
    for left, right in zip(result[left_col], result[right_col], strict=True):
        pairs.add((left, right) if left.endswith("-org") else (right, left))
    return {
        "tool": "Splink (plaintext, DuckDB)",
        "peak_mb": peak,
        "match_s": seconds,
        **quality(pairs, truth),
    }


def main() -> None:
    a_path, b_path = sys.argv[1], sys.argv[2]
    truth = {(f"rec-{i}-org", f"rec-{i}-dup-0") for i in range(2500)}
    for tool in (clkhash_anonlink, splink):
        try:
            print(json.dumps(tool(a_path, b_path, truth)), flush=True)
        except Exception as exc:  # a peer failing must not hide the others
            print(
                f"{tool.__name__} failed: {type(exc).__name__}: {exc}", file=sys.stderr
            )


if __name__ == "__main__":
    main()
