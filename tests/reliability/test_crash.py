"""Crash safety: SIGKILL the real server in the middle of a stream of writes.

A real ``schakel serve`` process takes signal intakes (``POST /api/v1/signals`` with
an API token, several clients at once) and CSV bulk imports (``POST
/signalen/import`` with a browser session); once an import has gone through, it
is killed with SIGKILL at a random moment while intakes and the next import are in
flight, is started again, and so on for a few rounds (``SCHAKEL_CRASH_ROUNDS``,
default 3). Afterwards:

- every acknowledged write is there and decrypts: each signal answered with 201,
  each import answered with its report (all its valid rows), read back both from the
  database and through the API of the restarted server;
- nothing is half-written: every stored signal decrypts, has the match tokens and
  person encoding its content calls for and its ``signal.create`` audit entry (and
  every such entry its signal); an import is there with all its valid rows or not
  at all, never with its invalid row; every hit alert points at stored signals;
- ``schakel audit verify`` accepts the hash chain and its signed checkpoints.

It runs on SQLite and on PostgreSQL. It writes only through the HTTP API and the
import page, and checks through the API, the CLI and the stored rows (waiting a
little after the restart for anything the server completes in the background), so it
holds whatever the intake does inside (more workers, a queue).
"""

import datetime as dt
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

import schakel
from schakel.audit import new_seed
from schakel.services import accounts
from schakel.services import signals as signal_service
from schakel.services.keys import KeyMaterial
from schakel.settings import Settings
from schakel.store.db import make_engine, make_session_factory
from schakel.store.migrate import upgrade
from schakel.store.models import (
    AuditEntry,
    MatchAlert,
    PersonEncoding,
    Signal,
    SignalToken,
)
from schakel.store.tenancy import Scope, scoped_transaction
from schakel.vocabulary import OrgType, Region, Role
from tests.conftest import POSTGRES_URL, require_postgres

pytestmark = pytest.mark.slow

ROUNDS = int(os.environ.get("SCHAKEL_CRASH_ROUNDS", "3"))
INTAKE_CLIENTS = 3
IMPORT_ROWS = 12  # per upload, one of them invalid
PASSWORD = "crash-test-wachtwoord-1"
USERNAME = "crash.medewerker"
SECRETS = {
    "SCHAKEL_SECRET_KEY": "crash-secret-key-0123456789",
    "SCHAKEL_ENCRYPTION_KEY": "crash-encryption-key-0123456789",
    "SCHAKEL_LINKAGE_KEY": "crash-linkage-key-0123456789",
}
#: How long the server may take to catch up after a restart (e.g. a queue).
SETTLE_SECONDS = 20


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'schakel.db'}"
        return
    require_postgres()
    base = make_url(POSTGRES_URL)
    name = f"schakel_rel_crash_{base.database}"
    admin = make_engine(
        base.set(database="postgres").render_as_string(hide_password=False)
    ).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


@dataclass
class Ledger:
    """What the server acknowledged, and what was sent (acknowledged or not)."""

    signals: dict[str, int] = field(default_factory=dict)  # marker -> id
    imports: set[str] = field(default_factory=set)  # batch markers
    sent_batches: set[str] = field(default_factory=set)
    refused: list[str] = field(default_factory=list)  # 4xx/5xx while alive
    lock: threading.Lock = field(default_factory=threading.Lock)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """``schakel serve`` in its own process group, so SIGKILL reaches all of it."""

    def __init__(self, env: dict[str, str], workdir: Path) -> None:
        self.env, self.workdir = env, workdir
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        log = open(self.workdir / f"server-{self.starts}.log", "wb")  # noqa: SIM115
        with log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "schakel", "serve", "--port", str(self.port)],
                env=self.env,
                cwd=self.workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.starts += 1
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log()
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise AssertionError(f"server did not start: {self.log()}")

    def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.kill()

    def log(self) -> str:
        return (self.workdir / f"server-{self.starts}.log").read_text(errors="replace")


def _cli(
    env: dict[str, str], workdir: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "schakel", *args],
        env=env,
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _birth_date(lane: int, number: int) -> str:
    days = (lane * 997 + number * 3) % 20_000  # 1940 … 1994
    return (dt.date(1940, 1, 1) + dt.timedelta(days=days)).isoformat()


def _intake_body(marker: str, lane: int, number: int) -> dict[str, object]:
    """A signal with one person (name + date of birth) and one phone number,
    shared with the next signal of the same client so that hits are raised too."""
    return {
        "signal": {
            "source": "inspection",
            "forms": ["labour_exploitation"],
            "indicators": ["excessive_hours"],
            "description": f"Crashtest (synthetisch) {marker}",
            "persons": [
                {
                    "roles": ["possible_victim"],
                    "given_name": "Crash",
                    "surname": f"Test{number}",
                    "date_of_birth": _birth_date(lane, number),
                }
            ],
            "phones": [f"06{lane:02d}{number // 2:06d}"],
        }
    }


def _import_csv(batch: str, lane: int, number: int) -> bytes:
    lines = ["description,given_name,surname,date_of_birth,phones,forms"]
    for row in range(IMPORT_ROWS - 1):
        serial = number * IMPORT_ROWS + row
        lines.append(
            f"Importtest {batch}-r{row},Import,Rij{serial},"
            f"{_birth_date(lane, serial)},06{lane:02d}{serial:06d},labour_exploitation"
        )
    # Invalid (an unknown exploitation form): reported, never stored.
    lines.append(f"Importtest {batch}-ongeldig,,,,,geen_vorm")
    return ("\n".join(lines) + "\n").encode()


def _intake(
    url: str, token: str, lane: int, ledger: Ledger, stop: threading.Event
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, timeout=30) as client:
        for number in range(10_000):
            if stop.is_set():
                return
            marker = f"l{lane}-{number}"
            try:
                answer = client.post(
                    "/api/v1/signals",
                    json=_intake_body(marker, lane, number),
                    headers=headers,
                )
            except httpx.HTTPError:
                return  # the server is gone
            with ledger.lock:
                if answer.status_code == 201:
                    ledger.signals[marker] = answer.json()["id"]
                else:
                    ledger.refused.append(f"{answer.status_code} {answer.text[:200]}")


def _log_in(client: httpx.Client) -> str:
    """Log in and open the import page at once: the session must already exist."""
    answer = client.post("/login", data={"username": USERNAME, "password": PASSWORD})
    assert answer.status_code == 303, answer.text[:300]
    page = client.get("/signalen/import")
    match = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert match, f"the session of the log-in was not there: {page.status_code}"
    return match.group(1)


def _imports(url: str, lane: int, ledger: Ledger, stop: threading.Event) -> None:
    with httpx.Client(base_url=url, timeout=30, follow_redirects=False) as client:
        try:
            csrf = _log_in(client)
        except httpx.HTTPError:
            return
        except AssertionError as exc:
            with ledger.lock:
                ledger.refused.append(f"log-in: {exc}")
            return
        for number in range(10_000):
            if stop.is_set():
                return
            batch = f"l{lane}-{number}"
            with ledger.lock:
                ledger.sent_batches.add(batch)
            try:
                answer = client.post(
                    "/signalen/import",
                    data={"csrf_token": csrf},
                    files={
                        "bestand": (
                            "crash.csv",
                            _import_csv(batch, lane, number),
                            "text/csv",
                        )
                    },
                )
            except httpx.HTTPError:
                return
            saved = re.search(r"opgeslagen: <strong>(\d+)</strong>", answer.text)
            with ledger.lock:
                if answer.status_code == 200 and saved:
                    ledger.imports.add(batch)
                    if int(saved.group(1)) != IMPORT_ROWS - 1:
                        ledger.refused.append(f"{batch}: {saved.group(0)}")
                else:
                    ledger.refused.append(f"{answer.status_code} {answer.text[:200]}")


def _prepare(database_url: str) -> str:
    """Schema, one municipality, one professional with an API token."""
    engine = make_engine(database_url)
    upgrade(engine)
    factory = make_session_factory(engine)
    with scoped_transaction(factory, Scope.system_wide()) as session:
        org = accounts.add_organisation(
            session,
            name="Gemeente Crashtest",
            org_type=OrgType.MUNICIPALITY,
            region=Region.MIDDEN_NEDERLAND,
            municipality="Crashtest",
        )
        user = accounts.add_user(
            session,
            org=org,
            username=USERNAME,
            display_name="Crash Test",
            password=PASSWORD,
            roles=[Role.PROFESSIONAL],
        )
        token = accounts.create_api_token(session, user, "crashtest")
    engine.dispose()
    return token


def test_sigkill_during_intake_and_import_loses_nothing_acknowledged(
    database_url: str, tmp_path: Path
) -> None:
    token = _prepare(database_url)
    signing_key = new_seed()
    # The server must run this very checkout, whatever else is installed.
    source = str(Path(schakel.__file__).resolve().parent.parent)
    path = os.pathsep.join(filter(None, [source, os.environ.get("PYTHONPATH")]))
    env = {
        **os.environ,
        **SECRETS,
        "PYTHONPATH": path,
        "SCHAKEL_ENV": "test",
        "SCHAKEL_DATA_DIR": str(tmp_path),
        "SCHAKEL_DATABASE_URL": database_url,
        "SCHAKEL_AUDIT_SIGNING_KEY": signing_key,
        "SCHAKEL_AUDIT_CHECKPOINT_EVERY": "25",
        "SCHAKEL_RETENTION_INTERVAL_MINUTES": "0",
    }
    server = Server(env, tmp_path)
    ledger = Ledger()
    chance = random.Random(20261122)
    try:
        for round_number in range(ROUNDS):
            server.start()
            stop = threading.Event()
            threads = [
                threading.Thread(
                    target=_intake,
                    args=(
                        server.url,
                        token,
                        round_number * INTAKE_CLIENTS + c,
                        ledger,
                        stop,
                    ),
                )
                for c in range(INTAKE_CLIENTS)
            ]
            threads.append(
                threading.Thread(
                    target=_imports,
                    args=(server.url, 90 + round_number, ledger, stop),
                )
            )
            imported = len(ledger.imports)
            for thread in threads:
                thread.start()
            # Let an import through first (so every round proves one), then kill
            # at a random moment while intakes and the next import are in flight.
            waited = time.monotonic() + 10
            while len(ledger.imports) == imported and time.monotonic() < waited:
                time.sleep(0.05)
            time.sleep(chance.uniform(0.1, 1.5))
            server.kill()
            stop.set()
            for thread in threads:
                thread.join(timeout=60)
        server.start()
        _check_through_the_api(server.url, token, ledger)
    finally:
        server.stop()
    assert not ledger.refused, ledger.refused[:5]
    assert len(ledger.signals) >= ROUNDS * 5, "too few writes to prove anything"
    assert len(ledger.imports) >= ROUNDS, "too few imports acknowledged"
    _check_the_store(database_url, ledger)
    verified = _cli(env, tmp_path, "audit", "verify")
    assert verified.returncode == 0, verified.stderr
    assert "Auditketen intact" in verified.stderr


def _check_through_the_api(url: str, token: str, ledger: Ledger) -> None:
    """The restarted server reads back a sample of acknowledged signals."""
    headers = {"Authorization": f"Bearer {token}"}
    acknowledged = sorted(ledger.signals.items())
    sample = random.Random(7).sample(acknowledged, min(10, len(acknowledged)))
    with httpx.Client(base_url=url, timeout=30) as client:
        for marker, signal_id in sample:
            answer = client.get(f"/api/v1/signals/{signal_id}", headers=headers)
            assert answer.status_code == 200, (marker, answer.text[:300])
            assert answer.json()["content"]["description"].endswith(marker)


def _check_the_store(database_url: str, ledger: Ledger) -> None:
    settings = Settings(
        encryption_key=SECRETS["SCHAKEL_ENCRYPTION_KEY"],
        linkage_key=SECRETS["SCHAKEL_LINKAGE_KEY"],
    )
    keys = KeyMaterial.from_settings(settings)
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:
        problems = _half_written(factory, keys, ledger)
        if not problems or time.monotonic() > deadline:
            break
        time.sleep(1)  # a queue may still be catching up after the restart
    engine.dispose()
    assert not problems, "\n".join(problems[:20])


def _half_written(
    factory: sessionmaker[Session], keys: KeyMaterial, ledger: Ledger
) -> list[str]:
    problems: list[str] = []
    with scoped_transaction(factory, Scope.system_wide()) as session:
        rows = list(session.scalars(select(Signal)))
        tokens: dict[int, list[str]] = {}
        for signal_id, kind in session.execute(
            select(SignalToken.signal_id, SignalToken.kind)
        ):
            tokens.setdefault(signal_id, []).append(kind)
        encodings: dict[int, int] = {}
        for (signal_id,) in session.execute(select(PersonEncoding.signal_id)):
            encodings[signal_id] = encodings.get(signal_id, 0) + 1
        audited = {
            int(ref)
            for (ref,) in session.execute(
                select(AuditEntry.object_ref).where(
                    AuditEntry.action == "signal.create"
                )
            )
        }
        # A bulk import audits each chunk of signals in one entry that names them.
        for (detail,) in session.execute(
            select(AuditEntry.detail).where(AuditEntry.action == "signal.import.batch")
        ):
            audited.update(int(i) for i in detail["signal_ids"])
        imports = session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "signal.import")
        )
        alerts = list(
            session.execute(select(MatchAlert.signal_id, MatchAlert.other_signal_id))
        )
    stored: dict[str, int] = {}
    batches: dict[str, int] = {}
    for row in rows:
        try:
            description = signal_service.decrypt(row, keys).description
        except Exception as exc:  # noqa: BLE001 - any failure is a finding
            problems.append(f"signal {row.id} does not decrypt: {exc!r}")
            continue
        if description.startswith("Importtest "):
            marker = description.removeprefix("Importtest ")
            if marker.endswith("-ongeldig"):
                problems.append(f"invalid import row stored as signal {row.id}")
            batch = marker.rsplit("-r", 1)[0]
            batches[batch] = batches.get(batch, 0) + 1
        else:
            stored[description.removeprefix("Crashtest (synthetisch) ")] = row.id
        if row.status != signal_service.SUBMITTED:
            problems.append(f"signal {row.id} is {row.status}, not submitted")
        if tokens.get(row.id) != ["phone"]:
            problems.append(f"signal {row.id} has tokens {tokens.get(row.id)}")
        if encodings.get(row.id) != 1:
            problems.append(f"signal {row.id} has {encodings.get(row.id)} encodings")
    ids = {row.id for row in rows}
    for marker, signal_id in ledger.signals.items():
        if stored.get(marker) != signal_id:
            problems.append(f"acknowledged signal {marker} ({signal_id}) is missing")
    for batch in ledger.imports:
        if batches.get(batch) != IMPORT_ROWS - 1:
            problems.append(f"acknowledged import {batch}: {batches.get(batch)} rows")
    for batch, count in batches.items():
        if count != IMPORT_ROWS - 1:
            problems.append(f"import {batch} half stored: {count} rows")
        if batch not in ledger.sent_batches:
            problems.append(f"import {batch} was never sent")
    if audited != ids:
        problems.append(
            f"signal audit without signal: {sorted(audited - ids)[:5]}; "
            f"signal without audit: {sorted(ids - audited)[:5]}"
        )
    if imports != len(batches):
        problems.append(f"{imports} import audit entries for {len(batches)} imports")
    for mine, theirs in alerts:
        if mine not in ids or theirs not in ids:
            problems.append(f"hit alert between {mine} and {theirs}: missing signal")
    return problems
