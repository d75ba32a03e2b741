"""Load a rule directory: YAML -> shape check (Pydantic) -> cross-reference pass.

Every failure raises ``InvalidRuleset`` with a message that starts with the file
name and names the key, e.g. ``20-politie.yaml: rules[2] (politie.om).when.sender:
unknown organisation type 'bakery'; allowed: ...``.

A directory holds ``ruleset.yaml`` (name, semver, assumptions, Dutch wording) and
any number of other ``*.yaml`` rule files, read in name order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from schakel.rules._errors import InvalidRuleset
from schakel.rules._model import FieldTest, Op, Rule, Ruleset
from schakel.rules._schema import (
    Alternative,
    Condition,
    DataSpec,
    Decision,
    Ground,
    NotSpec,
    RuleFile,
    RulesetMeta,
    RuleSpec,
    ValueSpec,
)
from schakel.vocabulary import (
    Consent,
    Covenant,
    DataCategory,
    OrgType,
    Purpose,
    SubjectRole,
)

META_FILE = "ruleset.yaml"

#: Allowed values per matchable field, and the noun used in error messages.
_DOMAINS: dict[str, tuple[str, frozenset[str]]] = {
    "sender": ("organisation type", frozenset(OrgType)),
    "recipient": ("organisation type", frozenset(OrgType)),
    "purpose": ("purpose", frozenset(Purpose)),
    "data": ("data category", frozenset(DataCategory)),
    "subject": ("subject role", frozenset(SubjectRole)),
    "consent": ("consent value", frozenset(Consent)),
    "covenant": ("covenant", frozenset(Covenant) | {"none"}),
}
_BOOL_FIELDS = ("subject_minor", "professional_secrecy", "serious_danger", "anonymised")


def _norm(text: str) -> str:
    """Collapse YAML folded-text whitespace into single spaces."""
    return " ".join(text.split())


_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """Safe loader that refuses duplicate keys (PyYAML silently keeps the last).

    Uses libyaml's parser when PyYAML was built with it (several times faster).
    """


def _construct_mapping(
    loader: _UniqueKeyLoader, node: yaml.MappingNode
) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise InvalidRuleset(
                f"duplicate key {key!r} at line {key_node.start_mark.line + 1}"
            )
        seen.add(key)
    loader.flatten_mapping(node)
    return dict(loader.construct_pairs(node))


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)


def _parse_yaml(name: str, text: str) -> Any:
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - SafeLoader subclass
    except InvalidRuleset as exc:
        raise InvalidRuleset(f"{name}: {exc}") from None
    except yaml.YAMLError as exc:
        raise InvalidRuleset(f"{name}: not valid YAML: {exc}") from None


def _loc(parts: Iterable[int | str], data: Any) -> str:
    """Render a Pydantic error location, adding the rule id after ``rules[i]``."""
    out = ""
    node = data
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
            rule_id = None
            if isinstance(node, list) and 0 <= part < len(node):
                node = node[part]
                rule_id = node.get("id") if isinstance(node, dict) else None
            else:
                node = None
            if rule_id:
                out += f" ({rule_id})"
        else:
            out += f".{part}" if out else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return out or "(top level)"


def _validation_message(name: str, exc: ValidationError, data: Any) -> str:
    errors = []
    for err in exc.errors(include_url=False):
        loc = [
            p
            for p in err["loc"]
            if not (isinstance(p, str) and p.startswith("function-"))
        ]
        got = err.get("input")
        shown = f" (got {got!r})" if isinstance(got, str | int | float | bool) else ""
        errors.append(f"{name}: {_loc(loc, data)}: {err['msg']}{shown}")
    return "; ".join(errors)


def _read_dir(root: Traversable) -> list[tuple[str, str]]:
    if not root.is_dir():
        raise InvalidRuleset(f"{root}: not a directory of rule files")
    entries = sorted(
        (e for e in root.iterdir() if e.name.endswith(".yaml") and e.is_file()),
        key=lambda e: e.name,
    )
    return [(e.name, e.read_text("utf-8")) for e in entries]


def _content_hash(texts: list[tuple[str, str]]) -> str:
    digest = hashlib.sha256()
    for name, text in texts:
        digest.update(name.encode("utf-8") + b"\0" + text.encode("utf-8") + b"\0")
    return digest.hexdigest()[:8]


class _Resolver:
    """Cross-reference pass over all files: one place that knows every catalogue."""

    def __init__(self) -> None:
        self.groups: dict[str, frozenset[str]] = {}
        self.group_field: dict[str, str] = {}
        self.grounds: dict[str, Ground] = {}
        self.conditions: dict[str, Condition] = {}
        self.alternatives: dict[str, Alternative] = {}
        self.origin: dict[tuple[str, str], str] = {}

    def _claim(self, kind: str, key: str, name: str) -> None:
        if (kind, key) in self.origin:
            raise InvalidRuleset(
                f"{name}: {kind}.{key}: duplicate id, already defined in "
                f"{self.origin[(kind, key)]}"
            )
        self.origin[(kind, key)] = name

    def add_catalogues(self, name: str, rf: RuleFile) -> None:
        for key, spec in rf.grounds.items():
            self._claim("grounds", key, name)
            self.grounds[key] = Ground(
                id=key, citation=_norm(spec.citation), text_nl=_norm(spec.text_nl)
            )
        for key, text in rf.conditions.items():
            self._claim("conditions", key, name)
            self.conditions[key] = Condition(id=key, text_nl=_norm(text.text_nl))
        for key, text in rf.alternatives.items():
            self._claim("alternatives", key, name)
            self.alternatives[key] = Alternative(id=key, text_nl=_norm(text.text_nl))
        for key, values in rf.groups.items():
            self._claim("groups", key, name)
            fields = [f for f, (_, dom) in _DOMAINS.items() if set(values) <= dom]
            if not fields or not values:
                raise InvalidRuleset(
                    f"{name}: groups.{key}: values {values} are not all of one kind "
                    "(organisation types, purposes, data categories, ...)"
                )
            self.groups[key] = frozenset(values)
            self.group_field[key] = fields[0]

    def _values(self, where: str, fld: str, raw: Iterable[str]) -> frozenset[str]:
        noun, domain = _DOMAINS[fld]
        out: set[str] = set()
        for value in raw:
            if value.startswith("@"):
                group = self.groups.get(value[1:])
                if group is None:
                    raise InvalidRuleset(
                        f"{where}.{fld}: unknown group {value!r}; defined groups: "
                        f"{', '.join(sorted(self.groups)) or '(none)'}"
                    )
                if not group <= domain:
                    raise InvalidRuleset(
                        f"{where}.{fld}: group {value!r} holds values that are "
                        f"not a {noun}"
                    )
                out |= group
            elif value not in domain:
                raise InvalidRuleset(
                    f"{where}.{fld}: unknown {noun} {value!r}; allowed: "
                    f"{', '.join(sorted(domain))}"
                )
            else:
                out.add(value)
        return frozenset(out)

    def _value_test(self, where: str, fld: str, spec: ValueSpec) -> FieldTest:
        domain = _DOMAINS[fld][1]
        if isinstance(spec, NotSpec):
            return FieldTest(fld, "in", domain - self._values(where, fld, spec.not_))
        raw = [spec] if isinstance(spec, str) else spec
        if not raw:
            raise InvalidRuleset(f"{where}.{fld}: empty list matches nothing")
        return FieldTest(fld, "in", self._values(where, fld, raw))

    def when(self, where: str, spec: RuleSpec) -> tuple[FieldTest, ...]:
        tests: list[FieldTest] = []
        w = spec.when
        for fld in ("sender", "recipient", "purpose", "subject", "consent", "covenant"):
            value: ValueSpec | None = getattr(w, fld)
            if value is not None:
                tests.append(self._value_test(where, fld, value))
        if w.data is not None:
            data = DataSpec(any=w.data) if isinstance(w.data, list) else w.data
            clauses: list[tuple[Op, list[str] | None]] = [
                ("any", data.any),
                ("all", data.all),
                ("none", data.none),
                ("only", data.only),
            ]
            if all(v is None for _, v in clauses):
                raise InvalidRuleset(
                    f"{where}.data: give at least one of any/all/none/only"
                )
            for op, values in clauses:
                if values is not None:
                    tests.append(
                        FieldTest("data", op, self._values(where, "data", values))
                    )
        for fld in _BOOL_FIELDS:
            flag: bool | None = getattr(w, fld)
            if flag is not None:
                tests.append(
                    FieldTest(fld, "in", frozenset({"true" if flag else "false"}))
                )
        return tuple(tests)

    def refs(
        self, where: str, kind: str, ids: list[str], catalogue: Mapping[str, Any]
    ) -> Any:
        out = []
        for ref in ids:
            if ref not in catalogue:
                raise InvalidRuleset(
                    f"{where}.then.{kind}: unknown id {ref!r} (not in any file's "
                    f"'{kind}' catalogue)"
                )
            out.append(catalogue[ref])
        return tuple(out)


def _check_rule_semantics(where: str, spec: RuleSpec) -> None:
    then = spec.then
    if spec.valid_until is not None and spec.valid_until < spec.valid_from:
        raise InvalidRuleset(
            f"{where}.valid_until: {spec.valid_until} is before "
            f"valid_from {spec.valid_from}"
        )
    if spec.kind == "supplement":
        if then.decision is not None:
            raise InvalidRuleset(
                f"{where}.then.decision: a supplement adds grounds, conditions or "
                "alternatives; it does not decide (use kind: decision)"
            )
        if not (then.grounds or then.conditions or then.alternatives):
            raise InvalidRuleset(f"{where}.then: a supplement must add something")
        return
    if spec.applies_to is not None:
        raise InvalidRuleset(f"{where}.applies_to: only supplements have applies_to")
    if then.decision is None:
        raise InvalidRuleset(f"{where}.then.decision: a decision rule needs a decision")
    if then.decision in ("allowed", "allowed_with_conditions") and not then.grounds:
        raise InvalidRuleset(
            f"{where}.then.grounds: decision {then.decision} needs at least one ground"
        )
    if then.decision == "allowed" and then.conditions:
        raise InvalidRuleset(
            f"{where}.then.conditions: decision allowed has no conditions; "
            "use allowed_with_conditions"
        )
    if then.decision == "allowed_with_conditions" and not then.conditions:
        raise InvalidRuleset(
            f"{where}.then.conditions: decision allowed_with_conditions "
            "needs conditions"
        )
    if then.decision == "not_allowed":
        if not then.alternatives:
            raise InvalidRuleset(
                f"{where}.then.alternatives: decision not_allowed needs an alternative"
            )
        if then.grounds or then.conditions:
            raise InvalidRuleset(
                f"{where}.then: decision not_allowed cites no grounds or conditions"
            )


def load_ruleset_from(texts: list[tuple[str, str]]) -> Ruleset:
    """Build a ``Ruleset`` from ``(file name, YAML text)`` pairs (pure, no IO)."""
    by_name = dict(texts)
    if META_FILE not in by_name:
        raise InvalidRuleset(f"{META_FILE}: missing (the rule set's name and version)")
    meta_raw = _parse_yaml(META_FILE, by_name[META_FILE])
    try:
        meta = RulesetMeta.model_validate(meta_raw)
    except ValidationError as exc:
        raise InvalidRuleset(_validation_message(META_FILE, exc, meta_raw)) from None

    parsed: list[tuple[str, RuleFile]] = []
    for name, text in texts:
        if name == META_FILE:
            continue
        raw = _parse_yaml(name, text)
        try:
            parsed.append((name, RuleFile.model_validate(raw)))
        except ValidationError as exc:
            raise InvalidRuleset(_validation_message(name, exc, raw)) from None
    if not parsed:
        raise InvalidRuleset("(rule directory): no rule files besides ruleset.yaml")

    resolver = _Resolver()
    for name, rf in parsed:
        resolver.add_catalogues(name, rf)

    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for file_index, (name, rf) in enumerate(parsed):
        for pos, spec in enumerate(rf.rules):
            where = f"{name}: rules[{pos}] ({spec.id})"
            if spec.id in seen:
                raise InvalidRuleset(
                    f"{where}.id: duplicate rule id {spec.id!r}, "
                    f"already in {seen[spec.id]}"
                )
            seen[spec.id] = name
            _check_rule_semantics(where, spec)
            then = spec.then
            applies = spec.applies_to or (
                ["allowed", "allowed_with_conditions"]
                if spec.kind == "supplement"
                else []
            )
            rules.append(
                Rule(
                    id=spec.id,
                    kind=spec.kind,
                    priority=spec.priority,
                    citation=spec.citation,
                    text_nl=_norm(spec.text_nl),
                    valid_from=spec.valid_from,
                    valid_until=spec.valid_until,
                    file=name,
                    position=file_index * 10_000 + pos,
                    when=resolver.when(where + ".when", spec),
                    decision=Decision(then.decision) if then.decision else None,
                    grounds=resolver.refs(
                        where, "grounds", then.grounds, resolver.grounds
                    ),
                    conditions=resolver.refs(
                        where, "conditions", then.conditions, resolver.conditions
                    ),
                    alternatives=resolver.refs(
                        where, "alternatives", then.alternatives, resolver.alternatives
                    ),
                    applies_to=frozenset(Decision(d) for d in applies),
                )
            )
    rules.sort(key=lambda r: (-r.priority, r.position))

    catch_all = [r for r in rules if r.kind == "decision" and not r.when]
    if not any(r.valid_until is None for r in catch_all):
        raise InvalidRuleset(
            "(rule directory): no catch-all decision rule (a decision rule with an "
            "empty 'when' and no valid_until); some questions would get no decision"
        )
    earliest = min(r.valid_from for r in catch_all)
    for rule in rules:
        if rule.valid_from < earliest:
            raise InvalidRuleset(
                f"{rule.file}: rules ({rule.id}).valid_from: "
                f"{rule.valid_from} is before "
                f"the catch-all rule starts ({earliest})"
            )

    missing_q = set(_DOMAINS) | set(_BOOL_FIELDS)
    missing_q -= set(meta.questions_nl)
    if missing_q:
        raise InvalidRuleset(
            f"{META_FILE}: questions_nl: no Dutch question for "
            f"{', '.join(sorted(missing_q))}"
        )
    missing_d = set(Decision) - set(meta.decisions_nl)
    if missing_d:
        raise InvalidRuleset(
            f"{META_FILE}: decisions_nl: no Dutch label for "
            f"{', '.join(sorted(missing_d))}"
        )

    assume = {
        k: (("true" if v else "false") if isinstance(v, bool) else str(v))
        for k, v in meta.assume_when_unknown.model_dump(mode="json").items()
    }
    return Ruleset(
        name=meta.name,
        semver=meta.version,
        content_hash=_content_hash(sorted(texts)),
        rules=tuple(rules),
        grounds=dict(resolver.grounds),
        conditions=dict(resolver.conditions),
        alternatives=dict(resolver.alternatives),
        groups=dict(resolver.groups),
        assume_when_unknown=assume,
        questions_nl=dict(meta.questions_nl),
        decisions_nl=dict(meta.decisions_nl),
        files=tuple(name for name, _ in texts),
        starts=earliest,
    )


@cache
def _default_ruleset() -> Ruleset:
    return load_ruleset_from(_read_dir(files("schakel.rules").joinpath("nl")))


def load_ruleset(path: Traversable | Path | None = None) -> Ruleset:
    """Load and validate a rule directory; ``None`` gives the shipped Dutch rules.

    The default rule set is loaded once per process and cached; an explicit path is
    read every time (``schakel rules validate DIR``, tests of edited rules).
    """
    if path is None:
        return _default_ruleset()
    return load_ruleset_from(_read_dir(path))
