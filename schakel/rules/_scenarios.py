"""Scenario files: readable statements of how the rules must decide.

They ship with the rules (``nl/scenarios/*.yaml``) so the rules page can show, per
rule, the scenarios that exercise it; ``tests/rules`` runs every one of them.
"""

import datetime as dt
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

import yaml

#: Scenarios are evaluated on a fixed date so they do not change with the calendar.
DEFAULT_AS_AT = dt.date(2026, 1, 15)


@dataclass(frozen=True)
class Scenario:
    file: str
    name: str
    question: dict[str, Any]
    as_at: dt.date
    expect: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.file}::{self.name}"


def load_scenarios() -> list[Scenario]:
    """Every shipped scenario, in file order."""
    root = files("schakel.rules").joinpath("nl").joinpath("scenarios")
    out = []
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        for item in yaml.safe_load(entry.read_text("utf-8")):
            out.append(
                Scenario(
                    entry.name,
                    item["name"],
                    item["question"],
                    item.get("as_at", DEFAULT_AS_AT),
                    item["expect"],
                )
            )
    return out


@cache
def scenario_coverage() -> dict[str, tuple[str, ...]]:
    """Rule id -> names of the scenarios whose answer that rule took part in."""
    from schakel.rules._api import evaluate

    coverage: dict[str, list[str]] = {}
    for scenario in load_scenarios():
        outcome = evaluate(scenario.question, as_at=scenario.as_at)
        worlds = (outcome.chosen,) if outcome.chosen else outcome.worlds
        for world in worlds:
            for rule in (world.rule, *world.supplements):
                names = coverage.setdefault(rule.id, [])
                if scenario.name not in names:
                    names.append(scenario.name)
    return {rule: tuple(names) for rule, names in coverage.items()}
