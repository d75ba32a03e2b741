"""Backup and restore of the whole database as one archive with a manifest.

Why a manifest: before touching anything, a restore can say which schema revision,
audit head and row counts the archive holds, and afterwards prove that the restored
database is that one (audit chain verified, head hash equal, counts equal, a sample
of encrypted values decrypted with the keys in place).

Why the keys are left out by default: an archive that holds both the encrypted data
and its key protects nothing once it leaks. ``include_secrets`` adds them for an
operator who stores that archive encrypted and apart from the ordinary backups.

SQLite is copied with the online backup API (a consistent snapshot while the server
runs); PostgreSQL with ``pg_dump --format=custom`` inside an exported snapshot, so the
manifest describes exactly the rows in the dump.
"""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import Connection, Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url

import schakel
from schakel.audit import ChainBreak
from schakel.clock import utcnow
from schakel.crypto import UnknownKey, keyring_from_secrets
from schakel.errors import InvalidInput, SchakelError
from schakel.settings import SECRET_NAMES, Environment, Settings, ensure_secrets
from schakel.store import audit_log
from schakel.store.db import make_engine, make_session_factory, normalise_url
from schakel.store.tenancy import Scope, scoped_transaction

FORMAT = "schakel-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SECRETS = "secrets.json"
SQLITE_MEMBER = "database.sqlite3"
PGDUMP_MEMBER = "database.pgdump"
#: Encrypted columns and their authenticated context: a restore decrypts a sample.
ENCRYPTED_COLUMNS = (
    ("signals", "content_enc", "signals.content"),
    ("shares", "payload_enc", "shares.payload"),
)
DECRYPT_SAMPLE = 20


class BackupError(InvalidInput):
    """An archive that cannot be used, a target that is not empty, a missing tool."""


class BackupToolFailed(SchakelError):
    """``pg_dump`` or ``pg_restore`` ran and failed."""


class AuditHead(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    seq: int
    hash: str


class Manifest(BaseModel):
    """What the archive holds; written first, checked before any restore."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: str = FORMAT
    format_version: int = FORMAT_VERSION
    created_at: str
    schakel_version: str
    backend: str
    schema_revision: str | None
    audit_head: AuditHead | None
    tables: dict[str, int]
    database_file: str
    database_sha256: str
    secrets_included: bool
    #: Short fingerprints of the keys in use (never the keys): a restore compares
    #: them with the keys in place and warns before data turns out unreadable.
    key_ids: dict[str, str]


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    manifest: Manifest
    #: Where the keys live when they are not in the archive (for the operator).
    keys_location: str


@dataclass
class RestoreResult:
    manifest: Manifest
    audit_checked: int = 0
    audit_break: ChainBreak | None = None
    head_ok: bool = True
    count_mismatches: dict[str, tuple[int, int]] = field(default_factory=dict)
    revision: str | None = None
    decrypted: int = 0
    decrypt_sampled: int = 0
    secrets_installed: Path | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        """The restored database is the archived one and its chain is intact."""
        return (
            self.audit_break is None
            and self.head_ok
            and not self.count_mismatches
            and self.revision == self.manifest.schema_revision
        )


# --- shared helpers ---------------------------------------------------------------


def key_ids(settings: Settings) -> dict[str, str]:
    """Fingerprints of the configured keys; the encryption key's is the key id that
    every ciphertext already carries, so it reveals nothing new."""
    ids = {
        "encryption_key": keyring_from_secrets(
            settings.secret("encryption_key")
        ).current_id
    }
    for name in ("secret_key", "linkage_key"):
        digest = hashlib.sha256(f"schakel-key-id:{name}:".encode())
        digest.update(settings.secret(name).encode("utf-8"))
        ids[name] = digest.hexdigest()[:12]
    return ids


def libpq_url(url: str) -> tuple[str, dict[str, str]]:
    """A SQLAlchemy PostgreSQL URL as a libpq URL plus environment; the password
    goes into ``PGPASSWORD`` so that it never shows up in a process listing."""
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() != "postgresql":
        raise BackupError(f"geen PostgreSQL-URL: {parsed.get_backend_name()}")
    env = {"PGPASSWORD": str(parsed.password)} if parsed.password else {}
    # URL.set(password=None) keeps the password; _replace (NamedTuple) drops it.
    plain = parsed._replace(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _describe(
    connection: Connection,
) -> tuple[str | None, AuditHead | None, dict[str, int]]:
    """Schema revision, audit head and row count per table, as ``connection`` sees
    them (inside the caller's transaction, so one consistent view)."""
    tables = sorted(inspect(connection).get_table_names())
    revision = None
    if "alembic_version" in tables:
        revision = connection.execute(
            text("SELECT version_num FROM alembic_version")
        ).scalar()
    head = None
    if "audit_entries" in tables:
        row = connection.execute(
            text("SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1")
        ).first()
        head = AuditHead(seq=int(row[0]), hash=str(row[1])) if row else None
    counts = {
        t: int(
            connection.execute(text(f"SELECT count(*) FROM {_quote(t)}")).scalar_one()
        )
        for t in tables
        if t != "alembic_version"
    }
    return revision, head, counts


def _system_scope(connection: Connection) -> None:
    """Let this PostgreSQL transaction see every organisation's rows (RLS)."""
    if connection.dialect.name == "postgresql":
        connection.execute(
            text(
                "SELECT set_config('schakel.system', 'on', true), "
                "set_config('schakel.org_id', '', true)"
            )
        )


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} niet gevonden; installeer de PostgreSQL-clientprogramma's "
            "(Debian: postgresql-client) in dezelfde hoofdversie als de server."
        )
    return found


def _run(command: list[str], env: dict[str, str]) -> None:
    # The RLS policies let the system scope see every row; pg_dump and pg_restore
    # are told the same, for a plain (non-superuser) owner role.
    full_env = {**os.environ, **env, "PGOPTIONS": "-c schakel.system=on"}
    result = subprocess.run(command, env=full_env, capture_output=True, text=True)
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines()
        detail = "; ".join(lines[-3:]) or f"exitcode {result.returncode}"
        raise BackupToolFailed(f"{Path(command[0]).name} mislukt: {detail}")


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError(
            "een SQLite-database in het geheugen kan niet worden geback-upt"
        )
    return Path(database)


# --- backup -----------------------------------------------------------------------


def _backup_sqlite(settings: Settings, work: Path) -> tuple[Path, Manifest]:
    source_path = _sqlite_path(settings.effective_database_url)
    if not source_path.exists():
        raise BackupError(f"database {source_path} bestaat niet")
    copy = work / SQLITE_MEMBER
    source = sqlite3.connect(source_path, timeout=30)
    target = sqlite3.connect(copy)
    try:
        source.backup(target)
        # One self-contained file: no -wal next to it when it is read again.
        target.execute("PRAGMA journal_mode=DELETE")
    finally:
        target.close()
        source.close()
    engine = create_engine(f"sqlite:///{copy}")
    try:
        with engine.connect() as connection:
            revision, head, counts = _describe(connection)
    finally:
        engine.dispose()
    return copy, _manifest(settings, "sqlite", copy, revision, head, counts)


def _backup_postgres(settings: Settings, work: Path) -> tuple[Path, Manifest]:
    pg_dump = _tool("pg_dump")
    url, env = libpq_url(settings.effective_database_url)
    dump = work / PGDUMP_MEMBER
    engine = make_engine(settings.effective_database_url)
    try:
        with (
            engine.connect().execution_options(
                isolation_level="REPEATABLE READ"
            ) as connection,
            connection.begin(),
        ):
            connection.execute(text("SET TRANSACTION READ ONLY"))
            snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar()
            _system_scope(connection)
            revision, head, counts = _describe(connection)
            _run(
                [
                    pg_dump,
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    "--enable-row-security",
                    f"--snapshot={snapshot}",
                    f"--file={dump}",
                    f"--dbname={url}",
                ],
                env,
            )
    finally:
        engine.dispose()
    return dump, _manifest(settings, "postgresql", dump, revision, head, counts)


def _manifest(
    settings: Settings,
    backend: str,
    database: Path,
    revision: str | None,
    head: AuditHead | None,
    counts: dict[str, int],
    secrets_included: bool = False,
) -> Manifest:
    return Manifest(
        created_at=utcnow().isoformat(timespec="seconds"),
        schakel_version=schakel.__version__,
        backend=backend,
        schema_revision=revision,
        audit_head=head,
        tables=counts,
        database_file=database.name,
        database_sha256=_sha256_file(database),
        secrets_included=secrets_included,
        key_ids=key_ids(settings),
    )


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    info.mtime = int(utcnow().timestamp())
    archive.addfile(info, io.BytesIO(data))


def _private(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.mode, info.uid, info.gid, info.uname, info.gname = 0o600, 0, 0, "", ""
    return info


def secrets_payload(settings: Settings) -> dict[str, Any]:
    """The key material as ``secrets.json`` holds it (plus older encryption keys)."""
    payload: dict[str, Any] = {name: settings.secret(name) for name in SECRET_NAMES}
    if settings.encryption_keys_old:
        payload["encryption_keys_old"] = list(settings.encryption_keys_old)
    return payload


def keys_location(settings: Settings) -> str:
    """Where this installation's keys come from, for the operator to back up."""
    from_env = [n for n in SECRET_NAMES if os.environ.get(f"SCHAKEL_{n.upper()}")]
    if len(from_env) == len(SECRET_NAMES):
        return "omgevingsvariabelen " + ", ".join(
            f"SCHAKEL_{n.upper()}" for n in SECRET_NAMES
        )
    return str(settings.data_dir / SECRETS)


def create_backup(
    settings: Settings, output: Path, *, include_secrets: bool = False
) -> BackupResult:
    """Write one ``.tar.gz`` archive (mode 0600) with manifest and database dump."""
    settings = ensure_secrets(settings)
    output = output.resolve()
    if output.is_dir():
        raise BackupError(f"{output} is een map; geef een bestandsnaam op")
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="schakel-backup-") as tmp:
        work = Path(tmp)
        if settings.is_embedded:
            database, manifest = _backup_sqlite(settings, work)
        else:
            database, manifest = _backup_postgres(settings, work)
        if include_secrets:
            manifest = manifest.model_copy(update={"secrets_included": True})
        partial = output.with_name(output.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with (
                os.fdopen(fd, "wb") as raw,
                tarfile.open(fileobj=raw, mode="w:gz") as archive,
            ):
                _add_bytes(
                    archive,
                    MANIFEST,
                    manifest.model_dump_json(indent=2).encode("utf-8"),
                )
                archive.add(database, arcname=database.name, filter=_private)
                if include_secrets:
                    _add_bytes(
                        archive,
                        SECRETS,
                        json.dumps(secrets_payload(settings)).encode("utf-8"),
                    )
            os.replace(partial, output)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return BackupResult(
        output, output.stat().st_size, manifest, keys_location(settings)
    )


# --- restore ----------------------------------------------------------------------


@contextmanager
def _open_archive(path: Path) -> Iterator[tuple[tarfile.TarFile, Manifest]]:
    if not path.is_file():
        raise BackupError(f"back-up {path} bestaat niet")
    try:
        archive = tarfile.open(path, mode="r:gz")
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(f"{path} is geen Schakel-back-up (tar.gz): {exc}") from None
    with archive:
        manifest = _read_manifest(archive, path)
        yield archive, manifest


def _member(archive: tarfile.TarFile, name: str, path: Path) -> IO[bytes]:
    try:
        info = archive.getmember(name)
    except KeyError:
        raise BackupError(f"{path}: onderdeel {name} ontbreekt") from None
    handle = archive.extractfile(info) if info.isfile() else None
    if handle is None:
        raise BackupError(f"{path}: onderdeel {name} is geen gewoon bestand")
    return handle


def _read_manifest(archive: tarfile.TarFile, path: Path) -> Manifest:
    try:
        data = json.loads(_member(archive, MANIFEST, path).read().decode("utf-8"))
    except (ValueError, UnicodeDecodeError, tarfile.TarError) as exc:
        raise BackupError(f"{path}: {MANIFEST} is onleesbaar: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BackupError(f"{path}: geen Schakel-back-up (format ontbreekt)")
    version = data.get("format_version")
    if version != FORMAT_VERSION:
        raise BackupError(
            f"{path}: back-upformaat {version!r} onbekend; "
            f"deze Schakel kent versie {FORMAT_VERSION}"
        )
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as exc:
        where = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise BackupError(f"{path}: {MANIFEST} ongeldig: {where}") from None
    if manifest.database_file not in (SQLITE_MEMBER, PGDUMP_MEMBER):
        raise BackupError(f"{path}: onbekend databasebestand {manifest.database_file}")
    return manifest


def read_manifest(path: Path) -> Manifest:
    """The manifest of the archive at ``path`` (validated)."""
    with _open_archive(path) as (_, manifest):
        return manifest


def _check_revision_known(revision: str | None) -> None:
    from alembic.util.exc import CommandError

    from schakel.store.migrate import _config

    if revision is None:
        return
    from alembic.script import ScriptDirectory

    try:
        found = ScriptDirectory.from_config(_config()).get_revision(revision)
    except CommandError:
        found = None
    if found is None:
        raise BackupError(
            f"schemaversie {revision} van de back-up is onbekend; "
            "herstel met de Schakel-versie die de back-up maakte of een nieuwere"
        )


def nonempty_tables(engine: Engine) -> list[str]:
    """Tables that hold rows (``alembic_version`` aside): a restore would lose them."""
    with engine.connect() as connection, connection.begin():
        _system_scope(connection)
        _, _, counts = _describe(connection)
    return sorted(t for t, n in counts.items() if n)


def _install_secrets(
    settings: Settings, payload: dict[str, Any], force: bool, result: RestoreResult
) -> None:
    path = settings.data_dir / SECRETS
    env_set = [n for n in SECRET_NAMES if getattr(settings, n)]
    if settings.env is Environment.PRODUCTION or len(env_set) == len(SECRET_NAMES):
        result.warnings.append(
            "de sleutels uit de back-up zijn niet geïnstalleerd: deze installatie "
            "leest ze uit SCHAKEL_*-omgevingsvariabelen; zet die op de waarden uit "
            f"{SECRETS} in de back-up"
        )
        return
    new = {n: str(payload[n]) for n in SECRET_NAMES if payload.get(n)}
    if path.exists():
        current = json.loads(path.read_text("utf-8"))
        if all(current.get(n) == v for n, v in new.items()):
            return
        if not force:
            raise BackupError(
                f"{path} bestaat al met andere sleutels; gebruik --force om ze te "
                "vervangen (bewaar de oude eerst: zonder die sleutels zijn gegevens "
                "die ermee versleuteld zijn niet meer te lezen)"
            )
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(new, handle)
    os.replace(tmp, path)
    result.secrets_installed = path


def _extract(handle: IO[bytes], target: Path, expected_sha256: str) -> None:
    digest = hashlib.sha256()
    with target.open("wb") as out:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
            out.write(chunk)
    if digest.hexdigest() != expected_sha256:
        raise BackupError(
            "de database in de back-up is beschadigd "
            "(SHA-256 wijkt af van het manifest)"
        )


def _restore_sqlite(settings: Settings, dump: Path) -> None:
    check = sqlite3.connect(dump)
    try:
        status = check.execute("PRAGMA integrity_check").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(
            f"de SQLite-database in de back-up is onleesbaar: {exc}"
        ) from None
    finally:
        check.close()
    if not status or status[0] != "ok":
        raise BackupError(f"de SQLite-database in de back-up is beschadigd: {status}")
    target_path = _sqlite_path(settings.effective_database_url)
    target_path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(dump)
    target = sqlite3.connect(target_path, timeout=30)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def _restore_postgres(settings: Settings, dump: Path) -> None:
    pg_restore = _tool("pg_restore")
    url, env = libpq_url(settings.effective_database_url)
    _run(
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={url}",
            str(dump),
        ],
        env,
    )


def _decrypt_sample(
    connection: Connection, settings: Settings, result: RestoreResult
) -> None:
    keyring = keyring_from_secrets(
        settings.secret("encryption_key"), settings.encryption_keys_old
    )
    tables = set(inspect(connection).get_table_names())
    for table, column, context in ENCRYPTED_COLUMNS:
        if table not in tables:
            continue
        values = connection.execute(
            text(
                f"SELECT {_quote(column)} FROM {_quote(table)} "
                f"WHERE {_quote(column)} <> '' ORDER BY id LIMIT {DECRYPT_SAMPLE}"
            )
        ).scalars()
        for value in values:
            result.decrypt_sampled += 1
            try:
                keyring.decrypt(str(value), context)
            except (UnknownKey, InvalidTag, ValueError):
                continue
            result.decrypted += 1


def restore_backup(
    settings: Settings, archive_path: Path, *, force: bool = False
) -> RestoreResult:
    """Restore ``archive_path`` into the configured database, then verify it.

    ``settings`` should be the raw settings (before :func:`ensure_secrets`), so that
    keys shipped in the archive are installed before any new ones are generated.
    Refuses a target that holds rows unless ``force``.
    """
    with _open_archive(archive_path) as (archive, manifest):
        result = RestoreResult(manifest)
        backend = "sqlite" if settings.is_embedded else "postgresql"
        if manifest.backend != backend:
            raise BackupError(
                f"de back-up is van {manifest.backend}, de ingestelde database is "
                f"{backend}; herstel in hetzelfde soort database"
            )
        _check_revision_known(manifest.schema_revision)
        if manifest.secrets_included:
            payload = json.loads(_member(archive, SECRETS, archive_path).read())
            _install_secrets(settings, payload, force, result)
        settings = ensure_secrets(settings)
        engine = make_engine(settings.effective_database_url)
        try:
            occupied = nonempty_tables(engine)
        finally:
            engine.dispose()
        if occupied and not force:
            raise BackupError(
                "de doeldatabase is niet leeg (tabellen met rijen: "
                + ", ".join(occupied)
                + "); gebruik --force om haar te overschrijven"
            )
        with tempfile.TemporaryDirectory(prefix="schakel-restore-") as tmp:
            dump = Path(tmp) / manifest.database_file
            _extract(
                _member(archive, manifest.database_file, archive_path),
                dump,
                manifest.database_sha256,
            )
            if manifest.backend == "sqlite":
                _restore_sqlite(settings, dump)
            else:
                _restore_postgres(settings, dump)
    _verify(settings, result)
    return result


def _verify(settings: Settings, result: RestoreResult) -> None:
    manifest = result.manifest
    engine = make_engine(settings.effective_database_url)
    try:
        with engine.connect() as connection, connection.begin():
            _system_scope(connection)
            revision, head, counts = _describe(connection)
            _decrypt_sample(connection, settings, result)
        result.revision = revision
        result.head_ok = head == manifest.audit_head
        result.count_mismatches = {
            t: (manifest.tables.get(t, 0), counts.get(t, 0))
            for t in set(manifest.tables) | set(counts)
            if manifest.tables.get(t, 0) != counts.get(t, 0)
        }
        with scoped_transaction(
            make_session_factory(engine), Scope.system_wide()
        ) as session:
            result.audit_checked, result.audit_break = audit_log.verify(session)
    finally:
        engine.dispose()
    current = key_ids(settings)
    differ = [n for n, v in manifest.key_ids.items() if current.get(n) != v]
    if differ:
        result.warnings.append(
            "andere sleutels dan bij de back-up ("
            + ", ".join(differ)
            + "): versleutelde gegevens en koppeltokens zijn zo niet te gebruiken; "
            "zet de sleutels van de back-up terug"
        )
