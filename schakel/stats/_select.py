"""Model choice per method: main effects, stepwise, AIC-step and exhaustive BIC.

All searches work on one ``Design`` holding every candidate term, with the counts
passed separately so the bootstrap can reuse the design. A selection returns the
chosen interaction terms in the order they were added.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt
from scipy.special import pdtr, pdtrc
from scipy.stats import norm

from schakel.errors import InvalidInput
from schakel.stats._checks import identifiable, identifiable_batch, mle_exists
from schakel.stats._fit import BatchFit, fit_batch
from schakel.stats._models import (
    MAX_MODELS,
    Design,
    Term,
    hierarchical_models,
    pair_models_mask,
)

FloatArray = npt.NDArray[np.float64]


class Method(StrEnum):
    """The model-selection methods of the contract (spec/estimate.md)."""

    MAIN = "main"
    STEPWISE = "stepwise"
    AIC_STEP = "aic-step"
    BIC = "bic"


#: Default significance thresholds per method, as in the published methods.
DEFAULT_THRESHOLD = {Method.STEPWISE: 0.02, Method.AIC_STEP: 0.05}


class NoFiniteEstimate(InvalidInput):
    """No finite estimate: the MLE does not exist or the model is not identifiable."""


class Verdict(StrEnum):
    """Outcome of the existence and identifiability checks for one model."""

    OK = "ok"
    NOT_IDENTIFIABLE = "not-identifiable"
    NO_MLE = "mle-does-not-exist"


@dataclass(frozen=True)
class ModelFit:
    """One fitted model; ``infinite`` are the terms fixed at minus infinity."""

    terms: tuple[Term, ...]
    infinite: tuple[Term, ...]
    n_params: int
    loglik: float
    beta: FloatArray
    cov: FloatArray
    mu: FloatArray
    fit_cols: npt.NDArray[np.bool_]
    keep_cells: npt.NDArray[np.bool_]

    @property
    def dark(self) -> float:
        """Fitted number of people on no list: exp(intercept)."""
        return math.exp(float(self.beta[0]))

    @property
    def intercept_se(self) -> float:
        """Standard error of the intercept."""
        return math.sqrt(max(float(self.cov[0, 0]), 0.0))


def chosen_mask(design: Design, terms: Sequence[Term]) -> npt.NDArray[np.bool_]:
    """Boolean row over the design's candidate terms."""
    mask = np.zeros(len(design.terms), dtype=bool)
    for term in terms:
        mask[design.terms.index(term)] = True
    return mask


def fit_model(design: Design, y: FloatArray, terms: Sequence[Term]) -> ModelFit:
    """Fit one model, minus-infinity terms handled (cells dropped, still counted)."""
    margins = design.matrix.T @ y
    chosen = chosen_mask(design, terms)
    fc, kc, k = design.masks(chosen[None, :], margins)
    fit = fit_batch(design.matrix, y, fc, kc, products=design.products)
    return _model_fit(design, margins, terms, fit, fc[0], kc[0], int(k[0]))


def _model_fit(
    design: Design,
    margins: FloatArray,
    terms: Sequence[Term],
    fit: BatchFit,
    fc: npt.NDArray[np.bool_],
    kc: npt.NDArray[np.bool_],
    k: int,
    row: int = 0,
) -> ModelFit:
    infinite = tuple(t for t in terms if margins[design.column_of(t)] == 0)
    return ModelFit(
        terms=tuple(terms),
        infinite=infinite,
        n_params=k,
        loglik=float(fit.loglik[row]),
        beta=fit.beta[row],
        cov=fit.cov[row],
        mu=fit.mu[row],
        fit_cols=fc,
        keep_cells=kc,
    )


def check_model(design: Design, y: FloatArray, terms: Sequence[Term]) -> Verdict:
    """Identifiability (rank), then existence (linear programme) on the kept cells."""
    margins = design.matrix.T @ y
    fc, kc, _ = design.masks(chosen_mask(design, terms)[None, :], margins)
    x = design.matrix[kc[0]][:, fc[0]]
    if not identifiable(x):
        return Verdict.NOT_IDENTIFIABLE
    if not mle_exists(x, y[kc[0]]):
        return Verdict.NO_MLE
    return Verdict.OK


def require_ok(design: Design, y: FloatArray, terms: Sequence[Term], name: str) -> None:
    """Raise ``NoFiniteEstimate`` unless the model passes both checks."""
    verdict = check_model(design, y, terms)
    if verdict is Verdict.NOT_IDENTIFIABLE:
        raise NoFiniteEstimate(
            f"model {name} is niet identificeerbaar met deze tabel: "
            "geen eindige schatting"
        )
    if verdict is Verdict.NO_MLE:
        raise NoFiniteEstimate(
            f"voor model {name} bestaat de meest aannemelijke schatting niet "
            "(te veel lege cellen): geen eindige schatting"
        )


def select_stepwise(design: Design, y: FloatArray, threshold: float) -> list[Term]:
    """Chan, Silverman & Vincent (2021) forward stepwise on pair overlaps."""
    pairs = [t for t in design.terms if len(t) == 2]
    margins = design.matrix.T @ y
    current: list[Term] = []
    pair_cols = np.array([design.column_of(p) for p in pairs], dtype=np.intp)
    while True:
        fit = fit_model(design, y, current)
        expected = design.matrix[:, pair_cols].T @ fit.mu
        p_values = overlap_p_values(margins[pair_cols], expected)
        scored = [
            (float(p_values[k]), pair)
            for k, pair in enumerate(pairs)
            if pair not in current
        ]
        scored.sort(key=lambda item: item[0])
        added = False
        for p_value, pair in scored:
            if not p_value < threshold:
                break
            if check_model(design, y, [*current, pair]) is Verdict.OK:
                current.append(pair)
                added = True
                break
        if not added:
            return current


def overlap_p_values(observed: FloatArray, expected: FloatArray) -> FloatArray:
    """min(P(X ≤ n), P(X ≥ n)) for X ~ Poisson(expected), not doubled; 1 if λ = 0.

    >>> p = overlap_p_values(np.array([0.0, 5.0]), np.array([3.0, 1.0]))
    >>> [round(float(v), 4) for v in p]
    [0.0498, 0.0037]
    """
    lam = np.where(expected > 0, expected, 1.0)
    lower = pdtr(observed, lam)
    upper = np.where(observed > 0, pdtrc(observed - 1, lam), 1.0)
    return np.asarray(np.where(expected > 0, np.minimum(lower, upper), 1.0))


def select_aic_step(design: Design, y: FloatArray, threshold: float) -> list[Term]:
    """Bales, Hesketh & Silverman (2015): add the best AIC pair while significant."""
    pairs = [t for t in design.terms if len(t) == 2]
    margins = design.matrix.T @ y
    current: list[Term] = []
    aic0 = _aic(fit_model(design, y, current))
    while True:
        candidates = [p for p in pairs if p not in current]
        if not candidates:
            return current
        rows = np.array([chosen_mask(design, [*current, p]) for p in candidates])
        fc, kc, k = design.masks(rows, margins)
        fits = fit_batch(design.matrix, y, fc, kc, products=design.products)
        aics = -2.0 * fits.loglik + 2.0 * k
        best = int(np.argmin(aics))
        if not aics[best] < aic0:
            return current
        pair = candidates[best]
        col = design.column_of(pair)
        if margins[col] == 0:
            # A plain GLM drives this coefficient to a huge negative value with a
            # huge standard error: its Wald p-value is 1.
            p_value = 1.0
        else:
            se = math.sqrt(max(float(fits.cov[best, col, col]), 0.0))
            z = float(fits.beta[best, col]) / se if se > 0 else math.inf
            p_value = float(2.0 * norm.sf(abs(z)))
        if p_value > threshold:
            return current
        current.append(pair)
        aic0 = float(aics[best])


def _aic(fit: ModelFit) -> float:
    return -2.0 * fit.loglik + 2.0 * fit.n_params


def bic_models(design: Design, max_order: int) -> npt.NDArray[np.bool_]:
    """All hierarchical models up to ``max_order`` as rows over the candidate terms."""
    n_pairs = sum(1 for t in design.terms if len(t) == 2)
    if max_order <= 2 or design.t == 2:
        if n_pairs > 18:
            raise InvalidInput(
                f"bic: {2**n_pairs} modellen is te veel voor een volledige zoektocht; "
                "kies minder lijsten of een andere methode"
            )
        mask = np.zeros((1 << n_pairs, len(design.terms)), dtype=bool)
        mask[:, :n_pairs] = pair_models_mask(n_pairs)
        return mask
    position = {t: i for i, t in enumerate(design.terms)}
    rows = []
    for model in hierarchical_models(design.t, max_order):
        row = np.zeros(len(design.terms), dtype=bool)
        row[[position[t] for t in model]] = True
        rows.append(row)
        if len(rows) > MAX_MODELS:
            raise InvalidInput(
                f"bic: meer dan {MAX_MODELS} modellen tot orde {max_order}; "
                "kies een lagere --max-order"
            )
    return np.array(rows)


def select_bic(
    design: Design, y: FloatArray, models: npt.NDArray[np.bool_]
) -> list[Term]:
    """Lowest BIC among the models that are identifiable and whose MLE exists."""
    margins = design.matrix.T @ y
    n = float(y.sum())
    fc, kc, k = design.masks(models, margins)
    ok = identifiable_batch(design.matrix, fc, kc)
    idx = np.flatnonzero(ok)
    if idx.size == 0:
        raise NoFiniteEstimate("bic: geen enkel model is identificeerbaar")
    # A loose fit ranks all models; the close ones are refitted tightly.
    fits = fit_batch(
        design.matrix,
        y,
        fc[idx],
        kc[idx],
        want_cov=False,
        tol=1e-7,
        products=design.products,
    )
    bic = -2.0 * fits.loglik + k[idx] * math.log(n)
    close = np.flatnonzero(bic <= bic.min() + 1.0)
    tight = fit_batch(
        design.matrix,
        y,
        fc[idx[close]],
        kc[idx[close]],
        want_cov=False,
        products=design.products,
    )
    bic[close] = -2.0 * tight.loglik + k[idx[close]] * math.log(n)
    for j in np.argsort(bic, kind="stable"):
        m = idx[j]
        x = design.matrix[kc[m]][:, fc[m]]
        if mle_exists(x, y[kc[m]]):
            return [t for t, on in zip(design.terms, models[m], strict=True) if on]
    raise NoFiniteEstimate("bic: voor geen enkel model bestaat de schatting")
