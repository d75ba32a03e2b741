"""``schakel backup`` and ``schakel restore``: the whole database as one archive."""

from pathlib import Path
from typing import Annotated

import typer

from schakel.cli._common import err_console, fail


def backup(
    output: Annotated[Path, typer.Argument(help="Bestand voor de back-up (.tar.gz)")],
    include_secrets: Annotated[
        bool,
        typer.Option(
            "--include-secrets",
            help="Ook de sleutels opnemen (bewaar zo'n back-up apart en versleuteld)",
        ),
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Een bestaand bestand overschrijven")
    ] = False,
) -> None:
    """Maak een back-up van de hele database (met manifest) in één archief."""
    from schakel.services.backup import BackupError, BackupToolFailed, create_backup
    from schakel.settings import InsecureSettings, Settings
    from schakel.store.db import DatabaseUnavailable

    if output.exists() and not force:
        fail(f"{output} bestaat al; gebruik --force om te overschrijven")
    try:
        result = create_backup(Settings(), output, include_secrets=include_secrets)
    except BackupError as exc:
        fail(str(exc))
    except (BackupToolFailed, DatabaseUnavailable, InsecureSettings) as exc:
        fail(str(exc), code=1)
    manifest = result.manifest
    head = manifest.audit_head
    err_console.print(
        f"Back-up geschreven: {result.path} ({result.size / 1024:.0f} kB, "
        f"{manifest.backend}, schema {manifest.schema_revision}, "
        f"{sum(manifest.tables.values())} rijen, "
        f"auditketen tot regel {head.seq if head else 0})."
    )
    if include_secrets:
        err_console.print(
            "[bold red]LET OP:[/bold red] deze back-up bevat de sleutels. Bewaar hem "
            "versleuteld en gescheiden van de gewone back-ups."
        )
    else:
        err_console.print(
            "De sleutels zitten NIET in de back-up. Bewaar ze apart en veilig: "
            f"{result.keys_location}. Zonder die sleutels zijn versleutelde "
            "gegevens na herstel niet te lezen."
        )


def restore(
    archive: Annotated[Path, typer.Argument(help="Back-up (.tar.gz) om te herstellen")],
    force: Annotated[
        bool,
        typer.Option("--force", help="Ook een niet-lege database overschrijven"),
    ] = False,
) -> None:
    """Herstel een back-up in de ingestelde (lege) database en controleer haar."""
    from schakel.services.backup import BackupError, BackupToolFailed, restore_backup
    from schakel.settings import InsecureSettings, Settings
    from schakel.store.db import DatabaseUnavailable

    try:
        result = restore_backup(Settings(), archive, force=force)
    except BackupError as exc:
        fail(str(exc))
    except (BackupToolFailed, DatabaseUnavailable, InsecureSettings) as exc:
        fail(str(exc), code=1)
    manifest = result.manifest
    if result.secrets_installed:
        err_console.print(
            f"Sleutels uit de back-up gezet in {result.secrets_installed}."
        )
    err_console.print(
        f"Hersteld: back-up van {manifest.created_at}, schema {result.revision}, "
        f"{sum(manifest.tables.values())} rijen."
    )
    for warning in result.warnings:
        err_console.print(f"[yellow]Waarschuwing:[/yellow] {warning}")
    if result.decrypt_sampled:
        err_console.print(
            f"Ontsleuteld: {result.decrypted} van {result.decrypt_sampled} "
            "steekproefwaarden."
        )
    problems = []
    if result.audit_break is not None:
        problems.append(
            f"auditketen gebroken bij regel {result.audit_break.seq}: "
            f"{result.audit_break.reason}"
        )
    if not result.head_ok:
        problems.append("de laatste auditregel wijkt af van het manifest")
    for table, (want, got) in sorted(result.count_mismatches.items()):
        problems.append(f"tabel {table}: {got} rijen, manifest zegt {want}")
    if result.revision != manifest.schema_revision:
        problems.append(
            f"schemaversie {result.revision}, manifest zegt {manifest.schema_revision}"
        )
    if problems:
        for problem in problems:
            err_console.print(f"[red]Controle mislukt:[/red] {problem}")
        raise typer.Exit(1)
    err_console.print(
        f"Auditketen intact: {result.audit_checked} regels gecontroleerd; "
        "laatste regel en aantallen gelijk aan het manifest."
    )


def register(app: typer.Typer) -> None:
    """Add ``backup`` and ``restore`` to ``app``."""
    app.command("backup")(backup)
    app.command("restore")(restore)
