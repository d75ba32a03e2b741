"""Bulk import of signals from CSV: valid rows are kept, invalid rows are reported
(row number, column, reason) and never half-saved — each row runs in its own
savepoint inside the one transaction of the upload."""

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from schakel.errors import InvalidInput
from schakel.services import signals as signal_service
from schakel.services.actor import Actor
from schakel.services.keys import KeyMaterial
from schakel.signals import SignalInput
from schakel.store import audit_log

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
LIST_SEPARATOR = ";"
COLUMNS = (
    "source",
    "observed_on",
    "municipality",
    "forms",
    "indicators",
    "urgency",
    "description",
    "role",
    "given_name",
    "surname",
    "date_of_birth",
    "bsn",
    "phones",
    "emails",
    "ibans",
    "plates",
    "addresses",
)
REQUIRED = ("description",)


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    reason: str


@dataclass
class ImportReport:
    rows_read: int = 0
    saved: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(LIST_SEPARATOR) if part.strip()]


def row_to_input(row: dict[str, str]) -> dict[str, Any]:
    """One CSV row in the shape of :class:`SignalInput`."""
    person = {
        k: row.get(k, "").strip() or None
        for k in ("given_name", "surname", "date_of_birth", "bsn")
    }
    raw: dict[str, Any] = {
        "source": row.get("source", "").strip() or "inspection",
        "observed_on": row.get("observed_on", "").strip() or None,
        "municipality": row.get("municipality", "").strip() or None,
        "forms": _split(row.get("forms", "")),
        "indicators": _split(row.get("indicators", "")),
        "urgency": row.get("urgency", "").strip() or "normal",
        "description": row.get("description", "").strip(),
    }
    if any(person.values()):
        raw["persons"] = [
            {**person, "roles": [row.get("role", "").strip() or "possible_victim"]}
        ]
    for name in ("phones", "emails", "ibans", "plates", "addresses"):
        raw[name] = _split(row.get(name, ""))
    return raw


def _column_of(loc: tuple[Any, ...]) -> str:
    if loc[:1] == ("persons",) and len(loc) >= 3:
        return "role" if loc[2] == "roles" else str(loc[2])
    return str(loc[0]) if loc else "rij"


def import_csv(
    session: Session, actor: Actor, data: bytes, keys: KeyMaterial
) -> ImportReport:
    """Import ``data`` (UTF-8 CSV with a header); see :data:`COLUMNS`."""
    if len(data) > MAX_BYTES:
        raise InvalidInput(f"bestand: maximaal {MAX_BYTES // (1024 * 1024)} MB.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"bestand: geen geldige UTF-8 (byte {exc.start}).") from None
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    unknown = [c for c in header if c not in COLUMNS]
    missing = [c for c in REQUIRED if c not in header]
    if not header or unknown or missing:
        raise InvalidInput(
            "kopregel: "
            + "; ".join(
                filter(
                    None,
                    [
                        f"onbekende kolommen {', '.join(unknown)}" if unknown else "",
                        f"ontbrekende kolommen {', '.join(missing)}" if missing else "",
                        "leeg bestand" if not header else "",
                    ],
                )
            )
            + f". Toegestane kolommen: {', '.join(COLUMNS)}."
        )
    report = ImportReport()
    for number, row in enumerate(reader, start=2):
        report.rows_read += 1
        if report.rows_read > MAX_ROWS:
            raise InvalidInput(f"bestand: maximaal {MAX_ROWS} rijen.")
        if None in row:
            report.errors.append(RowError(number, "rij", "meer velden dan kolommen"))
            continue
        try:
            content = SignalInput.model_validate(row_to_input(row))
        except ValidationError as exc:
            for error in exc.errors():
                message = str(error.get("msg", "")).removeprefix("Value error, ")
                report.errors.append(
                    RowError(number, _column_of(tuple(error.get("loc", ()))), message)
                )
            continue
        try:
            with session.begin_nested():
                saved = signal_service.save(session, actor, content, keys, submit=True)
                report.saved.append(saved.id)
        except InvalidInput as exc:
            report.errors.append(RowError(number, "rij", str(exc)))
    audit_log.append(
        session,
        "signal.import",
        actor_user_id=actor.user_id,
        org_id=actor.org_id,
        object_type="import",
        detail={
            "rows": report.rows_read,
            "saved": len(report.saved),
            "errors": len(report.errors),
        },
    )
    return report
