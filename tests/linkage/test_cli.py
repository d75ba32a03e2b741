import csv
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

import schakel.cli.link as link_cli
from schakel.cli import app

from .factory import FIELDS, linked_sets

runner = CliRunner()
HEADER = ["id", *(f["column"] for f in FIELDS)]


def write_csv(
    path: Path, rows: list[dict[str, str]], header: list[str] = HEADER
) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for r in rows:
            w.writerow([r.get(h, "") for h in header])
    return path


@pytest.fixture
def files(tmp_path):
    a, b, truth = linked_sets(seed=11, n_links=60, n_only=40)
    config = tmp_path / "config.yaml"
    config.write_text(
        "id_column: id\nfields:\n"
        + "".join(f"  - {{column: {f['column']}, kind: {f['kind']}}}\n" for f in FIELDS)
    )
    secret = tmp_path / "secret"
    secret.write_bytes(b"a-cli-test-secret-of-enough-bytes\n")
    return {
        "a": write_csv(tmp_path / "a.csv", a),
        "b": write_csv(tmp_path / "b.csv", b),
        "config": config, "secret": secret, "tmp": tmp_path, "truth": truth,
    }  # fmt: skip


def encode(files: dict[str, Any], name: str, **over: Path) -> tuple[Result, Path]:
    args = {
        "config": files["config"],
        "secret": files["secret"],
        "input": files[name],
    } | over
    out = files["tmp"] / f"{name}.jsonl"
    return runner.invoke(app, ["link", "encode", "--config", str(args["config"]),
                               "--secret-file", str(args["secret"]), str(args["input"]),
                               "--output", str(out)]), out  # fmt: skip


def test_encode_then_match_finds_the_links(files):
    (ra, ja), (rb, jb) = encode(files, "a"), encode(files, "b")
    assert ra.exit_code == 0 and rb.exit_code == 0
    assert ra.stdout == ""
    assert len(ja.read_text().splitlines()) == 100
    pairs = files["tmp"] / "pairs.csv"
    result = runner.invoke(
        app, ["link", "match", str(ja), str(jb), "--one-to-one", "--output", str(pairs)]
    )
    assert result.exit_code == 0
    rows = list(csv.reader(pairs.read_text().splitlines()))
    assert rows[0] == ["id_a", "id_b", "score"]
    found = {(r[0], r[1]) for r in rows[1:]}
    assert all(0.0 <= float(r[2]) <= 1.0 for r in rows[1:])
    assert len(found & files["truth"]) >= 0.95 * len(files["truth"])
    assert len(found - files["truth"]) <= 2


def test_row_with_bad_field_is_reported_and_still_encoded(files):
    rows = [
        {
            "id": "x1",
            "given": "Anna",
            "surname": "Smit",
            "dob": "31-02-1990",
            "phone": "0612345678",
        }
    ]
    files["bad"] = write_csv(files["tmp"] / "bad.csv", rows)
    result, out = encode(files, "bad")
    assert result.exit_code == 0
    assert "rij 1" in result.stderr and "dob" in result.stderr
    record = json.loads(out.read_text())
    assert (
        record["id"] == "x1"
        and "dob" not in record["fields"]
        and "phone" in record["fields"]
    )


def test_parallel_encoding_gives_the_same_file(files, monkeypatch):
    _, sequential = encode(files, "a")
    expected = sequential.read_text()
    monkeypatch.setattr(link_cli, "_PARALLEL_FROM_BYTES", 0)
    monkeypatch.setattr(link_cli, "_CHUNK", 7)
    result, parallel = encode(files, "a")
    assert result.exit_code == 0
    assert parallel.read_text() == expected


@pytest.mark.parametrize(
    ("secret", "words"),
    [
        (b"tiny\n", "minimaal 16"),
        (b"", "leeg"),
        (b"\n", "leeg"),
        (None, "niet te lezen"),
    ],
)
def test_bad_secrets_exit_2(files, secret, words):
    path = files["tmp"] / "bad-secret"
    if secret is not None:
        path.write_bytes(secret)
    result, out = encode(files, "a", secret=path)
    assert result.exit_code == 2
    assert words in result.stderr
    assert result.stdout == ""
    assert not out.exists()


@pytest.mark.parametrize(
    ("config", "words"),
    [
        ("id_column: id\nfields:\n  - {column: mobile, kind: phone}\n", "mobile"),
        ("id_column: id\nfields:\n  - {column: phone, kind: telefax}\n", "kind"),
        ("id_column: id\nfields: [\n", "YAML"),
        ("id_column: nr\nfields:\n  - {column: phone, kind: phone}\n", "nr"),
    ],
)
def test_bad_configs_exit_2(files, config, words):
    path = files["tmp"] / "bad.yaml"
    path.write_text(config)
    result, out = encode(files, "a", config=path)
    assert result.exit_code == 2
    assert words in result.stderr
    assert not out.exists()


def test_wrong_csv_header_exits_2(files):
    files["odd"] = write_csv(files["tmp"] / "odd.csv", [], header=["nummer", "naam"])
    result, _ = encode(files, "odd")
    assert result.exit_code == 2
    assert "kolom ontbreekt" in result.stderr


def test_match_refuses_other_key_and_other_version(files):
    _, ja = encode(files, "a")
    other = files["tmp"] / "other-secret"
    other.write_bytes(b"a-different-secret-of-enough-bytes")
    _, jb = encode(files, "b", secret=other)
    pairs = files["tmp"] / "p.csv"
    result = runner.invoke(
        app, ["link", "match", str(ja), str(jb), "--output", str(pairs)]
    )
    assert result.exit_code == 2 and "sleutel" in result.stderr
    future = files["tmp"] / "future.jsonl"
    lines = ja.read_text().splitlines()
    future.write_text(
        "".join(json.dumps({**json.loads(x), "version": 2}) + "\n" for x in lines)
    )
    result = runner.invoke(
        app, ["link", "match", str(ja), str(future), "--output", str(pairs)]
    )
    assert result.exit_code == 2 and "versie 2" in result.stderr
    assert not pairs.exists()


@pytest.mark.parametrize("extra", [["--threshold", "1.5"], ["--threshold", "x"]])
def test_match_bad_threshold_exits_2(files, extra):
    _, ja = encode(files, "a")
    result = runner.invoke(
        app,
        [
            "link",
            "match",
            str(ja),
            str(ja),
            *extra,
            "--output",
            str(files["tmp"] / "p.csv"),
        ],
    )
    assert result.exit_code == 2


def test_match_bad_json_names_the_line(files):
    broken = files["tmp"] / "broken.jsonl"
    broken.write_text('{"id": "x"\n')
    result = runner.invoke(
        app,
        [
            "link",
            "match",
            str(broken),
            str(broken),
            "--output",
            str(files["tmp"] / "p.csv"),
        ],
    )
    assert result.exit_code == 2 and "regel 1" in result.stderr
