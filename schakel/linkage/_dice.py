"""Dice similarity of Bloom filters: a readable reference and the numpy fast paths.

Dice(a, b) = 2 |a AND b| / (|a| + |b|), with |x| the number of set bits; two empty
filters have Dice 0 (nothing to agree on). The reference works on bytes with
Python integers; the fast paths work on ``uint64`` matrices (one row per filter)
and are tested against the reference.
"""

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


def unpack(matrix: U64) -> F32:
    """Bits of each row as 0/1 float32, ready for a matrix product."""
    bits = np.unpackbits(matrix.view(np.uint8), axis=1, bitorder="little")
    return bits.astype(np.float32)


def dice_matrix(a_bits: F32, b_bits: F32) -> F32:
    """All-pairs Dice of unpacked filters: one BLAS product counts every overlap.

    Exact: float32 holds the counts (at most the filter length) without rounding.
    """
    inter = a_bits @ b_bits.T
    total = a_bits.sum(axis=1)[:, None] + b_bits.sum(axis=1)[None, :]
    return _ratio(inter, total)


def _ratio(inter: F32, total: F32) -> F32:
    # Both empty: inter is 0 too, so dividing by 1 gives the Dice 0 we want.
    return np.asarray((2 * inter) / np.maximum(total, 1), dtype=np.float32)
