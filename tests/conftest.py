"""Shared fixtures. Which to use when:

- pure core tests (rules, linkage, screening, stats, audit chain) need nothing here;
- store/service tests use ``factory`` (a migrated database; parametrised over SQLite
  and PostgreSQL, the PostgreSQL case marked ``postgres``) and ``world`` (two
  organisations with a user per role, from ``tests/factory.py``);
- web tests use ``client`` (a TestClient on the same database) and ``login``;
- browser tests use ``live_server`` (a real uvicorn process with the demo loaded).
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Cheaper argon2 parameters inside the test process only, so each test's small world
# builds in milliseconds; tests/services/test_accounts.py checks the production
# parameters, and the browser tests' server process uses them.
from argon2 import PasswordHasher  # noqa: E402
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from schakel.audit._checkpoint import new_seed
from schakel.services import accounts as _accounts  # noqa: E402
from schakel.settings import Environment, Settings
from schakel.store import tenancy  # noqa: F401  (registers the tenancy filters)
from schakel.store.db import make_engine, make_session_factory
from schakel.store.migrate import upgrade
from tests.factory import World, build_world

_accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
_accounts._DUMMY_HASH = _accounts._hasher.hash("dummy-password-for-timing")

BASE_POSTGRES_URL = os.environ.get(
    "SCHAKEL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
#: ``pytest -n N`` (xdist) runs N workers; each gets a database of its own
#: (``test_gw0`` ...), created on first use, so they never truncate each other's.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
POSTGRES_URL = (
    make_url(BASE_POSTGRES_URL)
    .set(database=f"{make_url(BASE_POSTGRES_URL).database}_{XDIST_WORKER}")
    .render_as_string(hide_password=False)
    if XDIST_WORKER
    else BASE_POSTGRES_URL
)
REQUIRE_POSTGRES = os.environ.get("SCHAKEL_REQUIRE_POSTGRES") == "1"
_pg_state: dict[str, object] = {}


def _create_worker_database() -> None:
    """The worker's own database, made through the base URL's server."""
    name = make_url(POSTGRES_URL).database
    admin = make_engine(
        make_url(BASE_POSTGRES_URL)
        .set(database="postgres")
        .render_as_string(hide_password=False)
    ).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ).first()
            if exists is None:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()


_SIGNING_SEED = new_seed()


def _postgres_available() -> bool:
    if "ok" not in _pg_state:
        try:
            if XDIST_WORKER:
                _create_worker_database()
            engine = make_engine(POSTGRES_URL)
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            engine.dispose()
            _pg_state["ok"] = True
        except OperationalError as exc:
            _pg_state["ok"] = False
            _pg_state["why"] = str(exc).splitlines()[0]
    return bool(_pg_state["ok"])


def pytest_report_header(config: pytest.Config) -> str:
    if _postgres_available():
        return f"PostgreSQL-tests: aan ({POSTGRES_URL})"
    return (
        f"PostgreSQL-tests: OVERGESLAGEN, geen server op {POSTGRES_URL} "
        f"({_pg_state.get('why')}); zet SCHAKEL_REQUIRE_POSTGRES=1 om te laten falen"
    )


def require_postgres() -> None:
    if not _postgres_available():
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL vereist maar niet bereikbaar: {POSTGRES_URL}")
        pytest.skip(f"geen PostgreSQL op {POSTGRES_URL}")


def _reset_postgres(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
        connection.execute(text("GRANT ALL ON SCHEMA public TO public"))


@pytest.fixture(scope="session")
def postgres_engine() -> Iterator[Engine]:
    require_postgres()
    engine = make_engine(POSTGRES_URL)
    _reset_postgres(engine)
    upgrade(engine)
    yield engine
    engine.dispose()


def _truncate_postgres(engine: Engine) -> None:
    with engine.begin() as connection:
        tables = (
            connection.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname='public' "
                    "AND tablename <> 'alembic_version'"
                )
            )
            .scalars()
            .all()
        )
        if tables:
            connection.execute(
                text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
            )


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty SQLite database (for tests that need one backend only)."""
    sqlite = make_engine(f"sqlite:///{tmp_path / 'schakel.db'}")
    upgrade(sqlite)
    yield sqlite
    sqlite.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """A migrated, empty database of each kind."""
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_engine")
    else:
        pg: Engine = request.getfixturevalue("postgres_engine")
        _truncate_postgres(pg)
        yield pg


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def world(factory: sessionmaker[Session]) -> World:
    return build_world(factory)


@pytest.fixture
def settings(engine: Engine, tmp_path: Path) -> Settings:
    return Settings(
        env=Environment.TEST,
        data_dir=tmp_path,
        database_url=engine.url.render_as_string(hide_password=False),
        secret_key="test-secret-key-0123456789",
        encryption_key="test-encryption-key-0123456789",
        linkage_key="test-linkage-key-0123456789",
        audit_signing_key=_SIGNING_SEED,
    )


@pytest.fixture
def client(settings: Settings, world: World) -> Iterator[TestClient]:
    from schakel.web.app import create_app

    app = create_app(settings)
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client
    app.state.engine.dispose()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under ``pytest -n N --dist loadgroup`` (``scripts/test``) the browser tests
    stay together on one worker, in file order: they share one live server, and
    the last of them (``test_zz_server_log``) greps that server's log for what the
    others did."""
    e2e = Path(__file__).parent / "e2e"
    for item in items:
        if item.path.is_relative_to(e2e):
            item.add_marker(pytest.mark.xdist_group("browser"))
