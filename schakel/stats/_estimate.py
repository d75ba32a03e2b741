"""``estimate``: choose a model, fit it, and put an interval around the total."""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, cast

import numpy as np
from scipy.stats import norm

from schakel.errors import InvalidInput
from schakel.stats._fit import FloatArray
from schakel.stats._intervals import lognormal_interval, profile_interval
from schakel.stats._models import Design, Term, interactions, term_name
from schakel.stats._select import (
    DEFAULT_THRESHOLD,
    Method,
    NoFiniteEstimate,
    Verdict,
    bic_models,
    check_model,
    fit_model,
    require_ok,
    select_aic_step,
    select_bic,
    select_stepwise,
)
from schakel.stats._table import CaptureTable

#: Called as progress(done, total) during a bootstrap.
Progress = Callable[[int, int], None]


class Interval(StrEnum):
    """How the confidence interval was made (the ``interval`` field of the JSON)."""

    PROFILE = "profile-likelihood"
    LOGNORMAL = "log-normal"
    BOOTSTRAP_PARAMETRIC = "bootstrap-parametric"
    BOOTSTRAP_NONPARAMETRIC = "bootstrap-nonparametric"


class BootstrapKind(StrEnum):
    """Resample from the fitted model (parametric) or from the observed people."""

    PARAMETRIC = "parametric"
    NONPARAMETRIC = "nonparametric"


@dataclass(frozen=True)
class EstimateResult:
    """The estimate with its interval, model and how both were made.

    The first nine fields are the JSON of the contract (spec/estimate.md); the rest
    explain the result: parameters at minus infinity, the fit, bootstrap failures.
    """

    lists: tuple[str, ...]
    observed: int
    estimate: float
    ci_low: float
    ci_high: float
    confidence: float
    model: tuple[str, ...]
    method: str
    interval: str
    threshold: float | None = None
    max_order: int = 2
    infinite_terms: tuple[str, ...] = ()
    n_parameters: int = 0
    loglik: float = 0.0
    bootstrap_replicates: int = 0
    bootstrap_failures: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def dark_figure(self) -> float:
        """Estimated number of people on no list."""
        return self.estimate - self.observed

    def to_json(self) -> dict[str, Any]:
        """The contract's JSON object (estimate and bounds rounded to 0.1)."""
        return {
            "lists": list(self.lists),
            "observed": self.observed,
            "estimate": round(self.estimate, 1),
            "ci_low": round(self.ci_low, 1),
            "ci_high": round(self.ci_high, 1),
            "confidence": self.confidence,
            "model": list(self.model),
            "method": self.method,
            "interval": self.interval,
        }


def parse_method(name: str) -> Method:
    """The method for ``name``, or InvalidInput listing the known ones."""
    try:
        return Method(name)
    except ValueError:
        known = ", ".join(m.value for m in Method)
        raise InvalidInput(f"onbekende methode {name!r}; kies uit: {known}") from None


@dataclass(frozen=True)
class _Plan:
    """Method and settings, with the design and model space reused by the bootstrap."""

    method: Method
    threshold: float
    max_order: int
    design: Design
    models: np.ndarray[Any, np.dtype[np.bool_]] | None

    def select(self, y: FloatArray) -> list[Term]:
        if self.method is Method.MAIN:
            terms: list[Term] = []
        elif self.method is Method.STEPWISE:
            terms = select_stepwise(self.design, y, self.threshold)
        elif self.method is Method.AIC_STEP:
            terms = select_aic_step(self.design, y, self.threshold)
        else:
            assert self.models is not None
            terms = select_bic(self.design, y, self.models)
        return terms


def compare_methods(
    table: CaptureTable,
    methods: Sequence[str | Method] = tuple(Method),
    **options: Any,
) -> dict[str, EstimateResult | NoFiniteEstimate]:
    """Every method on the same table, side by side (for the dark-number page).

    A method without a finite estimate maps to its ``NoFiniteEstimate`` (whose
    message is Dutch and can be shown as is) instead of stopping the others.
    """
    out: dict[str, EstimateResult | NoFiniteEstimate] = {}
    for method in methods:
        chosen = method if isinstance(method, Method) else parse_method(method)
        try:
            out[chosen.value] = estimate(table, chosen, **options)
        except NoFiniteEstimate as exc:
            out[chosen.value] = exc
    return out


def _single_threaded_blas() -> AbstractContextManager[object]:
    """One BLAS thread: the fits are many tiny products and solves, for which
    thread start-up costs more than it gains (2-4x slower on a busy 2-core machine).
    threadpoolctl is optional; without it the BLAS default applies."""
    try:
        threadpoolctl = importlib.import_module("threadpoolctl")
    except ImportError:  # pragma: no cover - depends on the environment
        return nullcontext()
    limits = threadpoolctl.threadpool_limits(limits=1, user_api="blas")
    return cast(AbstractContextManager[object], limits)


def estimate(
    table: CaptureTable,
    method: str | Method = Method.STEPWISE,
    *,
    threshold: float | None = None,
    max_order: int = 2,
    bootstrap: int = 0,
    bootstrap_kind: str | BootstrapKind = BootstrapKind.NONPARAMETRIC,
    seed: int | None = None,
    confidence: float = 0.95,
    interval: str | Interval | None = None,
    progress: Progress | None = None,
) -> EstimateResult:
    """Estimate the total population (seen + dark figure) from ``table``.

    ``threshold`` defaults per method (stepwise 0.02, aic-step 0.05). With
    ``bootstrap`` > 0 the interval is a BCa bootstrap that repeats the model
    selection on every replicate; otherwise ``interval`` picks profile likelihood (the
    default) or log-normal. Raises ``NoFiniteEstimate`` when the chosen model is not
    identifiable or its maximum likelihood estimate does not exist.
    """
    chosen_method = method if isinstance(method, Method) else parse_method(method)
    if not 0 < confidence < 1:
        raise InvalidInput(f"betrouwbaarheid {confidence} moet tussen 0 en 1 liggen")
    if threshold is None:
        threshold = DEFAULT_THRESHOLD.get(chosen_method, 0.0)
    if not 0 <= threshold <= 1:
        raise InvalidInput(f"drempel {threshold} moet tussen 0 en 1 liggen")
    if max_order < 2:
        raise InvalidInput(f"--max-order {max_order} moet minstens 2 zijn")
    if bootstrap < 0:
        raise InvalidInput(f"--bootstrap {bootstrap} mag niet negatief zijn")
    try:
        kind = BootstrapKind(bootstrap_kind)
    except ValueError:
        raise InvalidInput(
            f"bootstrap-soort {bootstrap_kind!r}: kies parametric of nonparametric"
        ) from None
    if interval is not None and interval not in (Interval.PROFILE, Interval.LOGNORMAL):
        raise InvalidInput(
            f"interval {interval!r}: kies profile-likelihood of log-normal "
            "(een bootstrap-interval komt met --bootstrap N)"
        )
    order = max_order if chosen_method is Method.BIC else 2
    y = table.y()
    design = Design.build(table.patterns, y, interactions(table.t, order))
    plan = _Plan(
        chosen_method,
        threshold,
        order,
        design,
        bic_models(design, order) if chosen_method is Method.BIC else None,
    )
    terms = plan.select(y)
    names = [term_name(t, table.lists) for t in terms]
    require_ok(design, y, terms, "[" + ", ".join(["hoofdeffecten", *names]) + "]")
    fit = fit_model(design, y, terms)
    n = float(table.observed)
    point = n + fit.dark
    if not math.isfinite(point):
        raise NoFiniteEstimate("de schatting is niet eindig")
    notes: list[str] = []
    failures = 0
    if bootstrap > 0:
        low, high, failures = _bootstrap(
            plan, y, fit.mu, point, kind, bootstrap, seed, confidence, progress
        )
        how = (
            Interval.BOOTSTRAP_PARAMETRIC
            if kind is BootstrapKind.PARAMETRIC
            else Interval.BOOTSTRAP_NONPARAMETRIC
        )
        if failures:
            notes.append(
                f"{failures} van {bootstrap} bootstrap-herhalingen gaven geen eindige "
                "schatting en zijn weggelaten"
            )
    else:
        how = Interval(interval) if interval is not None else Interval.PROFILE
        bounds = (
            profile_interval(design, y, fit, confidence)
            if how is Interval.PROFILE
            else None
        )
        if how is Interval.PROFILE and bounds is None:
            notes.append(
                "profielinterval heeft geen eindige bovengrens; log-normaal gebruikt"
            )
            how = Interval.LOGNORMAL
        if bounds is None:
            bounds = lognormal_interval(n, fit, confidence)
        low, high = bounds
    if fit.infinite:
        notes.append(
            "paren zonder overlap op min oneindig gezet: "
            + ", ".join(term_name(t, table.lists) for t in fit.infinite)
        )
    return EstimateResult(
        lists=table.lists,
        observed=table.observed,
        estimate=point,
        ci_low=float(low),
        ci_high=float(high),
        confidence=confidence,
        model=(*table.lists, *names),
        method=chosen_method.value,
        interval=how.value,
        threshold=threshold if chosen_method in DEFAULT_THRESHOLD else None,
        max_order=order,
        infinite_terms=tuple(term_name(t, table.lists) for t in fit.infinite),
        n_parameters=fit.n_params,
        loglik=fit.loglik,
        bootstrap_replicates=bootstrap,
        bootstrap_failures=failures,
        notes=tuple(notes),
    )


def _replicate_total(plan: _Plan, sample: FloatArray) -> float:
    """Re-select and refit on one resampled table; NoFiniteEstimate if impossible."""
    on_list = plan.design.matrix[:, 1 : 1 + plan.design.t].T @ sample
    if sample.sum() == 0 or (on_list == 0).any():
        raise NoFiniteEstimate("een lijst is leeg in deze herhaling")
    terms = plan.select(sample)
    require_ok(plan.design, sample, terms, "bootstrap")
    total = float(sample.sum()) + fit_model(plan.design, sample, terms).dark
    if not math.isfinite(total):
        raise NoFiniteEstimate("niet eindig")
    return total


def _bootstrap(
    plan: _Plan,
    y: FloatArray,
    mu: FloatArray,
    point: float,
    kind: BootstrapKind,
    replicates: int,
    seed: int | None,
    confidence: float,
    progress: Progress | None,
) -> tuple[float, float, int]:
    """BCa interval over replicates that each repeat the model selection.

    As in Chan, Silverman & Vincent (2021) / SparseMSE: the bias correction comes
    from the share of replicates below the point estimate, the acceleration from a
    jackknife that removes one person from each observed cell in turn (weighted by
    the cell's count). Replicates without a finite estimate are left out and counted.
    """
    rng = np.random.default_rng(seed)
    n = int(y.sum())
    totals: list[float] = []
    failures = 0
    for i in range(replicates):
        if kind is BootstrapKind.PARAMETRIC:
            sample = rng.poisson(mu).astype(np.float64)
        else:
            sample = rng.multinomial(n, y / y.sum()).astype(np.float64)
        try:
            totals.append(_replicate_total(plan, sample))
        except NoFiniteEstimate:
            failures += 1
        if progress is not None:
            progress(i + 1, replicates)
    if not totals:
        raise NoFiniteEstimate(
            "geen enkele bootstrap-herhaling gaf een eindige schatting"
        )
    boot = np.sort(np.asarray(totals))
    share = np.clip((boot < point).mean(), 0.5 / boot.size, 1.0 - 0.5 / boot.size)
    z0 = float(norm.ppf(share))
    accel = _jackknife_acceleration(plan, y, point)
    ends = []
    for alpha in ((1.0 - confidence) / 2.0, (1.0 + confidence) / 2.0):
        z = z0 + float(norm.ppf(alpha))
        denominator = 1.0 - accel * z
        adjusted = float(norm.cdf(z0 + z / denominator)) if denominator > 0 else 1.0
        ends.append(float(np.quantile(boot, min(max(adjusted, 0.0), 1.0))))
    return ends[0], ends[1], failures


def _jackknife_acceleration(plan: _Plan, y: FloatArray, point: float) -> float:
    """Acceleration from leave-one-person-out estimates, one per observed cell."""
    cells = np.flatnonzero(y > 0)
    estimates = np.full(cells.size, point)
    for k, cell in enumerate(cells):
        reduced = y.copy()
        reduced[cell] -= 1
        try:
            estimates[k] = _replicate_total(plan, reduced)
        except NoFiniteEstimate:
            estimates[k] = point
    weights = y[cells]
    residual = (weights * estimates).sum() / weights.sum() - estimates
    spread = (weights * residual**2).sum()
    if spread <= 0:
        return 0.0
    return float((weights * residual**3).sum() / (6.0 * spread**1.5))


@dataclass(frozen=True)
class StratifiedResult:
    """Estimates per stratum and their sum, with the caveats that come with it."""

    strata: Mapping[str, EstimateResult]
    observed: int
    estimate: float
    ci_low: float
    ci_high: float
    confidence: float
    caveats: tuple[str, ...]


#: Printed with every stratified estimate (Dutch: shown to users as is).
STRATIFIED_CAVEATS = (
    "De schatting per groep (bijvoorbeeld per jaar of uitbuitingsvorm) gaat ervan uit "
    "dat iedereen in precies één groep valt en dat de groep bij alle lijsten gelijk "
    "is vastgelegd.",
    "Kleine groepen geven onzekere schattingen; het totaal is de som van de groepen.",
    "Het interval van het totaal is benaderd door de onzekerheden van de groepen als "
    "onafhankelijk op te tellen (normale benadering); het is geen exact interval.",
    "Per groep kan een ander model gekozen zijn.",
)


def estimate_stratified(
    tables: Mapping[str, CaptureTable],
    method: str | Method = Method.STEPWISE,
    **options: Any,
) -> StratifiedResult:
    """Fit every stratum on its own and sum the estimates.

    All strata must have the same lists. A stratum without a finite estimate raises
    ``NoFiniteEstimate`` naming it: merge small strata rather than dropping them.
    """
    if not tables:
        raise InvalidInput("geen groepen om te schatten")
    lists = {t.lists for t in tables.values()}
    if len(lists) != 1:
        raise InvalidInput("alle groepen moeten dezelfde lijsten hebben")
    results: dict[str, EstimateResult] = {}
    for name, table in tables.items():
        try:
            results[name] = estimate(table, method, **options)
        except NoFiniteEstimate as exc:
            raise NoFiniteEstimate(f"groep {name!r}: {exc}") from exc
    confidence = next(iter(results.values())).confidence
    z = float(norm.ppf(0.5 + confidence / 2.0))
    total = sum(r.estimate for r in results.values())
    var = sum(((r.ci_high - r.ci_low) / (2.0 * z)) ** 2 for r in results.values())
    observed = sum(r.observed for r in results.values())
    return StratifiedResult(
        strata=results,
        observed=observed,
        estimate=total,
        ci_low=max(float(observed), total - z * math.sqrt(var)),
        ci_high=total + z * math.sqrt(var),
        confidence=confidence,
        caveats=STRATIFIED_CAVEATS,
    )


def check_model_terms(table: CaptureTable, terms: Sequence[str]) -> Verdict:
    """Existence and identifiability verdict for main effects plus ``terms``.

    ``terms`` are interactions written as in the JSON, e.g. ``["A:B", "B:C"]``.
    """
    position = {name: k for k, name in enumerate(table.lists)}
    parsed: list[Term] = []
    for text in terms:
        parts = text.split(":")
        unknown = [p for p in parts if p not in position]
        if unknown or len(parts) < 2:
            raise InvalidInput(f"term {text!r}: onbekende lijst of geen interactie")
        parsed.append(tuple(sorted(position[p] for p in parts)))
    order = max((len(t) for t in parsed), default=2)
    y = table.y()
    design = Design.build(table.patterns, y, interactions(table.t, order))
    return check_model(design, y, parsed)
