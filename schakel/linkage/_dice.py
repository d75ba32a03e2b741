"""Dice similarity of Bloom filters: a readable reference and the numpy fast paths.

Dice(a, b) = 2 |a AND b| / (|a| + |b|), with |x| the number of set bits; two empty
filters have Dice 0 (nothing to agree on). The reference works on bytes with
Python integers; the fast paths work on ``uint64`` matrices (one row per filter)
and are tested against the reference.
"""

import os
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

U64 = npt.NDArray[np.uint64]
F32 = npt.NDArray[np.float32]


def dice_reference(a: bytes, b: bytes) -> float:
    """Dice of two equal-length filters, the slow and obvious way.

    >>> dice_reference(b"\\x0f", b"\\x03")
    0.6666666666666666
    """
    if len(a) != len(b):
        raise ValueError("filters of different length")
    x, y = int.from_bytes(a, "little"), int.from_bytes(b, "little")
    total = x.bit_count() + y.bit_count()
    return 2 * (x & y).bit_count() / total if total else 0.0


def as_matrix(filters: list[bytes], n_bytes: int) -> U64:
    """Stack filters of ``n_bytes`` bytes into an (n, n_bytes / 8) uint64 matrix."""
    if not filters:
        return np.zeros((0, n_bytes // 8), dtype=np.uint64)
    data = np.frombuffer(b"".join(filters), dtype=np.uint64)
    return data.reshape(len(filters), n_bytes // 8)


def popcounts(matrix: U64) -> npt.NDArray[np.int32]:
    """Number of set bits per row."""
    counts: npt.NDArray[np.int32] = np.bitwise_count(matrix).sum(axis=1, dtype=np.int32)
    return counts


def dice_pairs(
    a: U64, b: U64, ia: npt.NDArray[np.intp], ib: npt.NDArray[np.intp]
) -> F32:
    """Dice of the row pairs (a[ia[k]], b[ib[k]]), vectorised popcount."""
    inter = np.bitwise_count(a[ia] & b[ib]).sum(axis=1, dtype=np.int32)
    total = popcounts(a)[ia] + popcounts(b)[ib]
    return _ratio(inter.astype(np.float32), total.astype(np.float32))


_ROWS = 16  # rows of ``a`` per step: small enough that the temporaries stay in cache


def _intersections_rows(
    a: U64, b_words: U64, out: npt.NDArray[np.unsignedinteger[Any]]
) -> None:
    """Set-bit counts of a[i] AND b[j] for a block of rows, word by word."""
    buf = np.empty((a.shape[0], b_words.shape[1]), dtype=np.uint64)
    cnt = np.empty(buf.shape, dtype=np.uint8)
    out[:] = 0
    for w in range(a.shape[1]):
        np.bitwise_and(a[:, w, None], b_words[w][None, :], out=buf)
        np.bitwise_count(buf, out=cnt)
        out += cnt


def _accumulator(a: U64, b: U64) -> type[np.unsignedinteger[Any]]:
    # An intersection is at most the smaller popcount: when every filter on one
    # side has at most 255 bits set, a uint8 sum is exact and twice as fast.
    small = min(int(popcounts(a).max(initial=0)), int(popcounts(b).max(initial=0)))
    return np.uint8 if small <= 255 else np.uint16


def _blocks(a: U64, work: Callable[[int], None], threads: int | None) -> None:
    starts = range(0, len(a), _ROWS)
    workers = threads or os.cpu_count() or 1
    if workers == 1 or len(a) <= _ROWS:
        for start in starts:
            work(start)
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(work, starts))


def intersections(
    a: U64, b: U64, threads: int | None = None
) -> npt.NDArray[np.unsignedinteger[Any]]:
    """|a[i] AND b[j]| for all pairs, as a (len(a), len(b)) matrix.

    Word-sliced: for each 64-bit word, one vectorised AND and popcount of a few
    rows of ``a`` against all of ``b`` (stored word-major). numpy releases the
    GIL in these loops, so blocks of rows run on all cores.
    """
    out = np.empty((len(a), len(b)), dtype=_accumulator(a, b))
    b_words = np.ascontiguousarray(b.T)

    def work(start: int) -> None:
        rows = slice(start, start + _ROWS)
        _intersections_rows(a[rows], b_words, out[rows])

    _blocks(a, work, threads)
    return out


def dice_matrix(a: U64, b: U64, threads: int | None = None) -> F32:
    """All-pairs Dice of two filter matrices, (len(a), len(b)) float32.

    Each block of rows is finished (counts, then Dice) while it is in cache.
    """
    out = np.empty((len(a), len(b)), dtype=np.float32)
    b_words = np.ascontiguousarray(b.T)
    count_a = popcounts(a).astype(np.float32)
    count_b = popcounts(b).astype(np.float32)
    dtype = _accumulator(a, b)

    def work(start: int) -> None:
        rows = slice(start, start + _ROWS)
        inter = np.empty((len(count_a[rows]), len(b)), dtype=dtype)
        _intersections_rows(a[rows], b_words, inter)
        total = count_a[rows, None] + count_b[None, :]
        np.maximum(total, 1, out=total)  # both empty: 0 / 1 = Dice 0
        np.divide(inter, total, out=out[rows])
        out[rows] *= 2

    _blocks(a, work, threads)
    return out


def _ratio(inter: F32, total: F32) -> F32:
    # Both empty: inter is 0 too, so dividing by 1 gives the Dice 0 we want.
    np.maximum(total, 1, out=total)
    inter *= 2
    inter /= total
    return inter
