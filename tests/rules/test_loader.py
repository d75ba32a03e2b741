"""Loading rule files: every failure mode, edits that change decisions, versions."""

from __future__ import annotations

import datetime as dt
import shutil
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
import yaml

from schakel.rules import InvalidRuleset, check, load_ruleset
from tests.rules.factory import INVALID_DIR

SHIPPED = Path(str(files("schakel.rules").joinpath("nl")))
CASES = yaml.safe_load((INVALID_DIR / "cases.yaml").read_text("utf-8"))


def _copy_rules(tmp_path: Path) -> Path:
    target = tmp_path / "nl"
    shutil.copytree(SHIPPED, target)
    return target


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_broken_file_names_file_and_key(tmp_path: Path, case: dict[str, Any]) -> None:
    rules = _copy_rules(tmp_path)
    broken = (INVALID_DIR / case["file"]).read_text("utf-8")
    (rules / case.get("replaces", "99-broken.yaml")).write_text(broken, "utf-8")
    with pytest.raises(InvalidRuleset) as info:
        load_ruleset(rules)
    message = str(info.value)
    for word in case["words"]:
        assert word in message, message


def test_every_invalid_fixture_has_a_case() -> None:
    listed = {c["file"] for c in CASES}
    present = {p.name for p in INVALID_DIR.glob("*.yaml")} - {"cases.yaml"}
    assert listed == present


def test_shipped_rules_load_and_copy_loads_identically(tmp_path: Path) -> None:
    shipped = load_ruleset()
    copy = load_ruleset(_copy_rules(tmp_path))
    assert copy.version == shipped.version
    assert [r.id for r in copy.rules] == [r.id for r in shipped.rules]


def test_version_is_semver_plus_content_hash(tmp_path: Path) -> None:
    rules = _copy_rules(tmp_path)
    before = load_ruleset(rules).version
    semver, _, digest = before.partition("+sha256:")
    assert semver.count(".") == 2 and len(digest) == 8
    path = rules / "60-zorg.yaml"
    path.write_text(path.read_text("utf-8") + "\n# reviewed\n", "utf-8")
    assert load_ruleset(rules).version != before


def test_missing_catch_all_rule_is_refused(tmp_path: Path) -> None:
    rules = _copy_rules(tmp_path)
    kader = rules / "00-kader.yaml"
    data = yaml.safe_load(kader.read_text("utf-8"))
    data["rules"] = [r for r in data["rules"] if r["id"] != "kader.geen-grondslag"]
    kader.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    with pytest.raises(InvalidRuleset, match="catch-all"):
        load_ruleset(rules)


def test_missing_meta_file_is_refused(tmp_path: Path) -> None:
    rules = _copy_rules(tmp_path)
    (rules / "ruleset.yaml").unlink()
    with pytest.raises(InvalidRuleset, match=r"ruleset\.yaml: missing"):
        load_ruleset(rules)


QUESTION = {
    "sender": "youth_care",
    "recipient": "comensha",
    "purpose": "registration",
    "data": ["identifying"],
    "subject": "possible_victim",
    "consent": "refused",
}


def test_editing_yaml_changes_the_decision(tmp_path: Path) -> None:
    """A privacy officer changes a rule's effect by editing YAML only."""
    rules = _copy_rules(tmp_path)
    day = dt.date(2026, 1, 15)
    before = check(QUESTION, as_at=day, ruleset=load_ruleset(rules))
    assert before.decision == "not_allowed"

    # The officer adopts the view that a legitimate interest suffices for
    # registration-only reports (RESEARCH.md (d) 4): edit the refusing rule.
    path = rules / "20-registratie.yaml"
    data = yaml.safe_load(path.read_text("utf-8"))
    for rule in data["rules"]:
        if rule["id"] == "registratie.comensha-zonder-toestemming":
            rule["then"] = {
                "decision": "allowed_with_conditions",
                "grounds": ["avg_6_1_f"],
                "conditions": ["belangenafweging"],
            }
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")

    edited = load_ruleset(rules)
    after = check(QUESTION, as_at=day, ruleset=edited)
    assert after.decision == "allowed_with_conditions"
    assert [g.id for g in after.grounds] == ["avg_6_1_f"]
    assert after.ruleset_version == edited.version != before.ruleset_version


def test_validity_dates_decide_which_rule_applies() -> None:
    q = {
        "sender": "municipality",
        "recipient": "police",
        "purpose": "administrative",
        "data": ["identifying"],
        "subject": "possible_perpetrator",
        "covenant": "riec",
    }
    before = check(q, as_at=dt.date(2025, 2, 28))
    after = check(q, as_at=dt.date(2025, 3, 1))
    assert {g.id for g in before.grounds} == {"convenant_eigen_grondslag"}
    assert {g.id for g in after.grounds} == {"wgs_riec"}
    # Before the catch-all rule's start no rule set applies: outside the rules' era
    # the RIEC rule did not exist either, so the municipality had no ground.
    older = check(q, as_at=dt.date(2019, 1, 1))
    assert older.decision == "not_allowed"


def test_dump_is_json_ready_and_complete() -> None:
    import json

    ruleset = load_ruleset()
    dumped = json.loads(json.dumps(ruleset.dump()))
    assert dumped["version"] == ruleset.version
    assert len(dumped["rules"]) == len(ruleset.rules)
    first = dumped["rules"][0]
    assert set(first) >= {"id", "citation", "text_nl", "valid_from", "valid_until"}
    assert all(r["citation"] for r in dumped["rules"])


def test_date_before_the_rules_is_refused() -> None:
    from schakel.rules import InvalidQuestion

    with pytest.raises(InvalidQuestion, match="2018-05-25"):
        check(QUESTION, as_at=dt.date(2017, 1, 1))
