"""``schakel signals import`` and ``schakel match``, and ``schakel serve --workers``
with several processes on one embedded database, through real subprocesses."""

import json
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.cli.test_platform_cli import run

HEADER = "description,forms,given_name,surname,date_of_birth,phones\n"
GOOD = "Werkt 14 uur per dag,labour_exploitation,Jan,Proef,1990-01-01,0612345678\n"
BAD = "Slecht nummer,labour_exploitation,Piet,Proef,1991-01-01,12\n"


def _org_and_user(data_dir, org, slug, region="midden_nederland"):
    assert (
        run(data_dir, "org", "add", org, "--type", "municipality", "--region", region)
    ).returncode == 0
    added = run(
        data_dir,
        "user",
        "add",
        slug,
        "--org",
        org,
        "--role",
        "professional",
        env_extra={"SCHAKEL_NEW_PASSWORD": "een-lang-wachtwoord"},
    )
    assert added.returncode == 0, added.stderr


@pytest.fixture
def data_dir(tmp_path):
    assert run(tmp_path, "db", "upgrade").returncode == 0
    _org_and_user(tmp_path, "Gemeente Zwolle", "zwolle")
    _org_and_user(tmp_path, "Gemeente Ede", "ede", region="oost_nederland")
    return tmp_path


def test_import_reports_refused_rows_and_exits_2(data_dir):
    path = data_dir / "signalen.csv"
    path.write_text(HEADER + GOOD + BAD + GOOD, encoding="utf-8")
    done = run(data_dir, "signals", "import", str(path), "--user", "zwolle", "--json")
    assert done.returncode == 2, done.stderr
    report = json.loads(done.stdout)
    assert (report["rows_read"], report["saved"], report["refused_rows"]) == (3, 2, 1)
    assert report["errors"][0]["row"] == 3 and report["errors"][0]["column"] == "phones"
    human = run(data_dir, "signals", "import", str(path), "--user", "zwolle")
    assert "geweigerd: 1" in human.stderr and "phones" in human.stderr


def test_import_of_a_clean_xlsx_exits_0_and_the_queue_matches_it(data_dir):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for line in (HEADER, GOOD):
        sheet.append(line.strip().split(","))
    book.save(data_dir / "zwolle.xlsx")
    first = run(data_dir, "signals", "import", str(data_dir / "zwolle.xlsx"),
                "--user", "zwolle")  # fmt: skip
    assert first.returncode == 0, first.stderr
    (data_dir / "ede.csv").write_text(HEADER + GOOD, encoding="utf-8")
    second = run(data_dir, "signals", "import", str(data_dir / "ede.csv"),
                 "--user", "ede")  # fmt: skip
    assert second.returncode == 0, second.stderr
    status = json.loads(run(data_dir, "match", "status", "--json").stdout)
    assert status["pending"] == 2
    drained = run(data_dir, "match", "run")
    assert drained.returncode == 0 and "2 signalen" in drained.stderr
    assert json.loads(run(data_dir, "match", "status", "--json").stdout)["pending"] == 0
    assert run(data_dir, "audit", "verify").returncode == 0


def test_unusable_input_exits_2_and_saves_nothing(data_dir):
    path = data_dir / "kapot.xlsx"
    path.write_bytes(b"PK\x03\x04 kapot")
    done = run(data_dir, "signals", "import", str(path), "--user", "zwolle")
    assert done.returncode == 2 and "XLSX" in done.stderr
    missing = run(data_dir, "signals", "import", "nergens.csv", "--user", "zwolle")
    assert missing.returncode == 2 and "bestaat niet" in missing.stderr
    nobody = run(data_dir, "signals", "import", str(path), "--user", "niemand")
    assert nobody.returncode == 2 and "niemand" in nobody.stderr
    assert json.loads(run(data_dir, "match", "status", "--json").stdout)["pending"] == 0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow
def test_two_server_processes_share_one_embedded_database(data_dir):
    """Concurrent intake through two processes on SQLite: every request succeeds,
    the audit chain stays one chain, and the worker of either process matches.

    Eight clients against two request threads per process: more waiting requests
    than threads once deadlocked each process until SQLite's 30 s busy time-out (a
    request holding the write lock found no thread to finish on); requests now wait
    for admission in the event loop, so each answers well within the time-out."""
    tokens = {
        slug: run(data_dir, "user", "token", slug).stdout.strip()
        for slug in ("zwolle", "ede")
    }
    port = _free_port()
    env = {
        **os.environ,
        "SCHAKEL_DATA_DIR": str(data_dir),
        "SCHAKEL_WEB_THREADS": "2",
    }
    env.pop("SCHAKEL_DATABASE_URL", None)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "schakel",
            "serve",
            "--port",
            str(port),
            "--workers",
            "2",
            "--match-every",
            "0.2",
        ],  # fmt: skip
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if httpx.get(f"{url}/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)

        def post(n: int) -> int:
            slug = "zwolle" if n % 2 else "ede"
            body = {
                "signal": {
                    "forms": ["labour_exploitation"],
                    "description": "Meerdere processen (synthetisch).",
                    "phones": [f"06300000{n // 2:02d}"],
                },
                "submit": True,
            }
            headers = {"Authorization": f"Bearer {tokens[slug]}"}
            return httpx.post(
                f"{url}/api/v1/signals", json=body, headers=headers, timeout=20
            ).status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            codes = list(pool.map(post, range(40)))
        assert codes == [201] * 40
        deadline = time.monotonic() + 30
        pending = None
        while time.monotonic() < deadline:
            status = run(data_dir, "match", "status", "--json")
            pending = json.loads(status.stdout)["pending"]
            if pending == 0:
                break
            time.sleep(0.3)
        assert pending == 0, "the workers drained the queue"
    finally:
        server.terminate()
        server.wait(timeout=20)
    verified = run(data_dir, "audit", "verify")
    assert verified.returncode == 0, verified.stderr
    # 20 phone numbers, each in one Zwolle and one Ede signal: 20 hits, once each.
    import sqlite3

    with sqlite3.connect(data_dir / "schakel.db") as db:
        hits = db.execute(
            "SELECT count(*) FROM audit_entries WHERE action = 'match.hit'"
        ).fetchone()[0]
        alerts = db.execute("SELECT count(*) FROM match_alerts").fetchone()[0]
    assert (hits, alerts) == (20, 40)
