"""Poisson log-linear fits by iteratively reweighted least squares, many at once.

One fit per model with a general GLM routine is slow when a search visits tens of
thousands of models. Here the models of a search share one design; each model is a
mask of fitted columns and kept cells, and all of them iterate together: the weighted
cross-products come from a single matrix product with the precomputed column
products, and the small normal equations are solved as one batch. Converged models
stop iterating. The tests check the result against statsmodels' GLM.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import gammaln

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

_MAX_ETA = 700.0


@dataclass(frozen=True)
class BatchFit:
    """Fits of a batch of models on one design.

    ``beta`` holds 0 for columns not fitted; ``mu`` holds 0 for dropped cells.
    ``loglik`` is the Poisson log-likelihood on the observable cells (with the
    ``log y!`` constant), ``cov`` the inverse information (zero outside the fitted
    columns), ``converged`` whether the deviance settled before ``max_iter``.
    """

    beta: FloatArray
    mu: FloatArray
    loglik: FloatArray
    cov: FloatArray
    converged: BoolArray


def fit_batch(
    matrix: FloatArray,
    y: FloatArray,
    fit_cols: BoolArray,
    keep_cells: BoolArray,
    *,
    max_iter: int = 60,
    tol: float = 1e-10,
    chunk: int = 4096,
    want_cov: bool = True,
    products: FloatArray | None = None,
) -> BatchFit:
    """Fit every model (row of the masks) by IRLS; chunks bound the memory used."""
    fit_cols = np.atleast_2d(fit_cols)
    keep_cells = np.atleast_2d(keep_cells)
    if keep_cells.shape[0] == 1 and fit_cols.shape[0] > 1:
        keep_cells = np.repeat(keep_cells, fit_cols.shape[0], axis=0)
    if y.ndim == 1:
        y = np.broadcast_to(y, keep_cells.shape)
    if products is None:
        products = column_products(matrix)
    parts = [
        _fit_chunk(
            matrix,
            products,
            y[s : s + chunk],
            fit_cols[s : s + chunk],
            keep_cells[s : s + chunk],
            max_iter,
            tol,
            want_cov,
        )
        for s in range(0, fit_cols.shape[0], chunk)
    ]
    return BatchFit(
        beta=np.concatenate([p.beta for p in parts]),
        mu=np.concatenate([p.mu for p in parts]),
        loglik=np.concatenate([p.loglik for p in parts]),
        cov=np.concatenate([p.cov for p in parts]),
        converged=np.concatenate([p.converged for p in parts]),
    )


def column_products(matrix: FloatArray) -> FloatArray:
    """Cell-wise products of every pair of columns (cells × columns²)."""
    n_cells, n_cols = matrix.shape
    return (matrix[:, :, None] * matrix[:, None, :]).reshape(n_cells, n_cols * n_cols)


def _fit_chunk(
    matrix: FloatArray,
    products: FloatArray,
    y: FloatArray,
    fit_cols: BoolArray,
    keep: BoolArray,
    max_iter: int,
    tol: float,
    want_cov: bool,
) -> BatchFit:
    n_models = fit_cols.shape[0]
    n_cols = matrix.shape[1]
    cm = fit_cols.astype(np.float64)
    mask2 = cm[:, :, None] * cm[:, None, :]
    # Unfitted columns get an identity row so the solve leaves their beta at 0; a
    # vanishing ridge keeps the solve defined when a fit drifts towards a boundary
    # (a maximum likelihood estimate that does not exist).
    eye = np.eye(n_cols)[None, :, :]
    pad = eye * (1.0 - cm)[:, None, :] + 1e-9 * eye
    # R's start for the Poisson family: half the iterations of (y + mean) / 2 here.
    mu = np.where(keep, y + 0.1, 0.0)
    eta = np.log(np.where(keep, mu, 1.0))
    beta = np.zeros((n_models, n_cols))
    dev = np.full(n_models, np.inf)
    active = np.ones(n_models, dtype=bool)
    converged = np.zeros(n_models, dtype=bool)
    for _ in range(max_iter):
        if active.all():
            idx: slice | npt.NDArray[np.intp] = slice(None)
        else:
            idx = np.flatnonzero(active)
            if idx.size == 0:
                break
        w = mu[idx]
        k = keep[idx]
        yy = y[idx]
        z = np.where(k, eta[idx] + (yy - w) / np.where(w > 0, w, 1.0), 0.0)
        h = (w @ products).reshape(w.shape[0], n_cols, n_cols)
        h *= mask2[idx]
        h += pad[idx]
        rhs = ((w * z) @ matrix) * cm[idx]
        new_beta = np.linalg.solve(h, rhs[:, :, None])[:, :, 0]
        new_eta = np.clip(new_beta @ matrix.T, -_MAX_ETA, _MAX_ETA)
        new_mu = np.exp(new_eta) * k
        new_dev = _deviance(yy, new_mu, k)
        beta[idx] = new_beta
        eta[idx] = new_eta
        mu[idx] = new_mu
        done = np.abs(new_dev - dev[idx]) / (np.abs(new_dev) + 0.1) < tol
        dev[idx] = new_dev
        if isinstance(idx, slice):
            converged |= done
            active &= ~done
        else:
            converged[idx[done]] = True
            active[idx[done]] = False
    cov = np.zeros((n_models, n_cols, n_cols))
    if want_cov:
        h = (mu @ products).reshape(n_models, n_cols, n_cols) * mask2 + pad
        cov = np.linalg.inv(h) * mask2
    with np.errstate(divide="ignore", invalid="ignore"):
        ll_terms = np.where(keep & (y > 0), y * np.log(np.where(mu > 0, mu, 1.0)), 0.0)
    loglik = (ll_terms - mu - np.where(keep, gammaln(y + 1.0), 0.0)).sum(axis=1)
    return BatchFit(beta, mu, loglik, cov, converged)


def _deviance(y: FloatArray, mu: FloatArray, keep: BoolArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(
            keep & (y > 0), y * np.log(y / np.where(mu > 0, mu, 1e-300)), 0.0
        )
    return np.asarray(2.0 * (term - (y - mu) * keep).sum(axis=1), dtype=np.float64)
