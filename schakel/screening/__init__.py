"""Screening of Dutch free-text records for signals of human trafficking (DIGW).

Guarantees: the engine is pure (text in, result out; no IO after the lexicon is
loaded); every flag is explained by the spans that produced it, and each span's
``text`` equals ``source[start:end]``; negated, hypothetical and checklist hits
never flag a record; nationality and origin are never indicators. The lexicon
(``lexicon.yaml``) is versioned data checked against the shared taxonomy.

    >>> from schakel.screening import Screener
    >>> result = Screener().screen("Btr. moet schuld afbetalen bij de werkgever.")
    >>> [h.code for h in result.indicators]
    ['debt_bondage']
"""

from schakel.screening._engine import Screener, expand_term
from schakel.screening._lexicon import (
    IndicatorEntry,
    InvalidLexicon,
    Lexicon,
    NearPattern,
    load_lexicon,
    parse_lexicon,
)
from schakel.screening._result import Hit, Scope, ScreenResult

__all__ = [
    "Hit",
    "IndicatorEntry",
    "InvalidLexicon",
    "Lexicon",
    "NearPattern",
    "Scope",
    "ScreenResult",
    "Screener",
    "expand_term",
    "load_lexicon",
    "parse_lexicon",
]
