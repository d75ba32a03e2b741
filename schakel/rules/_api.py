"""The public functions of the share check: parse, check, explain.

Pure: the only IO is the one-time load of the shipped rule files (package data).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from enum import StrEnum
from functools import cache
from typing import Any

from pydantic import ValidationError

from schakel.rules._errors import InvalidQuestion
from schakel.rules._evaluator import Engine, Outcome, World
from schakel.rules._loader import load_ruleset
from schakel.rules._model import Rule, Ruleset
from schakel.rules._schema import (
    Alternative,
    Answer,
    Condition,
    Decision,
    Ground,
    Question,
)
from schakel.vocabulary import (
    Consent,
    Covenant,
    DataCategory,
    OrgType,
    Purpose,
    SubjectRole,
    label,
)

_ENUMS: dict[str, type[StrEnum]] = {
    "sender": OrgType,
    "recipient": OrgType,
    "purpose": Purpose,
    "data": DataCategory,
    "subject": SubjectRole,
    "consent": Consent,
    "covenant": Covenant,
}


def _field_message(exc: ValidationError, prefix: str) -> str:
    parts = []
    for err in exc.errors(include_url=False):
        loc = [p for p in err["loc"] if not (isinstance(p, str) and "[" in p)]
        name = ""
        for p in loc:
            name += f"[{p}]" if isinstance(p, int) else (f".{p}" if name else str(p))
        kind = err["type"]
        got = err.get("input")
        if kind == "missing":
            text = "verplicht veld ontbreekt"
        elif kind == "extra_forbidden":
            text = "onbekend veld; toegestane velden: " + ", ".join(
                Question.model_fields
            )
        elif kind == "enum":
            enum = _ENUMS.get(str(loc[0])) if loc else None
            expected = (
                ", ".join(e.value for e in enum)
                if enum
                else err.get("ctx", {}).get("expected", "")
            )
            text = f"onbekende waarde {got!r}; toegestane waarden: {expected}"
        elif kind == "bool_type":
            text = f"moet true, false of null zijn, niet {got!r}"
        elif kind == "too_short":
            text = (
                "moet minstens één gegevenscategorie bevatten; toegestane waarden: "
                + (", ".join(d.value for d in DataCategory))
            )
        elif kind == "list_type":
            text = f"moet een lijst zijn, niet {got!r}"
        elif kind in ("string_type", "str_type"):
            text = f"moet een tekst zijn, niet {got!r}"
        elif kind == "model_type":
            text = "moet een JSON-object zijn"
        else:
            text = err["msg"]
        field = f"veld '{name}'" if name else "vraag"
        parts.append(f"{prefix}{field}: {text}")
    return "; ".join(parts)


def parse_question(raw: object, *, index: int | None = None) -> Question:
    """Validate one question (a mapping from JSON) against the contract.

    Raises ``InvalidQuestion`` whose message names the field (and the array index
    when ``index`` is given) and lists the allowed values.
    """
    prefix = "" if index is None else f"vraag [{index}], "
    if isinstance(raw, Question):
        return raw
    if not isinstance(raw, Mapping):
        where = "vraag" if index is None else f"vraag [{index}]"
        raise InvalidQuestion(
            f"{where}: moet een JSON-object zijn, niet {type(raw).__name__}"
        )
    try:
        return Question.model_validate(dict(raw))
    except ValidationError as exc:
        raise InvalidQuestion(_field_message(exc, prefix)) from None


def parse_questions(raw: object) -> list[Question]:
    """Validate a JSON array of questions (or one object, giving a list of one)."""
    if isinstance(raw, list):
        if not raw:
            raise InvalidQuestion("de lijst met vragen is leeg")
        return [parse_question(item, index=i) for i, item in enumerate(raw)]
    return [parse_question(raw)]


_ENGINES: dict[tuple[int, dt.date], Engine] = {}


def _engine(ruleset: Ruleset, as_at: dt.date) -> Engine:
    if as_at < ruleset.starts:
        raise InvalidQuestion(
            f"as_at {as_at.isoformat()}: de regelset geldt pas vanaf "
            f"{ruleset.starts.isoformat()}"
        )
    key = (id(ruleset), as_at)
    engine = _ENGINES.get(key)
    if engine is None or engine.ruleset is not ruleset:
        if len(_ENGINES) > 64:
            _ENGINES.clear()
        engine = Engine(ruleset, as_at)
        _ENGINES[key] = engine
    return engine


def evaluate(
    question: Question | Mapping[str, Any],
    *,
    as_at: dt.date | None = None,
    ruleset: Ruleset | None = None,
) -> Outcome:
    """The full evaluation trace: every world, the rule that decided it, ``missing``.

    For the rules page (which rules a scenario exercises) and for debugging a rule
    set; ``check`` is the contract answer built from this.
    """
    q = parse_question(question)
    rs = ruleset if ruleset is not None else load_ruleset()
    return _engine(rs, as_at or dt.date.today()).evaluate(q)


def check(
    question: Question | Mapping[str, Any],
    *,
    as_at: dt.date | None = None,
    ruleset: Ruleset | None = None,
) -> Answer:
    """Answer one share-check question with the rules in force on ``as_at``.

    ``as_at`` defaults to today; ``ruleset`` to the shipped Dutch rules. Raises
    ``InvalidQuestion`` for a mapping that does not meet the contract.
    """
    q = parse_question(question)
    rs = ruleset if ruleset is not None else load_ruleset()
    day = as_at or dt.date.today()
    outcome = _engine(rs, day).evaluate(q)
    return _answer(q, outcome, rs, day)


def relevant_fields(
    question: Question | Mapping[str, Any],
    *,
    as_at: dt.date | None = None,
    ruleset: Ruleset | None = None,
) -> list[str]:
    """The unknown facts the wizard should still ask: those that change the decision.

    This is ``check(question).missing``; it is empty when the answer is decided.
    """
    return list(evaluate(question, as_at=as_at, ruleset=ruleset).missing)


def _dedupe(items: list[Any]) -> tuple[Any, ...]:
    seen: set[str] = set()
    out = []
    for item in items:
        if item.id not in seen:
            seen.add(item.id)
            out.append(item)
    return tuple(out)


_Body = tuple[tuple[Ground, ...], tuple[Condition, ...], tuple[Alternative, ...], str]
_BODIES: dict[tuple[object, ...], _Body] = {}


def _answer(q: Question, outcome: Outcome, rs: Ruleset, day: dt.date) -> Answer:
    world = outcome.chosen
    # The part of the answer that depends on the rules that fired, not on the
    # wording of the question, is shared by many questions: cache it.
    if world is not None:
        key: tuple[object, ...] = (
            id(rs),
            day,
            world.rule.id,
            tuple(s.id for s in world.supplements),
            world.values,
            world.decision,
        )
    else:
        key = (
            id(rs),
            day,
            outcome.missing,
            tuple((w.values, w.decision, w.rule.id) for w in outcome.worlds),
        )
    body = _BODIES.get(key)
    if body is None:
        body = _body(outcome, rs, day)
        if len(_BODIES) > 100_000:
            _BODIES.clear()
        _BODIES[key] = body
    grounds, conditions, alternatives, text = body
    # model_construct: every part was validated when the rules loaded.
    return Answer.model_construct(
        decision=outcome.decision,
        grounds=grounds,
        conditions=conditions,
        missing=outcome.missing,
        alternatives=alternatives,
        explanation_nl=_intro(q, rs) + text,
        ruleset_version=rs.version,
    )


def _body(outcome: Outcome, rs: Ruleset, day: dt.date) -> _Body:
    world = outcome.chosen
    grounds: tuple[Ground, ...] = ()
    conditions: tuple[Condition, ...] = ()
    alternatives: tuple[Alternative, ...] = ()
    if world is not None:
        rules = (world.rule, *world.supplements)
        grounds = _dedupe([g for r in rules for g in r.grounds])
        conditions = _dedupe([c for r in rules for c in r.conditions])
        alternatives = _dedupe([a for r in rules for a in r.alternatives])
    text = _explain(outcome, rs, day, grounds, conditions, alternatives)
    return grounds, conditions, alternatives, text


# ------------------------------------------------------------------ explanation


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " en " + items[-1]


@cache
def _labels() -> dict[str, str]:
    """Dutch label per vocabulary value (values are unique across these enums)."""
    out: dict[str, str] = {}
    for enum in (OrgType, Purpose, DataCategory, SubjectRole, Consent, Covenant):
        for member in enum:
            out.setdefault(member.value, label(member))
    out["true"], out["false"] = "ja", "nee"
    return out


def _value_nl(field: str, value: str) -> str:
    if field == "consent":
        return _labels()[value]
    return "ja" if value == "true" else "nee"


def _question_nl(q: Question) -> str:
    lbl = _labels()
    data = _join([lbl[d] for d in dict.fromkeys(q.data)])
    subject = lbl[q.subject]
    if q.subject_minor:
        subject += " (minderjarig)"
    text = (
        f"Mag {lbl[q.sender]} {data} over een {subject} delen met "
        f"{lbl[q.recipient]} voor {lbl[q.purpose]}"
    )
    if q.covenant is not None:
        text += f", binnen {lbl[q.covenant]}"
    if q.anonymised:
        text += " (geanonimiseerd)"
    return text + "?"


def _facts_nl(q: Question, rs: Ruleset) -> str:
    known = []
    if q.consent is not None:
        known.append(f"{rs.questions_nl['consent']} {_labels()[q.consent]}")
    if q.professional_secrecy is not None:
        shown = "ja" if q.professional_secrecy else "nee"
        known.append(f"{rs.questions_nl['professional_secrecy']} {shown}")
    if q.serious_danger is not None:
        shown = "ja" if q.serious_danger else "nee"
        known.append(f"{rs.questions_nl['serious_danger']} {shown}")
    return " ".join(known)


def _intro(q: Question, rs: Ruleset) -> str:
    text = f"Vraag: {_question_nl(q)}\n"
    facts = _facts_nl(q, rs)
    if facts:
        text += f"Bekend: {facts}\n"
    return text


def _explain(
    outcome: Outcome,
    rs: Ruleset,
    day: dt.date,
    grounds: tuple[Ground, ...],
    conditions: tuple[Condition, ...],
    alternatives: tuple[Alternative, ...],
) -> str:
    lines = [f"Uitkomst: {rs.decisions_nl[outcome.decision]}."]
    world = outcome.chosen
    if world is None:
        lines.append(
            "Het antwoord hangt af van wat nog niet bekend is: "
            + " ".join(rs.questions_nl[f] for f in outcome.missing)
        )
        for field in outcome.missing:
            options = []
            idx = outcome.unknown_in_play.index(field)
            by_value: dict[str, list[Decision]] = {}
            for w in outcome.worlds:
                by_value.setdefault(w.values[idx][1], []).append(w.decision)
            for value, ds in by_value.items():
                labels = [rs.decisions_nl[d] for d in dict.fromkeys(ds)]
                options.append(f"{_value_nl(field, value)}: {' of '.join(labels)}")
            lines.append(f"- {rs.questions_nl[field]} " + "; ".join(options) + ".")
    else:
        lines.append(f"Reden: {world.rule.text_nl}")
        for sup in world.supplements:
            lines.append(f"Aanvullend: {sup.text_nl}")
        if grounds:
            lines.append("Grondslag: " + "; ".join(g.citation for g in grounds) + ".")
        if conditions:
            lines.append("Voorwaarden:")
            lines.extend(f"- {c.text_nl}" for c in conditions)
        if alternatives:
            lines.append("Alternatieven:")
            lines.extend(f"- {a.text_nl}" for a in alternatives)
        if world.values:
            assumed = "; ".join(
                f"{rs.questions_nl[f]} {_value_nl(f, v)}" for f, v in world.values
            )
            lines.append(
                "Niet bekend, maar dit verandert de uitkomst niet. Voor de gronden en "
                f"voorwaarden is uitgegaan van: {assumed}"
            )
    rule_ids = _decisive_ids(outcome)
    lines.append(
        f"Beoordeeld op {day.isoformat()} met regelset {rs.version} "
        f"(regel {', '.join(rule_ids)})."
    )
    return "\n".join(lines)


def _decisive_ids(outcome: Outcome) -> list[str]:
    worlds: tuple[World, ...] = (
        (outcome.chosen,) if outcome.chosen is not None else outcome.worlds
    )
    return list(dict.fromkeys(w.rule.id for w in worlds))


def rules_for(outcome: Outcome) -> list[Rule]:
    """Every rule (decision or supplement) that took part in any world."""
    seen: dict[str, Rule] = {}
    for w in outcome.worlds:
        for r in (w.rule, *w.supplements):
            seen.setdefault(r.id, r)
    return list(seen.values())
