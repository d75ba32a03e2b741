"""Fellegi–Sunter model fitted with EM over comparison patterns.

Every compared pair gets, per field, a level: the field is missing on one side,
or its Dice similarity falls in one of :data:`EDGES`' bands. Pairs with the same
levels on all fields share a *pattern*, so EM runs over the (few) distinct
patterns with their counts instead of over millions of pairs.

Fields are combined by likelihood ratios m/u per level, not by one record-level
threshold: agreeing on a rare exact identifier weighs more than agreeing on a
common first name, and a missing field weighs nothing. Small Dirichlet priors keep
the fit sane on tiny inputs; on real volumes the data dominate.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

#: Dice band edges: level 0 is below 0.45 (disagree), the top level is exact.
EDGES = np.array([0.45, 0.6, 0.75, 0.9, 0.9999], dtype=np.float32)
LEVELS = len(EDGES) + 1
MISSING = LEVELS
RADIX = LEVELS + 1
MAX_FIELDS = 20

# Prior shapes of m (matches) and u (non-matches) over the levels.
_M_PRIOR = np.array([0.03, 0.03, 0.05, 0.09, 0.15, 0.65])
_U_PRIOR = np.array([0.90, 0.05, 0.025, 0.013, 0.007, 0.005])
_PRIOR_WEIGHT = 2.0


_STEPS = 10_000
# Level of every Dice value rounded down to 1/_STEPS: a table look-up is much
# faster than a search per pair. Exact (1.0) is the only value in the top band
# (EDGES[-1] is 0.9999).
_LUT = np.searchsorted(EDGES, np.arange(_STEPS + 1) / _STEPS, side="right").astype(
    np.uint32
)


def levels(
    dice: npt.NDArray[np.float32], present: npt.NDArray[np.bool_]
) -> npt.NDArray[np.uint32]:
    """Level per pair: the Dice band, or :data:`MISSING`."""
    steps = (dice * np.float32(_STEPS) + np.float32(1e-3)).astype(np.int32)
    out = _LUT[steps]
    out[~present] = MISSING
    return out


def decode_patterns(
    codes: npt.NDArray[np.uint64], n_fields: int
) -> npt.NDArray[np.int64]:
    """(patterns, fields) level matrix of mixed-radix pattern codes."""
    out = np.empty((len(codes), n_fields), dtype=np.int64)
    rest = codes.astype(np.int64)
    for f in range(n_fields):
        out[:, f] = rest % RADIX
        rest //= RADIX
    return out


@dataclass
class FSModel:
    """Fitted parameters: match share ``lam`` and per field m, u over levels."""

    lam: float
    m: npt.NDArray[np.float64]  # (fields, LEVELS)
    u: npt.NDArray[np.float64]

    def log2_weights(self, grid: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        """Match weight (log2 likelihood ratio, prior included) per pattern."""
        ratio = np.log2(self.m) - np.log2(self.u)
        # A near agreement can never be stronger evidence than an exact one; a
        # rare band (a typo in a short field) would otherwise get a wild weight.
        ratio = np.minimum(ratio, ratio[:, -1:])
        ratio = np.concatenate([ratio, np.zeros((len(ratio), 1))], axis=1)
        total = np.full(len(grid), np.log2(self.lam) - np.log2(1 - self.lam))
        for f in range(grid.shape[1]):
            total += ratio[f][grid[:, f]]
        return total

    def posterior(self, grid: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        """P(match | pattern) per pattern, in [0, 1]."""
        weights = np.clip(self.log2_weights(grid), -1000, 1000)
        return 1.0 / (1.0 + np.exp2(-weights))


def _level_counts(
    grid: npt.NDArray[np.int64], weights: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    out = np.zeros((grid.shape[1], RADIX))
    for f in range(grid.shape[1]):
        out[f] = np.bincount(grid[:, f], weights=weights, minlength=RADIX)
    return out[:, :LEVELS]


def fit(
    grid: npt.NDArray[np.int64],
    counts: npt.NDArray[np.float64],
    u_counts: npt.NDArray[np.float64],
    *,
    lam0: float,
    lam_max: float,
    update_u: bool,
    iterations: int = 200,
) -> FSModel:
    """EM over patterns ``grid`` with ``counts``.

    ``u_counts`` (fields, LEVELS) are level counts among (mostly) non-matching
    pairs, e.g. random pairs; they start u. With ``update_u`` (when the compared
    pairs are all pairs) u is refined by EM, which removes the true matches hiding
    in those counts; otherwise u stays fixed, since blocked candidates are not
    representative of non-matches.

    ``lam_max`` caps the share of matches: two files of n and m records hold at
    most about min(n, m) true pairs. Without the cap, EM on blocked candidates
    (which all agree on something) can decide that *every* candidate is a match.
    """
    n_fields = grid.shape[1]
    m_prior = np.tile(_M_PRIOR, (n_fields, 1)) * _PRIOR_WEIGHT
    u_prior = np.tile(_U_PRIOR, (n_fields, 1)) * _PRIOR_WEIGHT
    u = u_counts + u_prior
    u /= u.sum(axis=1, keepdims=True)
    m = m_prior / m_prior.sum(axis=1, keepdims=True)
    total = float(counts.sum())
    lam = min(max(lam0, 1e-9), lam_max, 0.5)
    model = FSModel(lam, m, u)
    for _ in range(iterations):
        post = model.posterior(grid)
        matched = counts * post
        n_match = float(matched.sum())
        lam = (n_match + lam0 * _PRIOR_WEIGHT) / (total + _PRIOR_WEIGHT)
        lam = min(max(lam, 1e-12), lam_max, 1 - 1e-9)
        m = _level_counts(grid, matched) + m_prior
        m /= m.sum(axis=1, keepdims=True)
        if update_u:
            u = _level_counts(grid, counts - matched) + u_prior
            u /= u.sum(axis=1, keepdims=True)
        new = FSModel(lam, m, u)
        delta = abs(new.lam - model.lam) + float(np.abs(new.m - model.m).max())
        model = new
        if delta < 1e-7:
            break
    return model
