"""No secrets or personal data in the server's log.

Named ``zz`` so that it runs after the other browser tests of the session and reads
the log they produced; it also makes its own traffic (log-ins that succeed and fail,
a form post, a missing page), so it proves something when run alone too.

The personal data looked for are those of the demo's synthetic persons, read from
the scenario (so a new person or field is covered without editing this test), as
written there and in the normalised forms the platform stores and shows.
"""

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest

from schakel.linkage import InvalidValue, normalise
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


#: Scenario keys holding one identifying value of a person, and their kind.
PERSON_FIELDS = {
    "given_name": "name",
    "surname": "name",
    "date_of_birth": "date",
    "bsn": "bsn",
    "handle": "handle",
}
#: Scenario keys holding a list of identifiers, and their kind.
IDENTIFIER_LISTS = {
    "phones": "phone",
    "emails": "email",
    "ibans": "iban",
    "plates": "plate",
}


def _forms(kind: str, value: str) -> set[str]:
    """The value as written and as the platform normalises it (E.164 phone, ISO
    and Dutch dates, compact IBAN and plate); a name also without "(demo)"."""
    forms = {value, value.removesuffix(" (demo)")}
    if kind in ("date", "phone", "email", "iban", "plate", "bsn"):
        try:
            normal = normalise(kind, value)
        except InvalidValue:
            return forms
        forms.add(normal)
        if kind == "date":
            year, month, day = normal.split("-")
            forms.add(f"{day}-{month}-{year}")
        if kind == "phone" and normal.startswith("+31"):
            forms.add("0" + normal.removeprefix("+31"))
    return forms


def _demo_personal_data() -> set[str]:
    """Every identifying value of a synthetic person in the demo scenario."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        if not isinstance(node, dict):
            return
        for key, value in node.items():
            if key in PERSON_FIELDS and isinstance(value, str | int):
                found.update(_forms(PERSON_FIELDS[key], str(value)))
            elif key in IDENTIFIER_LISTS and isinstance(value, list):
                for item in value:
                    found.update(_forms(IDENTIFIER_LISTS[key], str(item)))
            else:
                walk(value)

    data = scenario()
    walk({k: v for k, v in data.items() if k not in ("roles", "surnames")})
    # The synthetic population of the registry: names drawn at random.
    population = data["registrations"]
    found.update(population["given_names"], population["surnames"])
    return {v for v in found if v.strip()}


def _found(value: str, log: str) -> bool:
    """Whether ``value`` stands in the log as a word of its own, so that a short
    name is not "found" inside a random token or a longer word."""
    pattern = rf"(?<![0-9A-Za-z]){re.escape(value)}(?![0-9A-Za-z])"
    return re.search(pattern, log) is not None


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
    personal = _demo_personal_data()
    # Persons, dates of birth, phones (also E.164), plates, handles and the
    # registry's population: some eighty values, so not an empty check.
    assert len(personal) >= 60, sorted(personal)
    assert {"Daria", "Testescu", "+31620000001", "2001-03-09", "12XYZ3"} <= personal
    leaked = sorted(v for v in personal if _found(v, log))
    assert not leaked, f"personal data of the demo in server.log: {leaked[:3]}"
