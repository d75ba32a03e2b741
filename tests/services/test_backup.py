"""Backup and restore round trips on SQLite and PostgreSQL: the restored database has
the same rows, an intact audit chain and records that decrypt with the same keys."""

import io
import json
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.engine import make_url

from schakel.services import accounts, signals
from schakel.services.backup import (
    BackupError,
    create_backup,
    libpq_url,
    read_manifest,
    restore_backup,
)
from schakel.services.keys import KeyMaterial
from schakel.settings import Settings
from schakel.signals import SignalInput
from schakel.store.db import make_engine, make_session_factory
from schakel.store.models import Signal, User
from schakel.store.tenancy import Scope, scoped_transaction
from tests.conftest import POSTGRES_URL, require_postgres
from tests.factory import World, user_id

#: Per test database (and so per xdist worker).
RESTORE_DB = f"schakel_restore_{make_url(POSTGRES_URL).database}"
DESCRIPTION = "Synthetisch testsignaal voor de back-up"


def _add_signal(world: World, settings: Settings) -> int:
    keys = KeyMaterial.from_settings(settings)
    with scoped_transaction(world.factory, Scope.for_org(world.a.id)) as session:
        actor = accounts.actor_for(session, user_id(world, "utrecht.medewerker"))
        content = SignalInput(description=DESCRIPTION, phones=["0612345678"])
        row = signals.save(session, actor, content, keys, submit=False)
        return row.id


@pytest.fixture
def target(settings: Settings, tmp_path: Path) -> Iterator[Settings]:
    """Settings for an empty restore target of the same kind, with the same keys."""
    restored_dir = tmp_path / "restored"
    if settings.is_embedded:
        yield settings.model_copy(
            update={
                "data_dir": restored_dir,
                "database_url": f"sqlite:///{restored_dir / 'schakel.db'}",
            }
        )
        return
    require_postgres()
    admin = make_engine(
        make_url(POSTGRES_URL)
        .set(database="postgres")
        .render_as_string(hide_password=False)
    ).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {RESTORE_DB} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {RESTORE_DB}"))
    url = make_url(POSTGRES_URL).set(database=RESTORE_DB)
    yield settings.model_copy(
        update={
            "data_dir": restored_dir,
            "database_url": url.render_as_string(hide_password=False),
        }
    )
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {RESTORE_DB} WITH (FORCE)"))
    admin.dispose()


def test_round_trip_restores_rows_chain_and_decryptable_records(
    engine: Engine, world: World, settings: Settings, target: Settings, tmp_path: Path
):
    signal_id = _add_signal(world, settings)
    with engine.connect() as connection:
        signal_count = connection.execute(
            text("SELECT count(*) FROM signals")
        ).scalar_one()
    archive = tmp_path / "backup.tar.gz"
    made = create_backup(settings, archive)
    assert archive.stat().st_mode & 0o777 == 0o600
    assert (
        made.manifest.tables["users"] == 8
        and made.manifest.tables["signals"] == signal_count
    )
    assert signal_count >= 1
    with tarfile.open(archive) as tar:
        assert "secrets.json" not in tar.getnames()

    result = restore_backup(target, archive)

    assert result.verified, result
    assert result.audit_checked == made.manifest.audit_head.seq > 0
    assert result.decrypt_sampled == result.decrypted >= 1
    assert not result.warnings
    restored = make_engine(target.effective_database_url)
    factory = make_session_factory(restored)
    try:
        with scoped_transaction(factory, Scope.system_wide()) as session:
            names = set(session.scalars(select(User.username)))
            assert names == {*world.a.users.values(), *world.b.users.values()}
        with scoped_transaction(factory, Scope.for_org(world.a.id)) as session:
            row = session.get(Signal, signal_id)
            content = signals.decrypt(row, KeyMaterial.from_settings(target))
            assert content.description == DESCRIPTION
    finally:
        restored.dispose()


def test_restore_refuses_a_database_with_rows_unless_forced(
    world: World, settings: Settings, target: Settings, tmp_path: Path
):
    archive = tmp_path / "backup.tar.gz"
    create_backup(settings, archive)
    assert restore_backup(target, archive).verified
    with pytest.raises(BackupError, match="niet leeg"):
        restore_backup(target, archive)
    assert restore_backup(target, archive, force=True).verified


def test_other_keys_give_a_warning_and_undecryptable_sample(
    world: World, settings: Settings, target: Settings, tmp_path: Path
):
    _add_signal(world, settings)
    archive = tmp_path / "backup.tar.gz"
    create_backup(settings, archive)
    other = target.model_copy(update={"encryption_key": "another-key-0123456789"})
    result = restore_backup(other, archive)
    assert result.verified
    assert result.decrypt_sampled >= 1 and result.decrypted == 0
    assert any("encryption_key" in w for w in result.warnings)


def test_included_secrets_are_installed_in_an_empty_data_dir(
    world: World, settings: Settings, target: Settings, tmp_path: Path
):
    _add_signal(world, settings)
    archive = tmp_path / "with-keys.tar.gz"
    create_backup(settings, archive, include_secrets=True)
    assert read_manifest(archive).secrets_included
    no_keys = target.model_copy(
        update={"secret_key": None, "encryption_key": None, "linkage_key": None}
    )
    result = restore_backup(no_keys, archive)
    assert result.secrets_installed == target.data_dir / "secrets.json"
    stored = json.loads(result.secrets_installed.read_text("utf-8"))
    assert stored["encryption_key"] == settings.encryption_key
    assert result.secrets_installed.stat().st_mode & 0o777 == 0o600
    assert result.verified and not result.warnings
    assert result.decrypted == result.decrypt_sampled >= 1


def test_tampered_database_is_refused_before_anything_is_written(
    world: World, settings: Settings, target: Settings, tmp_path: Path
):
    archive = tmp_path / "backup.tar.gz"
    manifest = create_backup(settings, archive).manifest
    bad = tmp_path / "bad.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(bad, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name == manifest.database_file:
                data = data[:-100] + b"x" * 100
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    with pytest.raises(BackupError, match="SHA-256"):
        restore_backup(target, bad)


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"not a tarball", "geen Schakel-back-up"), (None, "manifest.json ontbreekt")],
)
def test_unusable_archives_are_named(tmp_path: Path, content, message):
    path = tmp_path / "x.tar.gz"
    if content is None:
        with tarfile.open(path, "w:gz"):
            pass
    else:
        path.write_bytes(content)
    with pytest.raises(BackupError, match=message):
        read_manifest(path)


def test_libpq_url_keeps_the_password_out_of_the_command_line():
    url, env = libpq_url("postgresql+psycopg://app:geheim@db.example:5433/schakel")
    assert url == "postgresql://app@db.example:5433/schakel"
    assert env == {"PGPASSWORD": "geheim"}
