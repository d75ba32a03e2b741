"""The screening lexicon: shape (Pydantic) and cross-references (taxonomy).

The lexicon says in which Dutch words each taxonomy indicator shows up in a
record. It is data, versioned, and validated in two passes: Pydantic checks the
shape of every entry, then :func:`parse_lexicon` checks it against the taxonomy
(known codes, forms the indicator has, every indicator covered, no nationality or
origin proxies as terms). Failures raise :class:`InvalidLexicon` naming the file
and the key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from schakel.errors import InvalidInput
from schakel.taxonomy import PROXY_WORDS, Taxonomy, load_taxonomy
from schakel.taxonomy._model import VERSION_PATTERN
from schakel.vocabulary import ExploitationForm

_PACKAGE_FILE = "lexicon.yaml"

Terms = tuple[str, ...]


class InvalidLexicon(InvalidInput):
    """The lexicon file is malformed; the message names the file and the key."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class NearPattern(_Frozen):
    """Phrases from every group within ``window`` tokens of one sentence."""

    groups: tuple[Terms, ...] = Field(min_length=2, max_length=4)
    window: int = Field(ge=2, le=40)
    unless: Terms = ()
    strength: float = Field(default=1.0, gt=0.0, le=1.0)


class IndicatorEntry(_Frozen):
    """How one indicator shows up in text, and how much one hit counts."""

    weight: float = Field(gt=0.0, le=1.0)
    forms: tuple[ExploitationForm, ...] | None = None
    terms: Terms = ()
    weak: Terms = ()
    near: tuple[NearPattern, ...] = ()
    unless: Terms = ()
    requires_context: tuple[ExploitationForm, ...] = ()

    @model_validator(mode="after")
    def _has_patterns(self) -> IndicatorEntry:
        if not (self.terms or self.weak or self.near):
            raise ValueError("needs at least one of terms, weak or near")
        return self


class ScopeTriggers(_Frozen):
    """ConText trigger phrases. A leading ``^`` means: only at a sentence start."""

    negation_pre: Terms = Field(min_length=1)
    negation_post: Terms = Field(min_length=1)
    hypothetical: Terms = Field(min_length=1)
    checklist: Terms = Field(min_length=1)
    negative_outcome: Terms = Field(min_length=1)
    terminators: Terms = Field(min_length=1)
    quote: Terms = ()
    quoted_factor: float = Field(default=0.4, ge=0.0, le=1.0)


class LexiconFile(_Frozen):
    """The shape of ``lexicon.yaml``."""

    version: str = Field(pattern=VERSION_PATTERN.pattern)
    taxonomy_version: str = Field(pattern=VERSION_PATTERN.pattern)
    threshold: float = Field(gt=0.0, lt=1.0)
    not_screened: Terms = ()
    abbreviations: dict[str, str] = {}
    lemmas: dict[str, Terms] = {}
    scope: ScopeTriggers
    contexts: dict[ExploitationForm, Terms] = {}
    indicators: dict[str, IndicatorEntry] = Field(min_length=1)


@dataclass(frozen=True)
class Lexicon:
    """A validated lexicon, with the taxonomy it was checked against."""

    version: str
    content_hash: str
    spec: LexiconFile
    taxonomy: Taxonomy

    def forms_of(self, code: str) -> tuple[ExploitationForm, ...]:
        """The forms an indicator's hits point to (lexicon subset or taxonomy)."""
        entry = self.spec.indicators[code]
        return entry.forms or self.taxonomy.get(code).forms


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice instead of keeping the last."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> Any:
    seen: set[Hashable] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise InvalidLexicon(
                f"duplicate key {key!r} (line {key_node.start_mark.line + 1})"
            )
        seen.add(key)
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping
)


def _where(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(p) for p in loc)


def _all_terms(entry: IndicatorEntry) -> list[str]:
    terms = [*entry.terms, *entry.weak, *entry.unless]
    for pattern in entry.near:
        terms.extend(t for group in pattern.groups for t in group)
        terms.extend(pattern.unless)
    return terms


def _check_terms(source: str, key: str, terms: list[str]) -> None:
    for term in terms:
        if not term.strip():
            raise InvalidLexicon(f"{source}: {key}: empty term")
        low = term.lower()
        for word in PROXY_WORDS:
            if word in low:
                raise InvalidLexicon(
                    f"{source}: {key}: term {term!r} mentions {word!r}; "
                    "nationality or origin proxies are not indicators"
                )


def parse_lexicon(
    text: str, taxonomy: Taxonomy | None = None, source: str = _PACKAGE_FILE
) -> Lexicon:
    """Validate lexicon YAML ``text`` against ``taxonomy`` (default: packaged)."""
    tax = taxonomy or load_taxonomy()
    try:
        raw = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - SafeLoader
    except InvalidLexicon as exc:
        raise InvalidLexicon(f"{source}: {exc}") from None
    except yaml.YAMLError as exc:
        raise InvalidLexicon(f"{source}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise InvalidLexicon(f"{source}: expected a mapping with version, indicators")
    try:
        spec = LexiconFile.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        got = first.get("input")
        shown = f" (got {got!r})" if isinstance(got, str | int | float) else ""
        raise InvalidLexicon(
            f"{source}: {_where(tuple(first['loc']))}: {first['msg']}{shown}"
        ) from None

    if spec.taxonomy_version.split(".")[0] != tax.version.split(".")[0]:
        raise InvalidLexicon(
            f"{source}: taxonomy_version {spec.taxonomy_version} does not match "
            f"the taxonomy's major version ({tax.version})"
        )
    for code, entry in spec.indicators.items():
        key = f"indicators.{code}"
        if code not in tax:
            raise InvalidLexicon(f"{source}: {key}: unknown indicator code {code!r}")
        allowed = set(tax.get(code).forms)
        for form in entry.forms or ():
            if form not in allowed:
                raise InvalidLexicon(
                    f"{source}: {key}: form {form.value!r} is not a form of "
                    f"{code!r} in the taxonomy"
                )
        if entry.forms and len(set(entry.forms)) != len(entry.forms):
            raise InvalidLexicon(f"{source}: {key}: forms are listed twice")
        seen: set[str] = set()
        for term in (*entry.terms, *entry.weak):
            low = term.lower()
            if low in seen:
                raise InvalidLexicon(f"{source}: {key}: duplicate term {term!r}")
            seen.add(low)
        _check_terms(source, key, _all_terms(entry))
    for code in spec.not_screened:
        if code not in tax:
            raise InvalidLexicon(
                f"{source}: not_screened: unknown indicator code {code!r}"
            )
        if code in spec.indicators:
            raise InvalidLexicon(
                f"{source}: not_screened: {code!r} also has an indicators entry"
            )
    missing = [
        c for c in tax.codes if c not in spec.indicators and c not in spec.not_screened
    ]
    if missing:
        raise InvalidLexicon(
            f"{source}: indicators: no entry for taxonomy code(s) "
            f"{', '.join(missing)}; add one or list it under not_screened"
        )
    for form, terms in spec.contexts.items():
        _check_terms(source, f"contexts.{form.value}", list(terms))
    for lemma, forms in spec.lemmas.items():
        for word in (lemma, *forms):
            if not word.strip() or " " in word.strip():
                raise InvalidLexicon(
                    f"{source}: lemmas.{lemma}: {word!r} must be one word"
                )
    return Lexicon(
        version=spec.version,
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest()[:16],
        spec=spec,
        taxonomy=tax,
    )


@cache
def _packaged() -> Lexicon:
    text = files("schakel.screening").joinpath(_PACKAGE_FILE).read_text("utf-8")
    return parse_lexicon(text, load_taxonomy(), _PACKAGE_FILE)


def load_lexicon(
    path: str | Path | None = None, taxonomy: Taxonomy | None = None
) -> Lexicon:
    """The packaged lexicon (cached), or the one in ``path`` (tests, review)."""
    if path is None and taxonomy is None:
        return _packaged()
    if path is None:
        text = files("schakel.screening").joinpath(_PACKAGE_FILE).read_text("utf-8")
        return parse_lexicon(text, taxonomy, _PACKAGE_FILE)
    p = Path(path)
    try:
        text = p.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidLexicon(f"{p.name}: cannot read: {exc}") from None
    return parse_lexicon(text, taxonomy, p.name)
