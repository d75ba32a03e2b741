"""Existence and identifiability of the maximum likelihood estimate.

Identifiability: the design restricted to the kept cells and fitted columns has full
column rank. Existence (Fienberg & Rinaldo 2012): the estimate fails to exist exactly
when some direction ``d = X b`` in the column space is zero on every positive cell,
non-positive on every zero cell and not identically zero — moving along it raises the
likelihood for ever. A linear programme looks for such a direction.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.optimize import linprog

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

_TOL = 1e-7


def identifiable(x: FloatArray) -> bool:
    """Full column rank of the design ``x`` (kept cells × fitted columns)."""
    if x.shape[0] < x.shape[1]:
        return False
    return bool(np.linalg.matrix_rank(x) == x.shape[1])


def identifiable_batch(
    matrix: FloatArray, fit_cols: BoolArray, keep_cells: BoolArray
) -> BoolArray:
    """Full column rank for many masked models at once.

    Models are grouped by their kept cells: when the design of *all* columns has
    full rank on those cells, every model with them is identifiable (a subset of
    independent columns is independent). Only the other groups are checked one by
    one, through the eigenvalues of their Gram matrices.
    """
    out = np.zeros(fit_cols.shape[0], dtype=bool)
    masks, group = np.unique(keep_cells, axis=0, return_inverse=True)
    group = group.reshape(-1)
    for g, cells in enumerate(masks):
        members = np.flatnonzero(group == g)
        x = matrix[cells]
        # Columns that vanish on these cells belong to minus-infinity terms and are
        # never fitted, so they do not count against the rank.
        if identifiable(x[:, np.abs(x).sum(axis=0) > 0]):
            out[members] = True
            continue
        gram_all = x.T @ x
        for s in range(0, members.size, 4096):
            rows = members[s : s + 4096]
            cm = fit_cols[rows].astype(np.float64)
            gram = gram_all[None, :, :] * cm[:, :, None] * cm[:, None, :]
            eig = np.linalg.eigvalsh(gram)
            # Unfitted columns contribute exact zero eigenvalues; count the rest.
            big = eig > 1e-8 * np.maximum(eig[:, -1:], 1.0)
            out[rows] = big.sum(axis=1) == fit_cols[rows].sum(axis=1)
    return out


def mle_exists(x: FloatArray, y: FloatArray) -> bool:
    """Fienberg–Rinaldo linear-programming check on the kept cells.

    Maximise the total negative mass ``-sum(d_i)`` over zero cells subject to
    ``d = x b``, ``d_i = 0`` on positive cells and ``-1 ≤ d_i ≤ 0`` on zero cells.
    A positive optimum is a direction of recession: the estimate does not exist.
    """
    zero = y == 0
    if not zero.any():
        return True
    positive = ~zero
    x_zero = x[zero]
    result = linprog(
        c=x_zero.sum(axis=0),
        A_ub=np.vstack([x_zero, -x_zero]),
        b_ub=np.concatenate([np.zeros(zero.sum()), np.ones(zero.sum())]),
        A_eq=x[positive] if positive.any() else None,
        b_eq=np.zeros(positive.sum()) if positive.any() else None,
        bounds=[(None, None)] * x.shape[1],
        method="highs",
    )
    if result.status != 0:
        # Bounded and feasible by construction (b = 0); a solver failure is treated
        # as "cannot confirm existence".
        return False
    return bool(-result.fun <= _TOL)
