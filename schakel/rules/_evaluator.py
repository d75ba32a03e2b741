"""The evaluator: a pure function from (rule set, date, question) to an outcome.

Semantics (the rule-file reference in ``docs/share-check.md`` says the same for
privacy officers):

* Decision rules are tried in precedence order; the first whose ``when`` holds
  decides. Supplements whose ``when`` holds and whose ``applies_to`` contains that
  decision add their grounds, conditions and alternatives; a supplement that adds
  conditions to ``allowed`` makes it ``allowed_with_conditions``.
* Three-valued logic. A ``when`` clause on a fact that is unknown (null) neither
  holds nor fails. The evaluator runs the rules once for every combination of
  values of the unknown facts that some surviving rule looks at (a "world"; at
  most 2 x 3 x 2 x 2 = 24). If every world gives the same decision, that is the
  answer, and its grounds and conditions come from the world given by the rule
  set's ``assume_when_unknown``. Otherwise the answer is ``need_more_information``
  and ``missing`` holds exactly the unknown facts that change the decision when
  only they change - correct by construction, not by a hand-kept list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import product

from schakel.rules._model import UNKNOWABLE, Rule, Ruleset
from schakel.rules._schema import Decision, Question

#: Possible values of each unknowable fact, as the strings rules are matched on.
DOMAINS: dict[str, tuple[str, ...]] = {
    "subject_minor": ("true", "false"),
    "consent": ("given", "refused", "not_asked"),
    "professional_secrecy": ("true", "false"),
    "serious_danger": ("true", "false"),
}
assert set(DOMAINS) == set(UNKNOWABLE)

_STATIC = ("sender", "recipient", "purpose")

# A compiled clause: (field, op, values). Ops as in ``FieldTest``.
_Clause = tuple[str, str, frozenset[str]]


@dataclass(frozen=True, slots=True)
class _Compiled:
    rule: Rule
    static: tuple[_Clause, ...]
    dynamic: tuple[_Clause, ...]


@dataclass(frozen=True, slots=True)
class World:
    """The outcome of the rules for one combination of values of unknown facts."""

    values: tuple[tuple[str, str], ...]
    decision: Decision
    rule: Rule
    supplements: tuple[Rule, ...]


@dataclass(frozen=True, slots=True)
class Outcome:
    """Everything the evaluator found for one question; ``Answer`` is built from it.

    ``chosen`` is the world whose grounds and conditions the answer shows (``None``
    when the decision depends on unknown facts).
    """

    decision: Decision
    missing: tuple[str, ...]
    unknown_in_play: tuple[str, ...]
    worlds: tuple[World, ...]
    chosen: World | None


def _holds(op: str, values: frozenset[str], value: str | frozenset[str]) -> bool:
    if op == "in":
        return value in values
    assert isinstance(value, frozenset)
    if op == "any":
        return not values.isdisjoint(value)
    if op == "all":
        return values <= value
    if op == "none":
        return values.isdisjoint(value)
    return value <= values  # only


class Engine:
    """The rules in force on one date, compiled for fast repeated evaluation."""

    def __init__(self, ruleset: Ruleset, as_at: dt.date) -> None:
        self.ruleset = ruleset
        self.as_at = as_at
        compiled = []
        for rule in ruleset.rules_in_force(as_at):
            static = tuple(
                (t.field, t.op, t.values) for t in rule.when if t.field in _STATIC
            )
            dynamic = tuple(
                (t.field, t.op, t.values) for t in rule.when if t.field not in _STATIC
            )
            compiled.append(_Compiled(rule, static, dynamic))
        self._decisions = tuple(c for c in compiled if c.rule.kind == "decision")
        self._supplements = tuple(c for c in compiled if c.rule.kind == "supplement")
        self._by_static: dict[
            tuple[str, str, str], tuple[tuple[_Compiled, ...], tuple[_Compiled, ...]]
        ] = {}
        self._outcomes: dict[tuple[object, ...], Outcome] = {}
        self._shapes: dict[tuple[object, ...], Outcome] = {}
        self.assume = ruleset.assume_when_unknown

    def _candidates(
        self, key: tuple[str, str, str]
    ) -> tuple[tuple[_Compiled, ...], tuple[_Compiled, ...]]:
        found = self._by_static.get(key)
        if found is None:
            facts = dict(zip(_STATIC, key, strict=True))

            def keep(cs: Iterable[_Compiled]) -> tuple[_Compiled, ...]:
                return tuple(
                    c for c in cs if all(facts[f] in vs for f, _, vs in c.static)
                )

            found = (keep(self._decisions), keep(self._supplements))
            self._by_static[key] = found
        return found

    def evaluate(self, q: Question) -> Outcome:
        """Evaluate one question (cached per distinct question)."""
        data = frozenset(q.data)
        minor = _B[q.subject_minor]
        consent = q.consent
        secrecy = _B[q.professional_secrecy]
        danger = _B[q.serious_danger]
        covenant = q.covenant or "none"
        anonymised = _B[q.anonymised]
        # StrEnum members are str: they hash and compare as their values.
        key = (
            q.sender,
            q.recipient,
            q.purpose,
            data,
            q.subject,
            minor,
            consent,
            secrecy,
            danger,
            covenant,
            anonymised,
        )
        cached = self._outcomes.get(key)
        if cached is not None:
            return cached
        facts: dict[str, str | frozenset[str] | None] = {
            "data": data,
            "subject": q.subject,
            "subject_minor": minor,
            "consent": consent,
            "professional_secrecy": secrecy,
            "serious_danger": danger,
            "covenant": covenant,
            "anonymised": anonymised,
        }
        decisions, supplements = self._candidates((q.sender, q.recipient, q.purpose))
        live_d = _residuals(decisions, facts, stop_at_unconditional=True)
        live_s = _residuals(supplements, facts, stop_at_unconditional=False)
        # Many questions leave the same rules alive with the same open clauses;
        # the worlds depend on nothing else, so share the outcome between them.
        nulls = (minor is None, consent is None, secrecy is None, danger is None)
        shape = (
            tuple(r.position for r, _ in live_d),
            tuple(r.position for r, _ in live_s),
            nulls,
        )
        outcome = self._shapes.get(shape)
        if outcome is None:
            in_play = tuple(
                f
                for f in UNKNOWABLE
                if any(c[0] == f for _, res in (*live_d, *live_s) for c in res)
            )
            worlds = tuple(
                _world(tuple(zip(in_play, combo, strict=True)), live_d, live_s)
                for combo in product(*(DOMAINS[f] for f in in_play))
            )
            outcome = _outcome(worlds, in_play, self.assume)
            if len(self._shapes) > 100_000:
                self._shapes.clear()
            self._shapes[shape] = outcome
        if len(self._outcomes) > 200_000:
            self._outcomes.clear()
        self._outcomes[key] = outcome
        return outcome


_B: dict[bool | None, str | None] = {True: "true", False: "false", None: None}


def _residuals(
    candidates: tuple[_Compiled, ...],
    facts: dict[str, str | frozenset[str] | None],
    *,
    stop_at_unconditional: bool,
) -> list[tuple[Rule, tuple[_Clause, ...]]]:
    """Rules that hold or may hold, each with its clauses on unknown facts."""
    live: list[tuple[Rule, tuple[_Clause, ...]]] = []
    for c in candidates:
        residual: list[_Clause] = []
        for clause in c.dynamic:
            value = facts[clause[0]]
            if value is None:
                residual.append(clause)
            elif not _holds(clause[1], clause[2], value):
                break
        else:
            live.append((c.rule, tuple(residual)))
            if stop_at_unconditional and not residual:
                break
    return live


def _world(
    values: tuple[tuple[str, str], ...],
    live_d: list[tuple[Rule, tuple[_Clause, ...]]],
    live_s: list[tuple[Rule, tuple[_Clause, ...]]],
) -> World:
    assigned = dict(values)
    chosen: Rule | None = None
    for rule, residual in live_d:
        if all(assigned[f] in vs for f, _, vs in residual):
            chosen = rule
            break
    if chosen is None or chosen.decision is None:  # pragma: no cover - loader forbids
        raise AssertionError("rule set without a catch-all decision rule")
    decision = chosen.decision
    sups = tuple(
        rule
        for rule, residual in live_s
        if decision in rule.applies_to
        and all(assigned[f] in vs for f, _, vs in residual)
    )
    if decision is Decision.ALLOWED and any(s.conditions for s in sups):
        decision = Decision.ALLOWED_WITH_CONDITIONS
    return World(values, decision, chosen, sups)


def _outcome(
    worlds: tuple[World, ...], in_play: tuple[str, ...], assume: Mapping[str, str]
) -> Outcome:
    decisions = {w.decision for w in worlds}
    if len(decisions) == 1:
        assumed = tuple((f, assume[f]) for f in in_play)
        chosen = next(w for w in worlds if w.values == assumed)
        return Outcome(chosen.decision, (), in_play, worlds, chosen)
    missing = []
    for i, fld in enumerate(in_play):
        groups: dict[tuple[tuple[str, str], ...], set[Decision]] = {}
        for w in worlds:
            rest = w.values[:i] + w.values[i + 1 :]
            groups.setdefault(rest, set()).add(w.decision)
        if any(len(ds) > 1 for ds in groups.values()):
            missing.append(fld)
    return Outcome(
        Decision.NEED_MORE_INFORMATION, tuple(missing), in_play, worlds, None
    )
