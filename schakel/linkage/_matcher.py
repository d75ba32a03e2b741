"""Match two sets of encodings: candidates, field Dice, Fellegi–Sunter, solving.

1. **Candidates.** Up to :data:`ALL_PAIRS_LIMIT` pairs every pair is compared
   (nothing can be missed). Above it, pairs are blocked on the keyed block
   tokens: two records are compared when they share the token of one field, or of
   any *two* fields (so a typo in one field still leaves many shared keys). Blocks
   larger than :data:`MAX_BLOCK_PAIRS` pairs (a common first name alone) are not
   used; their pairs still meet through the two-field keys.
2. **Comparison.** Per field the Dice similarity of the Bloom filters, banded into
   levels. Fields of the same kind (given name and surname) are also compared
   crosswise, and the orientation that agrees best is used, so a swap of given
   name and surname does not break a match.
3. **Scoring.** A Fellegi–Sunter model fitted by EM gives every pattern of levels
   a posterior match probability: that is the score, in [0, 1].
4. **Solving.** Pairs scoring at least the threshold are returned; with
   ``one_to_one`` greedily, best first, each record at most once.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from schakel.linkage._dice import F32, dice_matrix, dice_pairs
from schakel.linkage._encodings import (
    EncodedSet,
    FieldArrays,
    InvalidEncoding,
    check_compatible,
)
from schakel.linkage._model import (
    MAX_FIELDS,
    RADIX,
    FSModel,
    decode_patterns,
    fit,
    levels,
)

#: Posterior probability from which a pair counts as a match.
DEFAULT_THRESHOLD = 0.5
#: Up to this many pairs, every pair is compared; above it, blocking.
ALL_PAIRS_LIMIT = 20_000_000
#: Fewest sampled records of A for fitting the model on all their pairs.
MIN_FIT_ROWS = 200
#: Blocks with more pairs than this say too little to be worth comparing.
MAX_BLOCK_PAIRS = 1_000
_TILE = 2048
_GATHER = 1 << 20

IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class MatchPair:
    """A scored pair: the record ids on both sides and P(same person)."""

    id_a: str
    id_b: str
    score: float


@dataclass
class _Plan:
    """Which fields are compared, and which pairs of them may be swapped."""

    names: list[str]
    swaps: list[tuple[int, int]]


def _plan(a: EncodedSet, names: list[str]) -> _Plan:
    swaps: list[tuple[int, int]] = []
    by_kind: dict[str, list[int]] = {}
    for i, name in enumerate(names):
        by_kind.setdefault(a.fields[name].kind.value, []).append(i)
    for indices in by_kind.values():
        if len(indices) >= 2:
            swaps.append((indices[0], indices[1]))
    return _Plan(names, swaps)


def _codes(
    plan: _Plan,
    dice: dict[tuple[int, int], tuple[F32, BoolArray]],
) -> npt.NDArray[np.uint64]:
    """Pattern codes from per-field (and crosswise) Dice and presence."""
    straight = {f: dice[(f, f)] for f in range(len(plan.names))}
    for f1, f2 in plan.swaps:
        (d11, p11), (d22, p22) = straight[f1], straight[f2]
        (d12, p12), (d21, p21) = dice[(f1, f2)], dice[(f2, f1)]
        use = d12 * p12 + d21 * p21 > d11 * p11 + d22 * p22
        straight[f1] = (np.where(use, d12, d11), np.where(use, p12, p11))
        straight[f2] = (np.where(use, d21, d22), np.where(use, p21, p22))
    code: npt.NDArray[np.uint64] | None = None
    for f in reversed(range(len(plan.names))):
        level = levels(*straight[f]).astype(np.uint64)
        code = level if code is None else code * np.uint64(RADIX) + level
    assert code is not None
    return code


def _needed(plan: _Plan) -> list[tuple[int, int]]:
    pairs = [(f, f) for f in range(len(plan.names))]
    for f1, f2 in plan.swaps:
        pairs += [(f1, f2), (f2, f1)]
    return pairs


def _compare_pairs(
    a: EncodedSet, b: EncodedSet, plan: _Plan, ia: IntArray, ib: IntArray
) -> npt.NDArray[np.uint64]:
    """Pattern codes of the given pairs (gathered, chunked)."""
    out = np.empty(len(ia), dtype=np.uint64)
    for start in range(0, len(ia), _GATHER):
        ca, cb = ia[start : start + _GATHER], ib[start : start + _GATHER]
        dice = {}
        for fa, fb in _needed(plan):
            fa_, fb_ = a.fields[plan.names[fa]], b.fields[plan.names[fb]]
            dice[(fa, fb)] = (
                dice_pairs(fa_.bits, fb_.bits, ca, cb),
                fa_.present[ca] & fb_.present[cb],
            )
        out[start : start + len(ca)] = _codes(plan, dice)
    return out


def _compare_all(a: EncodedSet, b: EncodedSet, plan: _Plan) -> npt.NDArray[np.uint64]:
    """Pattern codes of every pair, as an (len(a), len(b)) matrix (tiled BLAS)."""
    out = np.empty((len(a), len(b)), dtype=np.uint64)
    needed = _needed(plan)
    for r0 in range(0, len(a), _TILE):
        ra = slice(r0, min(r0 + _TILE, len(a)))
        for c0 in range(0, len(b), _TILE):
            cb = slice(c0, min(c0 + _TILE, len(b)))
            dice = {}
            for fa, fb in needed:
                one, two = a.fields[plan.names[fa]], b.fields[plan.names[fb]]
                present = one.present[ra][:, None] & two.present[cb]
                dice[(fa, fb)] = (dice_matrix(one.bits[ra], two.bits[cb]), present)
            out[ra, cb] = _codes(plan, dice)
    return out


_C1 = np.uint64(0xBF58476D1CE4E5B9)
_C2 = np.uint64(0x94D049BB133111EB)


def _mix(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """splitmix64 finaliser: spreads keys so that sorting groups them well."""
    x = (x ^ (x >> np.uint64(30))) * _C1
    x = (x ^ (x >> np.uint64(27))) * _C2
    return x ^ (x >> np.uint64(31))


def _block_keys(s: EncodedSet, plan: _Plan) -> tuple[npt.NDArray[np.uint64], IntArray]:
    """All blocking keys of a set with the record index of each."""
    kinds = [s.fields[n].kind.value for n in plan.names]
    salts = [np.uint64(sum(k.encode()) * 7919 + len(k)) for k in kinds]
    tokens = [s.fields[n].block for n in plan.names]
    rows = np.arange(len(s), dtype=np.intp)
    keys: list[npt.NDArray[np.uint64]] = []
    index: list[IntArray] = []
    for f, tok in enumerate(tokens):
        ok = tok != 0
        keys.append(_mix(tok[ok] ^ salts[f]))
        index.append(rows[ok])
    for i in range(len(tokens)):
        for j in range(i + 1, len(tokens)):
            ok = (tokens[i] != 0) & (tokens[j] != 0)
            ti, tj = tokens[i][ok], tokens[j][ok]
            if kinds[i] == kinds[j]:  # same space: order-free, so swaps still meet
                ti, tj = np.minimum(ti, tj), np.maximum(ti, tj)
                pair_salt = salts[i] * np.uint64(31) + np.uint64(1)
            else:
                pair_salt = np.uint64((i + 1) * 1_000_003 + (j + 1))
            keys.append(_mix(_mix(ti ^ pair_salt) + tj))
            index.append(rows[ok])
    return np.concatenate(keys), np.concatenate(index)


def _candidates(a: EncodedSet, b: EncodedSet, plan: _Plan) -> tuple[IntArray, IntArray]:
    """Distinct pairs that share a usable blocking key."""
    ka, xa = _block_keys(a, plan)
    kb, xb = _block_keys(b, plan)
    oa, ob = np.argsort(ka, kind="stable"), np.argsort(kb, kind="stable")
    ka, xa, kb, xb = ka[oa], xa[oa], kb[ob], xb[ob]
    ua, sa, na = np.unique(ka, return_index=True, return_counts=True)
    ub, sb, nb = np.unique(kb, return_index=True, return_counts=True)
    _, ia_, ib_ = np.intersect1d(ua, ub, assume_unique=True, return_indices=True)
    sa, na, sb, nb = sa[ia_], na[ia_], sb[ib_], nb[ib_]
    size = na.astype(np.int64) * nb
    keep = size <= MAX_BLOCK_PAIRS
    sa, na, sb, nb, size = sa[keep], na[keep], sb[keep], nb[keep], size[keep]
    pair_ids: list[npt.NDArray[np.int64]] = []
    # Expand blocks to pairs in batches so memory stays bounded.
    bounds = np.searchsorted(np.cumsum(size), np.arange(0, size.sum() + 1, 1 << 24))
    bounds = np.unique(np.concatenate([[0], bounds, [len(size)]]))
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        s_a, s_b, n_b, sz = sa[lo:hi], sb[lo:hi], nb[lo:hi], size[lo:hi]
        block = np.repeat(np.arange(len(sz)), sz)
        within = np.arange(int(sz.sum())) - np.repeat(np.cumsum(sz) - sz, sz)
        left = xa[s_a[block] + within // n_b[block]]
        right = xb[s_b[block] + within % n_b[block]]
        pair_ids.append(np.unique(left.astype(np.int64) * len(b) + right))
    if not pair_ids:
        empty = np.zeros(0, dtype=np.intp)
        return empty, empty
    ids = np.unique(np.concatenate(pair_ids))
    return (ids // len(b)).astype(np.intp), (ids % len(b)).astype(np.intp)


def _u_counts(
    grid: npt.NDArray[np.int64], counts: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    out = np.zeros((grid.shape[1], RADIX))
    for f in range(grid.shape[1]):
        out[f] = np.bincount(grid[:, f], weights=counts, minlength=RADIX)
    return out[:, : RADIX - 1]


def _fit_all_pairs(
    patterns: npt.NDArray[np.uint64],
    counts: npt.NDArray[np.float64],
    n_fields: int,
    n_a: int,
    n_b: int,
) -> FSModel:
    """EM over the pattern counts of all pairs of two sets (u refined too)."""
    grid = decode_patterns(patterns, n_fields)
    lam_max = min(1.0, min(n_a, n_b) / max(float(counts.sum()), 1.0))
    return fit(
        grid,
        counts,
        _u_counts(grid, counts),
        lam0=lam_max / 2,
        lam_max=lam_max,
        update_u=True,
    )


def _pattern_counts_all(
    a: EncodedSet, b: EncodedSet, plan: _Plan
) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.float64]]:
    """Distinct patterns and their counts over all pairs, one tile at a time."""
    found: list[tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]] = []
    for r0 in range(0, len(a), _TILE):
        rows = _subset(a, np.arange(r0, min(r0 + _TILE, len(a)), dtype=np.intp))
        for c0 in range(0, len(b), _TILE):
            cols = _subset(b, np.arange(c0, min(c0 + _TILE, len(b)), dtype=np.intp))
            found.append(np.unique(_compare_all(rows, cols, plan), return_counts=True))
    all_patterns: npt.NDArray[np.uint64] = np.concatenate([p for p, _ in found])
    patterns, inverse = np.unique(all_patterns, return_inverse=True)
    weights = np.concatenate([c for _, c in found]).astype(np.float64)
    counts = np.bincount(inverse, weights=weights).astype(np.float64)
    return patterns, counts


def _fit_sampled(a: EncodedSet, b: EncodedSet, plan: _Plan, budget: int) -> FSModel:
    """Fit the model when not every pair is compared.

    All pairs of a random sample of ``a``'s records against all of ``b``: each
    sampled record keeps its true partner, so matches keep their natural share
    and EM behaves as on all pairs. (Blocked candidates are no good for fitting:
    they all agree on something, and EM then calls most of them matches.) At
    least :data:`MIN_FIT_ROWS` records are sampled, even past ``budget``.
    """
    rng = np.random.default_rng(20240501)
    rows = min(len(a), max(MIN_FIT_ROWS, budget // len(b)))
    chosen = np.sort(rng.choice(len(a), size=rows, replace=False))
    sample = _subset(a, chosen)
    patterns, counts = _pattern_counts_all(sample, b, plan)
    return _fit_all_pairs(patterns, counts, len(plan.names), len(sample), len(b))


def _subset(s: EncodedSet, rows: IntArray) -> EncodedSet:
    """The records ``rows`` of ``s`` (arrays only; ids are not needed to fit)."""
    sub = EncodedSet([], s.source)
    sub.ids = [s.ids[i] for i in rows]
    sub.key_id = s.key_id
    sub.fields = {
        name: FieldArrays(
            f.kind, f.bits[rows], f.present[rows], f.counts[rows], f.block[rows]
        )
        for name, f in s.fields.items()
    }
    return sub


def _load(records: EncodedSet | Iterable[Mapping[str, Any]], source: str) -> EncodedSet:
    return records if isinstance(records, EncodedSet) else EncodedSet(records, source)


@dataclass
class MatchResult:
    """Scored pairs plus the fitted model (for explanation and diagnostics)."""

    pairs: list[MatchPair]
    fields: list[str]
    model: FSModel | None
    compared: int


def match_detailed(
    a: EncodedSet | Iterable[Mapping[str, Any]],
    b: EncodedSet | Iterable[Mapping[str, Any]],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    one_to_one: bool = False,
    all_pairs_limit: int = ALL_PAIRS_LIMIT,
) -> MatchResult:
    """:func:`match`, returning the fitted model and the number of compared pairs."""
    if not 0.0 <= threshold <= 1.0:
        raise InvalidEncoding(f"drempel {threshold} ligt niet tussen 0 en 1")
    sa, sb = _load(a, "A"), _load(b, "B")
    names = check_compatible(sa, sb)
    if len(names) > MAX_FIELDS:
        raise InvalidEncoding(
            f"hoogstens {MAX_FIELDS} velden; dit zijn er {len(names)}"
        )
    if not len(sa) or not len(sb):
        return MatchResult([], names, None, 0)
    plan = _plan(sa, names)
    n_pairs = len(sa) * len(sb)
    if n_pairs <= all_pairs_limit:
        codes = _compare_all(sa, sb, plan).ravel()
        patterns, counts = np.unique(codes, return_counts=True)
        model = _fit_all_pairs(
            patterns, counts.astype(np.float64), len(names), len(sa), len(sb)
        )
    else:
        ia, ib = _candidates(sa, sb, plan)
        codes = _compare_pairs(sa, sb, plan, ia, ib)
        model = _fit_sampled(sa, sb, plan, all_pairs_limit)
    patterns = np.unique(codes)
    post = model.posterior(decode_patterns(patterns, len(names)))
    hit_patterns = patterns[post >= threshold]
    if len(hit_patterns):
        where = np.minimum(np.searchsorted(hit_patterns, codes), len(hit_patterns) - 1)
        hits = np.flatnonzero(hit_patterns[where] == codes)
    else:
        hits = np.zeros(0, dtype=np.intp)
    scores = post[np.searchsorted(patterns, codes[hits])]
    if n_pairs <= all_pairs_limit:
        hit_a, hit_b = hits // len(sb), hits % len(sb)
    else:
        hit_a, hit_b = ia[hits], ib[hits]
    order = np.lexsort((hit_b, hit_a, -scores))
    pairs: list[MatchPair] = []
    used_a: set[int] = set()
    used_b: set[int] = set()
    for k in order:
        x, y = int(hit_a[k]), int(hit_b[k])
        if one_to_one:
            if x in used_a or y in used_b:
                continue
            used_a.add(x)
            used_b.add(y)
        score = min(max(float(scores[k]), 0.0), 1.0)
        pairs.append(MatchPair(sa.ids[x], sb.ids[y], score))
    return MatchResult(pairs, names, model, len(codes))


def match(
    a: EncodedSet | Iterable[Mapping[str, Any]],
    b: EncodedSet | Iterable[Mapping[str, Any]],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    one_to_one: bool = False,
) -> list[MatchPair]:
    """Scored pairs of records of ``a`` and ``b`` that are probably the same.

    ``a`` and ``b`` are encoding records (see :class:`~schakel.linkage.Encoder`) or
    loaded :class:`EncodedSet` objects, made under the same secret and schema
    version; otherwise :class:`InvalidEncoding` is raised.
    """
    return match_detailed(a, b, threshold=threshold, one_to_one=one_to_one).pairs
