"""Platform commands: serve, db, org, user, audit, demo."""

from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from schakel.cli._common import err_console, fail

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from schakel.settings import Settings
    from schakel.store.audit_log import CheckpointPolicy

db_app = typer.Typer(help="Database: migraties.", no_args_is_help=True)
org_app = typer.Typer(help="Organisaties beheren.", no_args_is_help=True)
user_app = typer.Typer(help="Gebruikers beheren.", no_args_is_help=True)
keys_app = typer.Typer(
    help="Sleutels voor versleuteling beheren.", no_args_is_help=True
)
audit_app = typer.Typer(help="Het auditlog controleren.", no_args_is_help=True)


def _store() -> "tuple[Engine, sessionmaker[Session]]":
    """Engine and session factory, or one clear line and exit 1 when unreachable."""
    from schakel.settings import InsecureSettings, get_settings
    from schakel.store import tenancy  # noqa: F401
    from schakel.store.audit_log import enable_checkpoints
    from schakel.store.db import (
        DatabaseUnavailable,
        check_connection,
        make_engine,
        make_session_factory,
    )

    try:
        settings = get_settings()
        engine = make_engine(settings.effective_database_url)
        check_connection(engine)
    except (DatabaseUnavailable, InsecureSettings) as exc:
        fail(str(exc), code=1)
    factory = make_session_factory(engine)
    enable_checkpoints(factory, _checkpoint_policy())
    return engine, factory


def _checkpoint_policy() -> "CheckpointPolicy":
    """The signing policy from the settings, or one clear line and exit 1."""
    from schakel.audit import InvalidSigningKey
    from schakel.settings import InsecureSettings, get_settings
    from schakel.store.audit_log import CheckpointPolicy

    try:
        settings = get_settings()
        return CheckpointPolicy.from_seed(
            settings.secret("audit_signing_key"), settings.audit_checkpoint_every
        )
    except (InsecureSettings, InvalidSigningKey) as exc:
        fail(str(exc), code=1)


def _system_session(
    factory: "sessionmaker[Session]",
) -> "AbstractContextManager[Session]":
    from schakel.store.tenancy import Scope, scoped_transaction

    return scoped_transaction(factory, Scope.system_wide())


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Breng de database naar de nieuwste versie (Alembic-migraties)."""
    from schakel.store.migrate import current_revision, upgrade

    engine, _ = _store()
    upgrade(engine)
    err_console.print(f"Database bijgewerkt tot versie {current_revision(engine)}.")


@org_app.command("add")
def org_add(
    name: Annotated[str, typer.Argument(help="Naam, bv. 'Gemeente Utrecht'")],
    org_type: Annotated[
        str, typer.Option("--type", help="Organisatietype uit de vocabulaire")
    ],
    region: Annotated[
        str, typer.Option(help="Politie/RIEC-regio, bv. midden_nederland")
    ],
    municipality: Annotated[
        str | None, typer.Option(help="Gemeente (voor gemeenten)")
    ] = None,
) -> None:
    """Voeg een organisatie toe."""
    from schakel.errors import InvalidInput
    from schakel.services import accounts
    from schakel.vocabulary import OrgType, Region

    try:
        kind = OrgType(org_type)
    except ValueError:
        fail(
            f"--type: onbekend organisatietype '{org_type}'; "
            f"kies uit {', '.join(OrgType)}"
        )
    try:
        area = Region(region)
    except ValueError:
        fail(f"--region: onbekende regio '{region}'; kies uit {', '.join(Region)}")
    _, factory = _store()
    try:
        with _system_session(factory) as session:
            org = accounts.add_organisation(
                session,
                name=name,
                org_type=kind,
                region=area,
                municipality=municipality,
            )
            org_id = org.id
    except InvalidInput as exc:
        fail(str(exc))
    err_console.print(f"Organisatie {name} toegevoegd (id {org_id}).")


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument()],
    org: Annotated[str, typer.Option("--org", help="Naam of id van de organisatie")],
    role: Annotated[list[str], typer.Option("--role", help="Rol (herhaalbaar)")],
    name: Annotated[str, typer.Option("--name", help="Weergavenaam")] = "",
    password: Annotated[
        str | None,
        typer.Option(
            envvar="SCHAKEL_NEW_PASSWORD",
            help="Wachtwoord (anders wordt erom gevraagd)",
        ),
    ] = None,
) -> None:
    """Voeg een gebruiker toe aan een organisatie."""
    from schakel.errors import InvalidInput, NotFound
    from schakel.services import accounts
    from schakel.vocabulary import Role

    try:
        roles = [Role(r) for r in role]
    except ValueError:
        fail(f"--role: onbekende rol in {role}; kies uit {', '.join(Role)}")
    if password is None:
        password = typer.prompt("Wachtwoord", hide_input=True, confirmation_prompt=True)
    _, factory = _store()
    try:
        with _system_session(factory) as session:
            organisation = accounts.find_organisation(session, org)
            accounts.add_user(
                session,
                org=organisation,
                username=username,
                display_name=name or username,
                password=password,
                roles=roles,
            )
    except (InvalidInput, NotFound) as exc:
        fail(str(exc))
    err_console.print(f"Gebruiker {username} toegevoegd aan {org}.")


@user_app.command("list")
def user_list(org: Annotated[str | None, typer.Option("--org")] = None) -> None:
    """Toon gebruikers (optioneel van één organisatie)."""
    from rich.console import Console
    from rich.table import Table

    from schakel.errors import NotFound
    from schakel.services import accounts

    _, factory = _store()
    table = Table("gebruikersnaam", "naam", "organisatie", "rollen", "2FA")
    try:
        with _system_session(factory) as session:
            org_id = accounts.find_organisation(session, org).id if org else None
            for user in accounts.list_users(session, org_id):
                table.add_row(
                    user.username,
                    user.display_name,
                    user.organisation.name,
                    ", ".join(user.roles),
                    "aan" if user.totp_enabled else "uit",
                )
    except NotFound as exc:
        fail(str(exc))
    Console().print(table)


@user_app.command("token")
def user_token(
    username: Annotated[str, typer.Argument()],
    name: Annotated[str, typer.Option(help="Waarvoor het token is")] = "api",
) -> None:
    """Maak een API-token voor een machineclient (wordt één keer getoond)."""
    from sqlalchemy import select

    from schakel.services import accounts
    from schakel.store.models import User

    _, factory = _store()
    with _system_session(factory) as session:
        user = session.scalar(select(User).where(User.username == username.lower()))
        if user is None:
            fail(f"gebruiker '{username}' bestaat niet")
        token = accounts.create_api_token(session, user, name)
    typer.echo(token)


@audit_app.command("verify")
def audit_verify() -> None:
    """Controleer de hash-keten, alle ondertekende controlepunten en inkorting."""
    from schakel.store import audit_log

    _, factory = _store()
    policy = _checkpoint_policy()
    with _system_session(factory) as session:
        result = audit_log.verify_signed(session, policy.public_key)
    if result.broken is not None:
        err_console.print(
            f"[red]Auditketen gebroken bij regel {result.broken.seq}: "
            f"{result.broken.reason}[/red]"
        )
        raise typer.Exit(1)
    err_console.print(
        f"Auditketen intact: {result.entries} regels gecontroleerd, "
        f"{result.checkpoints} ondertekende controlepunten geldig "
        f"(laatste bij regel {result.last_checkpoint})."
    )
    if result.unsigned_tail:
        err_console.print(
            f"Let op: {result.unsigned_tail} regels na het laatste controlepunt zijn "
            "nog niet ondertekend ('schakel audit checkpoint' ondertekent nu)."
        )


@audit_app.command("checkpoint")
def audit_checkpoint() -> None:
    """Onderteken nu de kop van de keten (voor een dagelijkse taak of vóór export)."""
    from schakel.store import audit_log

    _, factory = _store()
    policy = _checkpoint_policy()
    with _system_session(factory) as session:
        row = audit_log.checkpoint_now(session, policy)
        seq = None if row is None else row.seq
    if seq is None:
        err_console.print("Het auditlog is leeg; niets te ondertekenen.")
        return
    err_console.print(f"Kop van de keten ondertekend bij regel {seq}.")


@audit_app.command("public-key")
def audit_public_key() -> None:
    """Toon de publieke sleutel (base64) en vingerafdruk voor auditors."""
    from schakel.audit import key_id, public_key_b64

    policy = _checkpoint_policy()
    typer.echo(public_key_b64(policy.key))
    err_console.print(f"Vingerafdruk (key id): {key_id(policy.key)}")


@audit_app.command("export")
def audit_export(
    output: Annotated[
        Path | None, typer.Option("--output", help="Bestand (anders stdout)")
    ] = None,
    from_seq: Annotated[
        int, typer.Option("--from", help="Eerste regelnummer in het extract")
    ] = 1,
    fmt: Annotated[
        str, typer.Option("--format", help="schakel (verifieerbaar) of logboek")
    ] = "schakel",
) -> None:
    """Schrijf een verifieerbaar extract (JSON Lines) voor een externe auditor."""
    import sys

    from schakel.errors import InvalidInput
    from schakel.services.audit_export import ExportFormat, write_export

    try:
        kind = ExportFormat(fmt)
    except ValueError:
        fail(f"--format: onbekend formaat '{fmt}'; kies uit schakel, logboek")
    if from_seq < 1:
        fail(f"--from: moet 1 of hoger zijn, niet {from_seq}")
    _, factory = _store()
    policy = _checkpoint_policy()
    tmp = None if output is None else output.with_name(output.name + ".tmp")
    try:
        with _system_session(factory) as session:
            if tmp is None:
                summary = write_export(
                    session, policy, sys.stdout, from_seq=from_seq, fmt=kind
                )
            else:
                with tmp.open("w", encoding="utf-8") as handle:
                    summary = write_export(
                        session, policy, handle, from_seq=from_seq, fmt=kind
                    )
    except InvalidInput as exc:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        fail(str(exc))
    except OSError as exc:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        fail(f"--output: kan niet schrijven: {exc}")
    if tmp is not None and output is not None:
        tmp.replace(output)
    err_console.print(
        f"Extract ({kind.value}): regels {summary.from_seq} t/m {summary.to_seq}, "
        f"sleutel {summary.key_id}."
    )


@audit_app.command("verify-export")
def audit_verify_export(
    file: Annotated[Path, typer.Argument(help="Extract van 'schakel audit export'")],
    public_key: Annotated[
        str | None,
        typer.Option(
            "--public-key", help="Verwachte publieke sleutel (base64), apart verkregen"
        ),
    ] = None,
) -> None:
    """Controleer een extract zonder database: keten, handtekeningen, volledigheid."""
    from schakel.audit import InvalidExport, verify_export

    try:
        with file.open(encoding="utf-8") as handle:
            result = verify_export(handle, expected_public_key=public_key)
    except FileNotFoundError:
        fail(f"{file}: bestand bestaat niet")
    except (InvalidExport, UnicodeDecodeError) as exc:
        fail(f"{file}: {exc}")
    if result.broken is not None:
        err_console.print(
            f"[red]Extract ongeldig bij regel {result.broken.seq}: "
            f"{result.broken.reason}[/red]"
        )
        raise typer.Exit(1)
    err_console.print(
        f"Extract intact: regels {result.from_seq} t/m {result.to_seq} "
        f"({result.entries}), {result.checkpoints} controlepunten geldig, "
        f"ondertekend met sleutel {result.key_id}."
    )
    if public_key is None:
        err_console.print(
            "Let op: de sleutel komt uit het bestand zelf; vergelijk de vingerafdruk "
            "met die van de organisatie of geef --public-key op."
        )


def serve(
    host: Annotated[str, typer.Option(help="Adres")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Poort")] = 8000,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=64,
            help="Serverprocessen (standaard SCHAKEL_WEB_WORKERS, anders één per "
            "processorkern, hoogstens 8)",
        ),
    ] = None,
    retention_every: Annotated[
        float,
        typer.Option(
            help="Bewaartermijnen toepassen elke zoveel minuten (0: uit); "
            "SCHAKEL_RETENTION_INTERVAL_MINUTES gaat voor"
        ),
    ] = 1440,
    match_every: Annotated[
        float,
        typer.Option(
            min=0,
            help="Wachtrij voor hit/no-hit elke zoveel seconden bekijken (0: uit; "
            "dan schakel match run); SCHAKEL_MATCH_POLL_SECONDS gaat voor",
        ),
    ] = 1.0,
) -> None:
    """Start de webapplicatie (met hit/no-hit op de achtergrond en dagelijkse
    toepassing van de bewaartermijnen)."""
    import uvicorn

    from schakel.settings import InsecureSettings, get_settings
    from schakel.store.db import DatabaseUnavailable

    try:
        settings = get_settings()
    except InsecureSettings as exc:
        fail(str(exc), code=1)
    updates: dict[str, float] = {}
    if "retention_interval_minutes" not in settings.model_fields_set:
        updates["retention_interval_minutes"] = retention_every
    if "match_poll_seconds" not in settings.model_fields_set:
        updates["match_poll_seconds"] = match_every
    settings = settings.model_copy(update=updates)
    processes = workers or settings.effective_web_workers
    if processes == 1:
        from schakel.web.app import create_app, freeze_startup_heap

        try:
            app = create_app(settings)
        except (DatabaseUnavailable, InsecureSettings) as exc:
            fail(str(exc), code=1)
        app.router.on_startup.append(freeze_startup_heap)
        err_console.print(f"Schakel draait op http://{host}:{port}")
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
        return
    _serve_processes(settings, host, port, processes)


def _serve_processes(
    settings: "Settings", host: str, port: int, processes: int
) -> None:
    """Several server processes (uvicorn's supervisor restarts one that dies).

    Each process drains the matching queue (one at a time, by the queue's lock);
    retention runs once, in this supervising process, not in every worker.
    """
    import os

    import uvicorn

    from schakel.services import retention
    from schakel.services.keys import KeyMaterial
    from schakel.store.audit_log import enable_checkpoints
    from schakel.store.db import (
        DatabaseUnavailable,
        check_connection,
        make_engine,
        make_session_factory,
    )

    try:
        engine = make_engine(settings.effective_database_url, pool_size=1)
        check_connection(engine)
    except DatabaseUnavailable as exc:
        fail(str(exc), code=1)
    # The workers read their settings from the environment (secrets of embedded
    # mode are in the data directory by now, written by get_settings above).
    os.environ["SCHAKEL_RETENTION_INTERVAL_MINUTES"] = "0"
    os.environ["SCHAKEL_MATCH_POLL_SECONDS"] = str(settings.match_poll_seconds)
    scheduler = None
    if settings.retention_interval_minutes > 0:
        factory = make_session_factory(engine)
        enable_checkpoints(factory, _checkpoint_policy())
        keys = KeyMaterial.from_settings(settings)
        scheduler = retention.Scheduler(
            settings.retention_interval_minutes,
            lambda: retention.run_system(factory, keys),
        )
        scheduler.start()
    err_console.print(f"Schakel draait op http://{host}:{port} ({processes} processen)")
    try:
        uvicorn.run(
            "schakel.web.app:app_factory",
            factory=True,
            host=host,
            port=port,
            workers=processes,
            log_level="warning",
            access_log=False,
        )
    finally:
        if scheduler is not None:
            scheduler.stop()
        engine.dispose()


def demo(
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Alleen laden als er nog niets is")
    ] = False,
) -> None:
    """Laad het synthetische demoscenario (verzonnen personen) via de services."""
    from schakel.services import demo as demo_service
    from schakel.services.keys import KeyMaterial
    from schakel.settings import get_settings
    from schakel.store.migrate import upgrade

    engine, factory = _store()
    upgrade(engine)
    with _system_session(factory) as session:
        if if_empty and demo_service.already_loaded(session):
            err_console.print("Demo was al geladen.")
            logins = demo_service.DEMO_LOGINS
        else:
            keys = KeyMaterial.from_settings(get_settings())
            logins = demo_service.load(session, keys, progress=err_console.print)
    demo_service.print_logins(err_console, logins)


@keys_app.command("rotate")
def keys_rotate(
    new_key: Annotated[
        bool,
        typer.Option(
            "--new-key", help="Ingebedde modus: maak eerst een nieuwe sleutel"
        ),
    ] = False,
) -> None:
    """Versleutel alle opgeslagen waarden opnieuw met de huidige sleutel."""
    from schakel.services.key_rotation import reencrypt_all
    from schakel.services.keys import KeyMaterial
    from schakel.settings import (
        finish_embedded_key_rotation,
        get_settings,
        start_embedded_key_rotation,
    )

    settings = get_settings()
    if new_key and not settings.is_embedded:
        fail(
            "--new-key werkt alleen in ingebedde modus; zet anders "
            "SCHAKEL_ENCRYPTION_KEY op de nieuwe en SCHAKEL_ENCRYPTION_KEYS_OLD "
            "op de oude sleutel(s)."
        )
    if new_key:
        settings = start_embedded_key_rotation(settings)
    _, factory = _store()
    with _system_session(factory) as session:
        counts = reencrypt_all(session, KeyMaterial.from_settings(settings))
    if new_key:
        finish_embedded_key_rotation(settings)
    err_console.print(
        f"Opnieuw versleuteld: {counts['signals']} signalen, "
        f"{counts['shares']} gedeelde berichten."
    )


def register(app: typer.Typer) -> None:
    """Add the platform commands to ``app``."""
    app.add_typer(db_app, name="db")
    app.add_typer(org_app, name="org")
    app.add_typer(user_app, name="user")
    app.add_typer(audit_app, name="audit")
    app.add_typer(keys_app, name="keys")
    app.command("serve")(serve)
    app.command("demo")(demo)
