"""``schakel signals import`` (CSV/XLSX bulk import) and ``schakel match`` (the
hit/no-hit queue).

``signals import FILE --user NAME`` imports on behalf of that user and their
organisation: rows are validated, valid rows are written and committed in chunks
(progress on stderr when it is a terminal), and every refused row is reported with
its row number, column and reason. Exit 0 when every row was saved, 2 when rows
were refused (the valid ones are saved) or the file is unusable (nothing saved), 1
when the database or the settings are unusable.

``match run`` drains the queue (for cron, or after a bulk import without a running
server); ``match status`` shows what waits; ``match retry`` gives jobs that failed
too often a new round.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from schakel.cli._common import err_console, fail, progress_enabled, write_json

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from schakel.services.match_queue import QueueStatus
    from schakel.services.signal_import import ImportReport

signals_app = typer.Typer(help="Signalen in bulk importeren.", no_args_is_help=True)
match_app = typer.Typer(help="De wachtrij voor hit/no-hit.", no_args_is_help=True)
SHOWN_ERRORS = 20


@signals_app.command("import")
def signals_import(
    file: Annotated[Path, typer.Argument(help="CSV- (UTF-8) of XLSX-bestand")],
    user: Annotated[str, typer.Option("--user", help="Gebruikersnaam van de melder")],
    file_format: Annotated[
        str | None,
        typer.Option("--format", help="csv of xlsx (standaard: uit de inhoud)"),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Rapport als JSON op stdout.")
    ] = False,
) -> None:
    """Importeer signalen: geldige rijen worden opgeslagen en ingediend, ongeldige
    rijen gemeld met rijnummer, kolom en reden."""
    from sqlalchemy import select

    from schakel.cli.platform import _store
    from schakel.errors import InvalidInput
    from schakel.services import signal_import
    from schakel.services.actor import Actor
    from schakel.services.keys import KeyMaterial
    from schakel.settings import get_settings
    from schakel.store.models import User
    from schakel.store.tenancy import Scope, scoped_transaction, set_scope

    if file_format is not None and file_format not in signal_import.FORMATS:
        fail(f"--format: kies csv of xlsx, niet {file_format}")
    try:
        stream = file.open("rb")
    except OSError:
        fail(f"{file}: bestand bestaat niet of is niet leesbaar")
    _, factory = _store()
    with scoped_transaction(factory, Scope.system_wide()) as session:
        found = session.scalar(select(User).where(User.username == user.lower()))
        if found is None or not found.active:
            fail(f"gebruiker '{user}' bestaat niet of is niet actief")
        actor = Actor.of(found)
    keys = KeyMaterial.from_settings(get_settings())
    size = file.stat().st_size
    with stream, factory() as session:
        set_scope(session, Scope.for_org(actor.org_id))
        with _progress(size) as advance:

            def committed(_report: "ImportReport") -> None:
                session.commit()  # each chunk is kept, whatever comes after it

            try:
                rows = signal_import.read_file(stream, file_format)
                report = signal_import.import_rows(
                    session,
                    actor,
                    rows,
                    keys,
                    after_chunk=committed,
                    progress=lambda report: advance(stream.tell(), report),
                )
                session.commit()
            except InvalidInput as exc:
                session.rollback()
                fail(f"{file}: {exc}")
    if as_json:
        write_json(
            {
                "rows_read": report.rows_read,
                "saved": report.saved,
                "refused_rows": report.error_rows,
                "errors": [
                    {"row": e.row, "column": e.column, "reason": e.reason}
                    for e in report.errors
                ],
                "errors_truncated": report.errors_truncated,
            }
        )
    else:
        _print_report(report)
    if report.error_rows:
        raise typer.Exit(2)


@contextmanager
def _progress(size: int) -> "Iterator[Callable[[int, ImportReport], None]]":
    """A Rich progress bar over the bytes read (nothing when stderr is no tty)."""
    if not progress_enabled():
        yield lambda _position, _report: None
        return
    from rich.progress import (
        BarColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("importeren"),
        BarColumn(),
        TextColumn("{task.fields[saved]} opgeslagen, {task.fields[refused]} fout"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
    ) as progress:
        task = progress.add_task("import", total=size, saved=0, refused=0)

        def advance(position: int, report: "ImportReport") -> None:
            progress.update(
                task,
                completed=min(position, size),
                saved=report.saved,
                refused=report.error_rows,
            )

        yield advance


def _print_report(report: "ImportReport") -> None:
    from rich.table import Table

    err_console.print(
        f"Gelezen rijen: {report.rows_read}; opgeslagen en ingediend: "
        f"{report.saved}; geweigerd: {report.error_rows}."
    )
    if report.errors:
        table = Table("rij", "kolom", "reden", title="Geweigerde rijen")
        for error in report.errors[:SHOWN_ERRORS]:
            table.add_row(str(error.row), error.column, error.reason)
        err_console.print(table)
        if report.error_count > SHOWN_ERRORS:
            err_console.print(
                f"... en nog {report.error_count - SHOWN_ERRORS} fouten "
                "(--json geeft de eerste 1000)."
            )
    if report.saved:
        err_console.print(
            "Hit/no-hit volgt via de wachtrij (de server, of: schakel match run)."
        )


@match_app.command("run")
def match_run() -> None:
    """Verwerk de hele wachtrij voor hit/no-hit nu."""
    from schakel.cli.platform import _store
    from schakel.services import match_queue

    _, factory = _store()
    done = match_queue.run_pending(factory)
    err_console.print(f"Hit/no-hit: {done} signalen vergeleken.")
    with _status_session(factory) as status:
        if status.pending:
            err_console.print(
                f"Nog {status.pending} in de wachtrij ({status.stuck} vastgelopen)."
            )
            raise typer.Exit(1)


@match_app.command("status")
def match_status(
    as_json: Annotated[
        bool, typer.Option("--json", help="Als JSON op stdout.")
    ] = False,
) -> None:
    """Toon hoeveel signalen op hit/no-hit wachten."""
    from schakel.cli.platform import _store

    _, factory = _store()
    with _status_session(factory) as status:
        if as_json:
            write_json(
                {
                    "pending": status.pending,
                    "failing": status.failing,
                    "stuck": status.stuck,
                    "oldest": status.oldest.isoformat() if status.oldest else None,
                }
            )
            return
        oldest = status.oldest.isoformat(timespec="seconds") if status.oldest else "-"
        err_console.print(
            f"Wachtrij hit/no-hit: {status.pending} wachtend, {status.failing} "
            f"eerder mislukt, {status.stuck} vastgelopen; oudste: {oldest}."
        )


@match_app.command("retry")
def match_retry() -> None:
    """Geef vastgelopen taken (te vaak mislukt) een nieuwe kans."""
    from schakel.cli.platform import _store
    from schakel.services import match_queue
    from schakel.store.tenancy import Scope, scoped_transaction

    _, factory = _store()
    with scoped_transaction(factory, Scope.system_wide()) as session:
        count = match_queue.retry_stuck(session)
    err_console.print(f"{count} taken opnieuw in de wachtrij.")


@contextmanager
def _status_session(factory: "sessionmaker[Session]") -> "Iterator[QueueStatus]":
    from schakel.services import match_queue
    from schakel.store.tenancy import Scope, scoped_transaction

    with scoped_transaction(factory, Scope.system_wide()) as session:
        yield match_queue.status(session)


def register(app: typer.Typer) -> None:
    """Add the signals and match commands to ``app``."""
    app.add_typer(signals_app, name="signals")
    app.add_typer(match_app, name="match")
