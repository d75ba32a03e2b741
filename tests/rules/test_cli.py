"""``schakel share-check`` and ``schakel rules`` through a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
Q = {
    "sender": "police",
    "recipient": "public_prosecutor",
    "purpose": "prosecution",
    "data": ["identifying", "police_data"],
    "subject": "possible_perpetrator",
}


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "schakel", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_one_question_gives_one_object() -> None:
    p = run("share-check", stdin=json.dumps(Q))
    assert p.returncode == 0, p.stderr
    answer = json.loads(p.stdout)
    assert answer["decision"] == "allowed"
    assert answer["grounds"][0]["citation"] == "Wpg art. 16 lid 1 sub b"


def test_array_from_file_gives_array(tmp_path: Path) -> None:
    path = tmp_path / "q.json"
    path.write_text(json.dumps([Q, {**Q, "anonymised": True}]), "utf-8")
    p = run("share-check", "--input", str(path), "--as-at", "2026-01-15")
    assert p.returncode == 0, p.stderr
    answers = json.loads(p.stdout)
    assert [a["decision"] for a in answers] == ["allowed", "allowed"]
    assert answers[1]["grounds"][0]["id"] == "avg_overweging_26"


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        (json.dumps([Q, {**Q, "sender": "bakery"}]), ["[1]", "sender", "bakery"]),
        (json.dumps({**Q, "colour": "red"}), ["colour"]),
        ("{not json", ["ongeldige JSON"]),
        ("42", ["JSON-object"]),
    ],
)
def test_invalid_input_exits_2_with_message_and_no_stdout(
    payload: str, words: list[str]
) -> None:
    p = run("share-check", stdin=payload)
    assert p.returncode == 2
    assert p.stdout == ""
    for word in words:
        assert word in p.stderr


def test_bad_as_at_is_invalid_input() -> None:
    p = run("share-check", "--as-at", "yesterday", stdin=json.dumps(Q))
    assert p.returncode == 2 and p.stdout == "" and "--as-at" in p.stderr


def test_rules_dump_and_validate(tmp_path: Path) -> None:
    dump = run("rules", "dump")
    assert dump.returncode == 0, dump.stderr
    data = json.loads(dump.stdout)
    assert data["rules"] and data["version"].count("+sha256:") == 1

    from importlib.resources import files

    ok = run("rules", "validate", str(files("schakel.rules").joinpath("nl")))
    assert ok.returncode == 0 and json.loads(ok.stdout)["version"] == data["version"]

    (tmp_path / "ruleset.yaml").write_text("format: 1\n", "utf-8")
    bad = run("rules", "validate", str(tmp_path))
    assert bad.returncode == 2 and bad.stdout == "" and "ruleset.yaml" in bad.stderr
