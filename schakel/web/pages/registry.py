"""CoMensha: the de-duplicated registry with safe statistics, and the dark number."""

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup

from schakel.services import registry
from schakel.stats import assumptions_nl
from schakel.web.charts import bar_chart
from schakel.web.deps import CallerDep, KeysDep, SessionDep
from schakel.web.templating import render

router = APIRouter()


@router.get("/register")
def registry_page(
    request: Request,
    db: SessionDep,
    caller: CallerDep,
    keys: KeysDep,
    jaar: str | None = None,
) -> Response:
    entries = registry.registry(db, caller.actor, keys, year=jaar or None)
    stats = registry.statistics(entries)
    charts = {
        s.title: Markup(bar_chart(s.labels, s.raw_for_chart, s.shown))
        for s in stats.series
    }
    return render(
        request,
        "registry.html",
        caller,
        entries=entries,
        stats=stats,
        charts=charts,
        year=jaar or "",
    )


@router.get("/donker-getal")
def dark_number_page(
    request: Request,
    db: SessionDep,
    caller: CallerDep,
    keys: KeysDep,
    jaar: str | None = None,
) -> Response:
    entries = registry.registry(db, caller.actor, keys, year=jaar or None)
    available = sorted({t for e in entries for t in e.reporter_types})
    chosen = [
        t for t in request.query_params.getlist("lijst") if t in available
    ] or available
    view = registry.dark_number(entries, chosen)
    return render(
        request,
        "dark_number.html",
        caller,
        view=view,
        available=available,
        chosen=chosen,
        year=jaar or "",
        assumptions=assumptions_nl(),
    )
