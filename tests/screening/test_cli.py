"""The ``schakel screen`` contract (spec/screening.md), run in-process."""

import csv
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner, Result

from schakel.cli import screen as screen_cli

RECORDS = [
    {
        "id": "c1",
        "text": "Btr. (v, 19) werkt in massagesalon, paspoort ligt bij de "
        "eigenaar, moet schuld van 6000 euro afbetalen.",
    },
    {"id": "c2", "text": "Verkeerscontrole A2, bestuurder had geen licht aan."},
    {
        "id": "c3",
        "text": "Gecontroleerd op signalen van uitbuiting: geen aanwijzingen "
        "aangetroffen.",
    },
]


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _group() -> None:
        """Group, so that ``screen`` is a subcommand as in the real app."""

    screen_cli.register(app)
    return app


def run(app: typer.Typer, *args: object) -> Result:
    return CliRunner().invoke(app, ["screen", *map(str, args)])


def write_jsonl(
    path: Path, rows: Sequence[Mapping[str, object]], extra: list[str] | None = None
) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        for line in extra or []:
            fh.write(line + "\n")
    return path


def read_out(path: Path) -> list[Any]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def test_jsonl_to_file_in_order_with_contract_fields(app, tmp_path):
    inp = write_jsonl(tmp_path / "in.jsonl", RECORDS)
    out = tmp_path / "out.jsonl"
    result = run(app, inp, "--output", out)
    assert result.exit_code == 0, result.output
    rows = read_out(out)
    assert [r["id"] for r in rows] == ["c1", "c2", "c3"]
    texts = {r["id"]: r["text"] for r in RECORDS}
    for row in rows:
        assert {"id", "flagged", "score", "types", "indicators"} <= set(row)
        for ind in row["indicators"]:
            assert texts[row["id"]][ind["start"] : ind["end"]] == ind["text"]
    assert rows[0]["flagged"] and "sexual_exploitation" in rows[0]["types"]
    assert not rows[1]["flagged"] and rows[1]["types"] == []
    assert not rows[2]["flagged"]
    assert "gelezen 3, gescreend 3, gemarkeerd 1, overgeslagen 0" in result.stderr


def test_stdout_is_plain_json_lines(app, tmp_path):
    inp = write_jsonl(tmp_path / "in.jsonl", RECORDS)
    result = run(app, inp)
    assert result.exit_code == 0
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == [
        "c1",
        "c2",
        "c3",
    ]
    assert "gelezen" not in result.stdout


def test_csv_with_custom_fields(app, tmp_path):
    inp = tmp_path / "in.csv"
    with inp.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["nr", "omschrijving"])
        for r in RECORDS:
            w.writerow([r["id"], r["text"]])
    out = tmp_path / "out.jsonl"
    result = run(
        app,
        inp,
        "--format",
        "csv",
        "--id-field",
        "nr",
        "--text-field",
        "omschrijving",
        "--output",
        out,
    )
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in read_out(out)] == ["c1", "c2", "c3"]


def test_csv_missing_column_exits_2(app, tmp_path):
    inp = tmp_path / "in.csv"
    inp.write_text("id,body\n1,tekst\n", encoding="utf-8")
    result = run(app, inp, "--output", tmp_path / "out.jsonl")
    assert result.exit_code == 2
    assert "kolom 'text' ontbreekt" in result.stderr
    assert not (tmp_path / "out.jsonl").exists()


BAD_LINES = [
    ("{this is not json", "geen geldige JSON"),
    ('{"text": "zonder id"}', "veld 'id' ontbreekt"),
    ('{"id": "x9"}', "veld 'text' ontbreekt"),
    ('{"id": "x9", "text": 12}', "veld 'text' is geen tekst"),
    ('["een", "lijst"]', "geen JSON-object"),
]


@pytest.mark.parametrize(("line", "reason"), BAD_LINES)
def test_bad_line_is_reported_with_number_and_skipped(app, tmp_path, line, reason):
    inp = write_jsonl(tmp_path / "in.jsonl", RECORDS[:2], extra=[line])
    out = tmp_path / "out.jsonl"
    result = run(app, inp, "--output", out)
    assert result.exit_code == 0
    assert f"regel 3: {reason}" in result.stderr
    assert [r["id"] for r in read_out(out)] == ["c1", "c2"]
    assert "gelezen 3, gescreend 2, gemarkeerd 1, overgeslagen 1" in result.stderr


@pytest.mark.parametrize(("line", "reason"), BAD_LINES)
def test_bad_line_with_strict_exits_2(app, tmp_path, line, reason):
    inp = write_jsonl(tmp_path / "in.jsonl", RECORDS[:2], extra=[line])
    out = tmp_path / "out.jsonl"
    result = run(app, inp, "--output", out, "--strict")
    assert result.exit_code == 2
    assert f"regel 3: {reason}" in result.stderr
    assert not out.exists()


def test_wrong_encoding_is_reported_with_line_number(app, tmp_path):
    inp = tmp_path / "in.jsonl"
    good = json.dumps(RECORDS[1]).encode()
    inp.write_bytes(
        good + b"\n" + '{"id": "l", "text": "caf\u00e9"}'.encode("latin-1") + b"\n"
    )
    out = tmp_path / "out.jsonl"
    result = run(app, inp, "--output", out)
    assert result.exit_code == 0
    assert "regel 2: geen geldige UTF-8" in result.stderr
    assert [r["id"] for r in read_out(out)] == ["c2"]


def test_empty_file(app, tmp_path):
    inp = tmp_path / "empty.jsonl"
    inp.write_bytes(b"")
    result = run(app, inp, "--output", tmp_path / "out.jsonl")
    assert result.exit_code == 0
    assert "regel 1: het bestand is leeg" in result.stderr
    assert "gelezen 0" in result.stderr
    strict = run(app, inp, "--strict")
    assert strict.exit_code == 2
    assert strict.stdout == ""


def test_missing_input_file_exits_2(app, tmp_path):
    result = run(app, tmp_path / "nope.jsonl")
    assert result.exit_code == 2
    assert "kan" in result.stderr and "nope.jsonl" in result.stderr


def test_invalid_format_option_exits_2(app, tmp_path):
    inp = write_jsonl(tmp_path / "in.jsonl", RECORDS)
    assert run(app, inp, "--format", "xml").exit_code == 2


def test_workers_keep_input_order(app, tmp_path):
    n = 2 * screen_cli.CHUNK + 37
    rows = [
        {"id": i, "text": RECORDS[i % 3]["text"] + f" Volgnummer {i}."}
        for i in range(n)
    ]
    inp = write_jsonl(tmp_path / "in.jsonl", rows)
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    assert run(app, inp, "--output", one).exit_code == 0
    result = run(app, inp, "--output", two, "--workers", "2")
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in read_out(two)] == list(range(n))
    assert read_out(one) == read_out(two)
    assert f"gelezen {n}, gescreend {n}" in result.stderr


def test_no_progress_bar_when_stderr_is_not_a_terminal(app, tmp_path):
    inp = write_jsonl(tmp_path / "in.jsonl", RECORDS)
    result = run(app, inp, "--output", tmp_path / "o.jsonl")
    assert "screenen" not in result.stderr
