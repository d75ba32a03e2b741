"""Load and cross-check the indicator taxonomy.

Two passes, as in FollowTheMoney's ``Model.generate``: Pydantic checks each
entry's shape, then :func:`parse_taxonomy` checks what spans entries (unique
codes, known sources, no nationality or origin proxies). Any failure raises
:class:`InvalidTaxonomy` naming the file and the key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path

import yaml
from pydantic import ValidationError

from schakel.errors import InvalidInput
from schakel.taxonomy._model import Indicator, Source, TaxonomyFile
from schakel.vocabulary import ExploitationForm

#: Words that betray a nationality, origin or ethnicity proxy. Such "indicators"
#: (e.g. "afkomstig uit een bronland" in the 2008 OM list) discriminate and are
#: refused; the person's situation is the signal, not where they come from.
PROXY_WORDS: tuple[str, ...] = (
    "nationaliteit",
    "herkomst",
    "afkomst",
    "bronland",
    "etniciteit",
    "etnisch",
    "nationality",
    "ethnicity",
    "origin",
)

_PACKAGE_FILE = "indicators.yaml"


class InvalidTaxonomy(InvalidInput):
    """The taxonomy file is malformed; the message names the file and the key."""


@dataclass(frozen=True)
class Taxonomy:
    """The loaded taxonomy: indicators by code, with version and content hash."""

    version: str
    content_hash: str
    sources: Mapping[str, Source]
    indicators: tuple[Indicator, ...]
    _by_code: Mapping[str, Indicator] = field(repr=False)

    def get(self, code: str) -> Indicator:
        """The indicator with ``code``; ``KeyError`` naming it if there is none."""
        try:
            return self._by_code[code]
        except KeyError:
            raise KeyError(f"unknown indicator code {code!r}") from None

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __iter__(self) -> Iterator[Indicator]:
        return iter(self.indicators)

    def __len__(self) -> int:
        return len(self.indicators)

    @property
    def codes(self) -> tuple[str, ...]:
        """All codes in file order."""
        return tuple(self._by_code)

    def by_form(self, form: ExploitationForm) -> tuple[Indicator, ...]:
        """The indicators that point to ``form``."""
        return tuple(i for i in self.indicators if form in i.forms)

    def dump(self) -> dict[str, object]:
        """The taxonomy as plain JSON-able data (for the UI, the API and docs)."""
        return {
            "version": self.version,
            "content_hash": self.content_hash,
            "sources": {k: v.model_dump() for k, v in self.sources.items()},
            "indicators": [i.model_dump(mode="json") for i in self.indicators],
        }


def _location(loc: tuple[int | str, ...], raw: object) -> str:
    """Turn a Pydantic location into a readable key, using the code if known."""
    parts: list[str] = []
    node = raw
    for step in loc:
        if isinstance(node, list) and isinstance(step, int) and step < len(node):
            node = node[step]
            code = node.get("code") if isinstance(node, dict) else None
            parts.append(f"[{step}]" + (f" ({code})" if code else ""))
            continue
        parts.append(f".{step}" if parts else str(step))
        node = node.get(step) if isinstance(node, dict) else None
    return "".join(parts)


def parse_taxonomy(text: str, source: str = _PACKAGE_FILE) -> Taxonomy:
    """Validate taxonomy YAML ``text``; ``source`` names the file in errors."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidTaxonomy(f"{source}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise InvalidTaxonomy(f"{source}: expected a mapping with version, indicators")
    try:
        parsed = TaxonomyFile.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = _location(tuple(first["loc"]), raw)
        got = first.get("input")
        shown = f" (got {got!r})" if isinstance(got, str | int | float) else ""
        raise InvalidTaxonomy(f"{source}: {where}: {first['msg']}{shown}") from None

    by_code: dict[str, Indicator] = {}
    for indicator in parsed.indicators:
        if indicator.code in by_code:
            raise InvalidTaxonomy(
                f"{source}: indicators: duplicate code {indicator.code!r}"
            )
        for src in indicator.sources:
            if src not in parsed.sources:
                raise InvalidTaxonomy(
                    f"{source}: indicators ({indicator.code}): unknown source "
                    f"{src!r}; known: {', '.join(sorted(parsed.sources))}"
                )
        wording = " ".join(
            (indicator.code, indicator.label_nl, indicator.description)
        ).lower()
        for word in PROXY_WORDS:
            if word in wording:
                raise InvalidTaxonomy(
                    f"{source}: indicators ({indicator.code}): mentions {word!r}; "
                    "nationality or origin proxies are not indicators"
                )
        by_code[indicator.code] = indicator
    used = {s for i in parsed.indicators for s in i.sources}
    unused = sorted(set(parsed.sources) - used)
    if unused:
        raise InvalidTaxonomy(
            f"{source}: sources: {', '.join(unused)} is cited by no indicator"
        )
    return Taxonomy(
        version=parsed.version,
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest()[:16],
        sources=dict(parsed.sources),
        indicators=parsed.indicators,
        _by_code=by_code,
    )


@cache
def _packaged() -> Taxonomy:
    text = files("schakel.taxonomy").joinpath(_PACKAGE_FILE).read_text("utf-8")
    return parse_taxonomy(text, _PACKAGE_FILE)


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """The packaged taxonomy (cached), or the one in ``path`` (for tests, review)."""
    if path is None:
        return _packaged()
    p = Path(path)
    try:
        text = p.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidTaxonomy(f"{p.name}: cannot read: {exc}") from None
    return parse_taxonomy(text, p.name)
