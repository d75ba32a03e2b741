"""Bulk import: a synthetic file of N signal rows through ``schakel signals import``.

Generates the file (CSV, or XLSX with ``--xlsx``; synthetic values only, a few
percent deliberately invalid), creates a fresh database (SQLite, and PostgreSQL
when reachable), imports it through the command line (chunked commits) and reports
rows/s, wall time and peak memory of the import process against the target, then
drains the hit/no-hit queue (``schakel match run``) and reports that too. Nothing
of the generated data is kept.

    python benchmarks/signal_import.py [--rows 100000] [--postgres URL] [--xlsx]
"""

import argparse
import csv
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from api_load import _prepare_postgres

TARGET_SECONDS = 120
COLUMNS = [
    "source",
    "observed_on",
    "municipality",
    "forms",
    "indicators",
    "description",
    "given_name",
    "surname",
    "date_of_birth",
    "phones",
    "emails",
    "ibans",
]
GIVEN = ["Daria", "Ioana", "Piotr", "Anna", "Mihai", "Elena", "Tomas", "Olga"]
SURNAMES = ["Testescu", "Voorbeeld", "Proefmans", "Nepova", "Fictief", "Synthees"]
TOWNS = ["Utrecht", "Rotterdam", "Eindhoven", "Zwolle", "Tilburg", "Venlo"]
INDICATORS = ["excessive_hours", "very_low_pay", "withheld_documents"]
BANKS = ["ABNA", "RABO", "INGB", "SNSB"]


def synthetic_iban(rng: random.Random) -> str:
    """A Dutch IBAN with a right checksum (ISO 13616 mod 97) and random digits."""
    bban = rng.choice(BANKS) + f"{rng.randrange(10**9, 10**10)}"
    digits = "".join(str(int(c, 36)) for c in bban + "NL00")
    return f"NL{98 - int(digits) % 97:02d}{bban}"


DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/schakel_bench_import"


def synthetic_rows(count: int, seed: int = 4) -> list[list[str]]:
    """``count`` synthetic rows; about 2% carry a deliberate error. Identifiers are
    mostly unique, as in real intake: a value shared by thousands of signals makes
    every one of them a hit candidate for the others."""
    rng = random.Random(seed)
    rows = []
    for n in range(count):
        phone = f"06{rng.randrange(10_000_000, 99_999_999)}"
        row = [
            rng.choice(["inspection", "tip", "intake"]),
            f"2026-{rng.randint(1, 10):02d}-{rng.randint(1, 28):02d}",
            rng.choice(TOWNS),
            "labour_exploitation",
            ";".join(rng.sample(INDICATORS, 2)),
            f"Synthetisch importsignaal {n}: lange dagen, lage betaling.",
            rng.choice(GIVEN),
            rng.choice(SURNAMES),
            f"{rng.randint(1970, 2006)}-{rng.randint(1, 12):02d}"
            f"-{rng.randint(1, 28):02d}",
            phone,
            f"persoon{n}@voorbeeld.invalid" if n % 3 == 0 else "",
            synthetic_iban(rng) if n % 5 == 0 else "",
        ]
        if n % 50 == 7:
            row[9] = "12"  # invalid phone number
        elif n % 50 == 19:
            row[4] = "nationaliteit"  # unknown indicator code
        rows.append(row)
    return rows


def write_csv(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(rows)


def write_xlsx(path: Path, rows: list[list[str]]) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("signalen")
    sheet.append(COLUMNS)
    for row in rows:
        sheet.append(row)
    book.save(path)


def _cli(env: dict[str, str], *args: str, check: bool = True) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "schakel", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if check and done.returncode not in (0, 2):
        raise SystemExit(f"schakel {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def bench(label: str, database_url: str | None, data: Path, rows: int) -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, "SCHAKEL_DATA_DIR": data_dir}
        env.pop("SCHAKEL_DATABASE_URL", None)
        if database_url:
            env["SCHAKEL_DATABASE_URL"] = database_url
        _cli(env, "db", "upgrade")
        _cli(env, "org", "add", "Gemeente Import", "--type", "municipality",
             "--region", "midden_nederland")  # fmt: skip
        env["SCHAKEL_NEW_PASSWORD"] = "import-wachtwoord-1"
        _cli(env, "user", "add", "import", "--org", "Gemeente Import",
             "--role", "professional")  # fmt: skip
        began = time.perf_counter()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        out = _cli(env, "signals", "import", str(data), "--user", "import", "--json")
        elapsed = time.perf_counter() - began
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        import json

        report = json.loads(out)
        cpu = (usage.ru_utime - before.ru_utime) + (usage.ru_stime - before.ru_stime)
        print(
            f"{label:10} import {rows} rows: {elapsed:6.1f} s "
            f"({rows / elapsed:6.0f} rows/s, CPU {cpu:5.1f} s), saved "
            f"{report['saved']}, refused {report['refused_rows']}, peak RSS "
            f"{usage.ru_maxrss / 1024:.0f} MiB; target < {TARGET_SECONDS} s: "
            f"{'met' if elapsed < TARGET_SECONDS else 'NOT met'}"
        )
        began = time.perf_counter()
        _cli(env, "match", "run", check=False)
        drained = time.perf_counter() - began
        print(
            f"{label:10} hit/no-hit queue of {report['saved']} signals drained in "
            f"{drained:6.1f} s ({report['saved'] / drained:6.0f} signals/s)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--postgres", default=DEFAULT_PG)
    parser.add_argument("--xlsx", action="store_true", help="an XLSX file, not CSV")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ("signalen.xlsx" if args.xlsx else "signalen.csv")
        began = time.perf_counter()
        (write_xlsx if args.xlsx else write_csv)(path, synthetic_rows(args.rows))
        took = time.perf_counter() - began
        print(
            f"generated {args.rows} synthetic rows ({path.suffix[1:]}, "
            f"{path.stat().st_size / 1e6:.1f} MB) in {took:.1f} s"
        )
        if not args.no_sqlite:
            bench("SQLite", None, path, args.rows)
        if _prepare_postgres(args.postgres):
            bench("PostgreSQL", args.postgres, path, args.rows)


if __name__ == "__main__":
    main()
