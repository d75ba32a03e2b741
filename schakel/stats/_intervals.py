"""Confidence intervals for the population total.

- Profile likelihood (the default, as Rcapture's ``closedpCI.t``): for a trial total
  N the dark cell is given N − n people, the model is refitted on the complete table
  and the multinomial log-likelihood of N is computed; the interval holds the N whose
  deviance from the best is below the chi-square quantile.
- Log-normal: exp(intercept ± z·SE) added to the observed total.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import brentq, minimize_scalar
from scipy.special import gammaln
from scipy.stats import chi2, norm

from schakel.stats._fit import FloatArray, fit_batch
from schakel.stats._models import Design
from schakel.stats._select import ModelFit

#: Search the upper end of the profile interval up to this multiple of the estimate.
_UPPER_LIMIT = 1000.0


def lognormal_interval(
    observed: float, fit: ModelFit, confidence: float
) -> tuple[float, float]:
    """observed + exp(intercept ± z·SE): the dark figure is log-normal.

    This reproduces the published main-effects interval for New Orleans (645–1,618).
    """
    z = float(norm.ppf(0.5 + confidence / 2.0))
    beta0 = float(fit.beta[0])
    se = fit.intercept_se
    return observed + math.exp(beta0 - z * se), observed + math.exp(beta0 + z * se)


def profile_interval(
    design: Design, y: FloatArray, fit: ModelFit, confidence: float
) -> tuple[float, float] | None:
    """Profile-likelihood interval for N, or None when it has no finite upper end."""
    n = float(y.sum())
    matrix = np.vstack([design.matrix, np.eye(1, design.n_columns)])
    fc = fit.fit_cols[None, :]
    kc = np.append(fit.keep_cells, True)[None, :]

    def loglik(total: float) -> float:
        dark = max(total - n, 0.0)
        full = np.append(y, dark)
        res = fit_batch(matrix, full, fc, kc, want_cov=False, tol=1e-12)
        mu = res.mu[0]
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(full > 0, full * np.log(mu / total), 0.0)
        return float(gammaln(total + 1.0) - gammaln(dark + 1.0) + terms.sum())

    point = n + fit.dark
    best = minimize_scalar(
        lambda v: -loglik(n + math.exp(v)),
        bracket=(
            math.log(max(fit.dark, 1e-6)) - 0.1,
            math.log(max(fit.dark, 1e-6)) + 0.1,
        ),
        tol=1e-10,
    )
    top = -float(best.fun)
    if not best.success or loglik(point) > top:
        top = loglik(point)
    cut = float(chi2.ppf(confidence, 1)) / 2.0

    def gap(total: float) -> float:
        return top - loglik(total) - cut

    centre = max(point, n + 1e-9)
    low = n if gap(n) <= 0 else float(brentq(gap, n, centre, xtol=1e-6))
    upper = centre * 2.0
    while gap(upper) < 0:
        upper *= 2.0
        if upper > centre * _UPPER_LIMIT:
            return None
    high = float(brentq(gap, centre, upper, xtol=1e-6))
    return low, high
