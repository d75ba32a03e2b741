"""Bulk import (CSV and XLSX) on both backends: valid rows kept, invalid rows reported
with row, column and reason and not half-saved, one audit entry per chunk without
personal data, matching left to the queue."""

import datetime as dt
import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from schakel.errors import InvalidInput
from schakel.services import accounts, match_queue, signal_import
from schakel.store.models import (
    AuditEntry,
    MatchAlert,
    MatchJob,
    PersonEncoding,
    Signal,
    SignalToken,
)
from schakel.store.tenancy import Scope, scoped_transaction
from tests.factory import keys_for_tests, user_id

KEYS = keys_for_tests()
HEADER = [
    "description",
    "forms",
    "indicators",
    "given_name",
    "surname",
    "date_of_birth",
    "phones",
    "ibans",
]
LABOUR = "labour_exploitation"
GOOD = [
    "Werkt 14 uur per dag",
    LABOUR,
    "excessive_hours",
    "Jan",
    "Proef",
    "1990-01-01",
    "0612345678",
    "",
]
BAD_PHONE = ["Slecht nummer", LABOUR, "", "Piet", "Proef", "1991-01-01", "12", ""]
BAD_CODE = ["Code", LABOUR, "nationaliteit", "Kees", "P", "1992-01-01", "", ""]
BAD_IBAN = ["IBAN", LABOUR, "", "Ans", "P", "1993-01-01", "", "NL00RABO0123456789"]
INCOMPLETE = ["", "", "", "", "", "", "0687654321", ""]


def _csv(rows):
    lines = [",".join(HEADER)] + [",".join(r) for r in rows]
    return io.BytesIO(("\n".join(lines) + "\n").encode("utf-8"))


def _xlsx(rows, header=HEADER):
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def _import(world, stream, **kwargs):
    with scoped_transaction(world.factory, Scope.for_org(world.a.id)) as session:
        actor = accounts.actor_for(session, user_id(world, "utrecht.medewerker"))
        rows = signal_import.read_file(stream)
        return signal_import.import_rows(session, actor, rows, KEYS, **kwargs)


def _counts(world, ids):
    with scoped_transaction(world.factory, Scope.system_wide()) as session:

        def count(model, column):
            return session.scalar(
                select(func.count()).select_from(model).where(column.in_(ids))
            )

        return (
            count(Signal, Signal.id),
            count(SignalToken, SignalToken.signal_id),
            count(PersonEncoding, PersonEncoding.signal_id),
            count(MatchJob, MatchJob.signal_id),
        )


def _saved_ids(world, before):
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        return list(session.scalars(select(Signal.id).where(Signal.id > before)))


def _max_id(world):
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        return session.scalar(select(func.max(Signal.id))) or 0


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_valid_rows_kept_bad_rows_reported_and_not_half_saved(world, kind):
    before = _max_id(world)
    rows = [GOOD, BAD_PHONE, BAD_CODE, BAD_IBAN, INCOMPLETE, GOOD]
    report = _import(world, _csv(rows) if kind == "csv" else _xlsx(rows))
    assert (report.rows_read, report.saved, report.error_rows) == (6, 2, 4)
    assert {(e.row, e.column) for e in report.errors} == {
        (3, "phones"),
        (4, "indicators"),
        (5, "ibans"),
        (6, "rij"),
    }
    saved = _saved_ids(world, before)
    # Two signals, each with its phone token, person encoding and matching job;
    # nothing of the four refused rows.
    assert _counts(world, saved) == (2, 2, 2, 2)


def test_one_audit_entry_per_chunk_lists_the_ids_without_personal_data(
    world, monkeypatch
):
    monkeypatch.setattr(signal_import, "CHUNK_ROWS", 2)
    before = _max_id(world)
    report = _import(world, _csv([GOOD] * 5))
    assert report.saved == 5
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        batches = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "signal.import.batch")
        ).all()
        summary = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "signal.import")
        ).one()
    assert [len(b.detail["signal_ids"]) for b in batches] == [2, 2, 1]
    assert sorted(i for b in batches for i in b.detail["signal_ids"]) == _saved_ids(
        world, before
    )
    assert summary.detail == {"rows": 5, "saved": 5, "errors": 0}
    text = repr([b.detail for b in batches]) + repr(summary.detail)
    assert "Proef" not in text and "612345678" not in text


def test_imported_signals_are_matched_from_the_queue(world):
    before = _max_id(world)
    _import(world, _csv([GOOD]))
    with scoped_transaction(world.factory, Scope.for_org(world.b.id)) as session:
        actor = accounts.actor_for(session, user_id(world, "avim.medewerker"))
        rows = signal_import.read_file(_csv([GOOD]))
        signal_import.import_rows(session, actor, rows, KEYS)
    assert match_queue.run_pending(world.factory) == 2
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        kinds = session.scalars(
            select(MatchAlert.kind).where(
                MatchAlert.signal_id == before + 2,
                MatchAlert.other_signal_id == before + 1,
            )
        ).all()
    assert sorted(kinds) == ["person", "phone"]


def test_xlsx_cells_become_text_and_blank_rows_are_skipped(world):
    before = _max_id(world)
    born = dt.datetime(1990, 1, 1)
    stream = _xlsx(
        [
            ["Datumcel", LABOUR, "excessive_hours", "Jan", "Proef", born, "", ""],
            [None] * 8,
            ["Getalcel", LABOUR, "", "Jan", "Proef", "1990-01-01", 612345678, ""],
            ["Foute datum", LABOUR, "", "Jan", "Proef", 1990.5, "", ""],
        ]
    )
    report = _import(world, stream)
    assert (report.rows_read, report.saved) == (3, 2)
    assert [(e.row, e.column) for e in report.errors] == [(5, "date_of_birth")]
    assert len(_saved_ids(world, before)) == 2


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: io.BytesIO(b"omschrijving,kleur\nx,rood\n"), "onbekende kolommen"),
        (lambda: io.BytesIO("description\ncaf\xe9\n".encode("latin-1")), "UTF-8"),
        (lambda: io.BytesIO(b"PK\x03\x04 geen echte zip"), "XLSX"),
        (lambda: _xlsx([["x"]], header=["omschrijving"]), "onbekende kolommen"),
    ],
)
def test_unreadable_files_are_refused_before_anything_is_saved(world, make, message):
    before = _max_id(world)
    with pytest.raises(InvalidInput, match=message):
        _import(world, make())
    assert _saved_ids(world, before) == []


def test_the_upload_limits_hold(world):
    with scoped_transaction(world.factory, Scope.for_org(world.a.id)) as session:
        actor = accounts.actor_for(session, user_id(world, "utrecht.medewerker"))
        with pytest.raises(InvalidInput, match="rijen"):
            signal_import.import_rows(
                session,
                actor,
                signal_import.read_file(_csv([GOOD] * 3)),
                KEYS,
                max_rows=2,
            )
        session.rollback()
    with scoped_transaction(world.factory, Scope.for_org(world.a.id)) as session:
        actor = accounts.actor_for(session, user_id(world, "utrecht.medewerker"))
        with pytest.raises(InvalidInput, match="leeg"):
            signal_import.import_file(session, actor, io.BytesIO(b""), KEYS)


def test_only_the_first_errors_are_kept(world, monkeypatch):
    monkeypatch.setattr(signal_import, "MAX_ERRORS_KEPT", 3)
    report = _import(world, _csv([BAD_PHONE] * 5))
    assert report.error_rows == 5 and len(report.errors) == 3
    assert report.errors_truncated


def test_a_broken_csv_structure_is_refused_before_any_row_is_saved(world):
    before = _max_id(world)
    body = "description,forms\n" + f"Goed,{LABOUR}\n" + "x" * 200_000 + ",a\n"
    with pytest.raises(InvalidInput, match="rij 3"):
        _import(world, io.BytesIO(body.encode()))
    assert _saved_ids(world, before) == []
