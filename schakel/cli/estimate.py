"""``schakel estimate``: multiple systems estimation on a capture-pattern CSV.

Contract: spec/estimate.md. Heavy imports (numpy, scipy) happen inside the command so
other commands start fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from schakel.cli._common import err_console, fail, progress_enabled, write_json

if TYPE_CHECKING:
    from schakel.stats import EstimateResult


def register(app: typer.Typer) -> None:
    """Add ``schakel estimate`` to ``app``."""
    app.command(name="estimate")(estimate_command)


def estimate_command(
    input_csv: Annotated[
        Path, typer.Argument(metavar="INPUT.csv", help="Overlaptabel: 0/1 per lijst.")
    ],
    count_column: Annotated[
        str, typer.Option("--count-column", help="Kolom met de aantallen.")
    ] = "count",
    method: Annotated[
        str,
        typer.Option("--method", help="main, stepwise, aic-step of bic."),
    ] = "stepwise",
    threshold: Annotated[
        float | None,
        typer.Option(
            "--threshold",
            help="Drempel voor de p-waarde (stepwise 0,02; aic-step 0,05).",
        ),
    ] = None,
    max_order: Annotated[
        int, typer.Option("--max-order", help="Hoogste interactie-orde bij bic.")
    ] = 2,
    bootstrap: Annotated[
        int,
        typer.Option("--bootstrap", help="Aantal bootstrap-herhalingen (0: geen)."),
    ] = 0,
    bootstrap_type: Annotated[
        str,
        typer.Option("--bootstrap-type", help="parametric of nonparametric."),
    ] = "nonparametric",
    seed: Annotated[
        int | None, typer.Option("--seed", help="Startwaarde voor de bootstrap.")
    ] = None,
    confidence: Annotated[
        float, typer.Option("--confidence", help="Betrouwbaarheid van het interval.")
    ] = 0.95,
    interval: Annotated[
        str | None,
        typer.Option(
            "--interval", help="profile-likelihood (standaard) of log-normal."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Uitvoer als JSON.")] = False,
) -> None:
    """Schat het totale aantal slachtoffers (gezien + niet gezien) uit overlap."""
    from schakel.errors import InvalidInput
    from schakel.stats import CaptureTable, estimate, parse_method

    try:
        text = input_csv.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"{input_csv}: kan het bestand niet lezen ({exc})")
    try:
        chosen = parse_method(method)
        table = CaptureTable.from_csv_text(text, count_column=count_column)
        options: dict[str, Any] = {
            "threshold": threshold,
            "max_order": max_order,
            "bootstrap": bootstrap,
            "bootstrap_kind": bootstrap_type,
            "seed": seed,
            "confidence": confidence,
            "interval": interval,
        }
        if bootstrap > 0 and progress_enabled():
            from rich.progress import Progress

            with Progress(console=err_console, transient=True) as bar:
                task = bar.add_task("bootstrap", total=bootstrap)
                result = estimate(
                    table,
                    chosen,
                    progress=lambda done, _total: bar.update(task, completed=done),
                    **options,
                )
        else:
            result = estimate(table, chosen, **options)
    except InvalidInput as exc:
        fail(f"{input_csv}: {exc}")
    if as_json:
        write_json(result.to_json())
        return
    _print_table(result)


def _print_table(result: EstimateResult) -> None:
    """Readable summary on stdout."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Schatting met meerdere registraties", show_header=False)
    table.add_column("", style="bold")
    table.add_column("")
    pct = f"{result.confidence:.0%}"
    table.add_row("Lijsten", ", ".join(result.lists))
    table.add_row("Gezien", f"{result.observed:,}".replace(",", "."))
    table.add_row("Schatting totaal", _nl(result.estimate))
    table.add_row("Niet gezien (schatting)", _nl(result.dark_figure))
    table.add_row(f"{pct}-interval", f"{_nl(result.ci_low)} – {_nl(result.ci_high)}")
    table.add_row("Interval", result.interval)
    table.add_row("Methode", result.method)
    interactions = [m for m in result.model if ":" in m]
    table.add_row("Interacties", ", ".join(interactions) or "(geen: onafhankelijk)")
    for note in result.notes:
        table.add_row("Let op", note)
    Console().print(table)


def _nl(value: float) -> str:
    return f"{value:,.0f}".replace(",", ".")
