"""No secrets or personal data in the server's log.

Named ``zz`` so that it runs after the other browser tests of the session and reads
the log they produced; it also makes its own traffic (log-ins that succeed and fail,
a form post, a missing page), so it proves something when run alone too.
"""

import json
import sqlite3
from pathlib import Path

import httpx
import pytest

from schakel.services.demo import demo_password, scenario

pytestmark = pytest.mark.e2e


def _data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.getbasetemp()
    found = {p.resolve() for p in base.glob("e2e-data*/server.log")}
    assert len(found) == 1, f"expected one live-server log, found {found}"
    return found.pop().parent


def _traffic(url: str) -> None:
    with httpx.Client(base_url=url, follow_redirects=False, timeout=30) as http:
        http.post("/login", data={"username": "utrecht.medewerker", "password": "fout"})
        ok = http.post(
            "/login",
            data={"username": "utrecht.medewerker", "password": demo_password()},
        )
        assert ok.status_code == 303
        http.get("/")
        http.post("/mag-ik-dit-delen", data={"recipient": "police"})
        http.get("/bestaat-niet")
        http.get("/verantwoordingen/99999999999999999999")


def test_server_log_holds_no_password_keys_or_names(live_server, tmp_path_factory):
    _traffic(live_server)
    data_dir = _data_dir(tmp_path_factory)
    log = (data_dir / "server.log").read_text("utf-8", errors="replace")
    assert f"Schakel draait op {live_server}" in log, "not this server's log"
    keys = json.loads((data_dir / "secrets.json").read_text("utf-8"))
    with sqlite3.connect(data_dir / "schakel.db") as db:
        names = [row[0] for row in db.execute("SELECT display_name FROM users")]
    assert len(names) == 4 * len(scenario()["organisations"])
    forbidden = {
        "demo password": [demo_password()],
        "secrets.json": [str(v) for v in keys.values()],
        "display names": names,
    }
    for what, values in forbidden.items():
        leaked = [v for v in values if v and v in log]
        assert not leaked, f"{what} in server.log: {leaked[:3]}"
