"""What a screening returns: a decision and the spans that explain it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from schakel.vocabulary import ExploitationForm


class Scope(StrEnum):
    """How the sentence around a hit qualifies it (ConText)."""

    ASSERTED = "asserted"
    NEGATED = "negated"
    HYPOTHETICAL = "hypothetical"
    CHECKLIST = "checklist"
    QUOTED = "quoted"

    @property
    def counts(self) -> bool:
        """Whether a hit in this scope may contribute to flagging."""
        return self in (Scope.ASSERTED, Scope.QUOTED)


@dataclass(frozen=True, slots=True)
class Hit:
    """One indicator found in a text: ``text == source[start:end]``."""

    code: str
    start: int
    end: int
    text: str
    scope: Scope
    weight: float

    @property
    def negated(self) -> bool:
        """True when the hit does not count (negated, hypothetical, checklist)."""
        return not self.scope.counts

    def to_dict(self) -> dict[str, object]:
        """The contract form (spec/screening.md) plus scope and weight."""
        out: dict[str, object] = {
            "code": self.code,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "negated": self.negated,
        }
        if self.scope is not Scope.ASSERTED:
            out["scope"] = self.scope.value
        out["weight"] = self.weight
        return out


@dataclass(frozen=True, slots=True)
class ScreenResult:
    """The outcome for one text: flag, combined score, forms and explaining hits."""

    flagged: bool
    score: float
    types: tuple[ExploitationForm, ...]
    indicators: tuple[Hit, ...]

    def to_dict(self) -> dict[str, object]:
        """The contract form of spec/screening.md (without the record id)."""
        return {
            "flagged": self.flagged,
            "score": self.score,
            "types": [t.value for t in self.types],
            "indicators": [h.to_dict() for h in self.indicators],
        }
