"""Multiple systems estimation and safe statistics (pure: no IO).

Guarantees: ``estimate`` returns a finite total with an interval or raises
``NoFiniteEstimate``; it never returns a number for a model that is not identifiable
or whose maximum likelihood estimate does not exist. ``suppress`` never shows a count
under the threshold and never lets the shown totals reveal a suppressed cell.
"""

from schakel.stats._checks import identifiable, mle_exists
from schakel.stats._estimate import (
    STRATIFIED_CAVEATS,
    BootstrapKind,
    EstimateResult,
    Interval,
    StratifiedResult,
    check_model_terms,
    compare_methods,
    estimate,
    estimate_stratified,
    parse_method,
)
from schakel.stats._explain import assumptions_nl
from schakel.stats._select import Method, NoFiniteEstimate, Verdict
from schakel.stats._table import CaptureTable, InvalidCaptureTable
from schakel.stats.suppression import SuppressedTable, suppress, suppress_series

__all__ = [
    "BootstrapKind",
    "CaptureTable",
    "EstimateResult",
    "Interval",
    "InvalidCaptureTable",
    "Method",
    "NoFiniteEstimate",
    "STRATIFIED_CAVEATS",
    "StratifiedResult",
    "SuppressedTable",
    "Verdict",
    "assumptions_nl",
    "check_model_terms",
    "compare_methods",
    "estimate",
    "estimate_stratified",
    "identifiable",
    "mle_exists",
    "parse_method",
    "suppress",
    "suppress_series",
]
