"""The indicator taxonomy of human trafficking, shared by signals and screening.

Guarantees: every indicator code is unique and stable, points to at least one
exploitation form of :class:`schakel.vocabulary.ExploitationForm`, cites at least
one published source, and is never a nationality or origin proxy. The taxonomy
is data (``indicators.yaml``), versioned, and validated when it is loaded.
"""

from schakel.taxonomy._load import (
    PROXY_WORDS,
    InvalidTaxonomy,
    Taxonomy,
    load_taxonomy,
    parse_taxonomy,
)
from schakel.taxonomy._model import Indicator, Source

__all__ = [
    "Indicator",
    "InvalidTaxonomy",
    "PROXY_WORDS",
    "Source",
    "Taxonomy",
    "load_taxonomy",
    "parse_taxonomy",
]
