"""Bulk import of signals from CSV or XLSX, with a per-row error report.

Valid rows are kept; every invalid row is reported with its row number, column and
reason, and nothing of it is saved: all rows are validated (and checked for
completeness) before anything is written, so a row is either saved whole or not at
all. The file is read as a stream (CSV through the csv module, XLSX through
openpyxl's read-only mode), and valid rows are written in chunks of
:data:`CHUNK_ROWS`: one multi-row insert each for the signals, their keyed tokens,
their person encodings and their matching jobs, and one audit entry per chunk
listing the new signal ids (no personal data). Memory stays bounded by the chunk
and by :data:`MAX_ERRORS_KEPT`, whatever the size of the file. Hit/no-hit matching
runs afterwards from the queue (:mod:`schakel.services.match_queue`).

The web upload runs in one transaction (limits :data:`MAX_BYTES`,
:data:`MAX_ROWS`); ``schakel signals import`` commits after every chunk and shows
its progress.
"""

import codecs
import csv
import datetime as dt
import io
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import IO, Any

from pydantic import ValidationError
from sqlalchemy import insert
from sqlalchemy.orm import Session

from schakel.clock import utcnow
from schakel.errors import InvalidInput
from schakel.linkage import Encoder
from schakel.services import match_queue, matching
from schakel.services import signals as signal_service
from schakel.services.actor import Actor
from schakel.services.keys import KeyMaterial
from schakel.signals import SignalInput
from schakel.store import audit_log
from schakel.store.models import Organisation, PersonEncoding, Signal, SignalToken

#: Limits of an upload through the web page (the command line has none).
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
#: Rows written (and, on the command line, committed) together.
CHUNK_ROWS = 500
#: Row errors kept for the report; further ones are only counted.
MAX_ERRORS_KEPT = 1000
LIST_SEPARATOR = ";"
FORMATS = ("csv", "xlsx")
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
_XLSX_MAGIC = b"PK\x03\x04"
#: The last row an XLSX sheet can have. Row numbers come from the file, so
#: without this bound a hand-made sheet of a few kB that jumps to row 10^11 has
#: the reader yield every empty row in between (the upload never finishes).
XLSX_MAX_ROW = 1_048_576
#: Columns read of each XLSX row: the table's columns with room to spare, so a
#: note a few columns to the right still has its row reported. Cells further
#: right are not read, or a few kB that put an empty cell in the last column
#: (XFD) of every row would cost 16384 cells a row.
XLSX_COLUMNS_READ = 64
#: What a damaged or hand-made workbook raises inside openpyxl and the zip and XML
#: readers under it, none of which is documented (found by
#: tests/services/test_signal_import_fuzz.py): a broken zip entry (zlib.error,
#: EOFError, RuntimeError for an encrypted entry or, as NotImplementedError, an
#: unknown compression method), malformed XML (ParseError is a SyntaxError) and
#: cell values or references that do not parse (ValueError, IndexError, KeyError,
#: OverflowError), and XML attributes openpyxl does not know (TypeError).
_XLSX_ERRORS: tuple[type[Exception], ...] = (
    zlib.error,
    EOFError,
    RuntimeError,
    SyntaxError,
    ValueError,
    IndexError,
    KeyError,
    OverflowError,
    TypeError,
    OSError,
)


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    reason: str


@dataclass
class ImportReport:
    """Rows read and saved, and the row errors (the first :data:`MAX_ERRORS_KEPT`)."""

    rows_read: int = 0
    saved: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_rows: int = 0
    error_count: int = 0
    signal_ids_first: int | None = None
    signal_ids_last: int | None = None

    @property
    def errors_truncated(self) -> bool:
        return self.error_count > len(self.errors)

    def add_errors(self, errors: list[RowError]) -> None:
        self.error_rows += 1
        self.error_count += len(errors)
        room = MAX_ERRORS_KEPT - len(self.errors)
        self.errors += errors[: max(room, 0)]


#: One data row: its number in the file and its cells by column (``None`` when the
#: row has more cells than the header has columns).
Rows = Iterator[tuple[int, dict[str, str] | None]]


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(LIST_SEPARATOR) if part.strip()]


def row_to_input(row: dict[str, str]) -> dict[str, Any]:
    """One row in the shape of :class:`SignalInput`."""
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


def validate_row(
    number: int, row: dict[str, str] | None
) -> SignalInput | list[RowError]:
    """The row as a complete signal, or its errors (row number, column, reason)."""
    if row is None:
        return [RowError(number, "rij", "meer velden dan kolommen")]
    try:
        content = SignalInput.model_validate(row_to_input(row))
    except ValidationError as exc:
        return [
            RowError(
                number,
                _column_of(tuple(error.get("loc", ()))),
                str(error.get("msg", "")).removeprefix("Value error, "),
            )
            for error in exc.errors()
        ]
    try:
        signal_service.check_complete(content)
    except InvalidInput as exc:
        return [RowError(number, "rij", str(exc))]
    return content


# ------------------------------------------------------------------------- readers


def _check_header(header: list[str]) -> list[str]:
    unknown = [c for c in header if c not in COLUMNS]
    missing = [c for c in REQUIRED if c not in header]
    if not header or unknown or missing:
        problems = [
            f"onbekende kolommen {', '.join(unknown)}" if unknown else "",
            f"ontbrekende kolommen {', '.join(missing)}" if missing else "",
            "leeg bestand" if not header else "",
        ]
        raise InvalidInput(
            "kopregel: "
            + "; ".join(p for p in problems if p)
            + f". Toegestane kolommen: {', '.join(COLUMNS)}."
        )
    return header


def _check_utf8(stream: IO[bytes]) -> None:
    """Refuse a file that is not UTF-8, or that holds a NUL byte, before anything
    is imported (streamed). The csv module reads NUL since Python 3.11, but
    PostgreSQL cannot store it in a text column (``municipality``)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    while chunk := stream.read(1024 * 1024):
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            raise InvalidInput(
                f"bestand: geen geldige UTF-8 (byte {offset + exc.start})."
            ) from None
        if (nul := chunk.find(b"\x00")) >= 0:
            raise InvalidInput(f"bestand: ongeldig teken NUL (byte {offset + nul}).")
        offset += len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise InvalidInput(f"bestand: geen geldige UTF-8 (byte {offset}).") from None
    stream.seek(0)


def _check_csv(stream: IO[bytes]) -> None:
    """Refuse a file the csv module cannot read through (a field over 128 kB)
    before anything is imported (streamed)."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    try:
        for _cells in reader:
            pass
    except csv.Error:
        raise InvalidInput(
            f"bestand: rij {reader.line_num}: onleesbare CSV (een veld is te groot "
            "of bevat een ongeldig teken)."
        ) from None
    finally:
        text.detach()
    stream.seek(0)


def read_csv(stream: IO[bytes]) -> tuple[list[str], Rows]:
    """Header and rows of a UTF-8 CSV file (a BOM is allowed). The file is read
    through twice first (encoding, structure), so that a broken file is refused
    before any row is saved."""
    _check_utf8(stream)
    _check_csv(stream)
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    header = _check_header([c.strip() for c in next(reader, [])])

    def rows() -> Rows:
        try:
            for number, cells in enumerate(reader, start=2):
                if not any(c.strip() for c in cells):
                    continue
                if len(cells) > len(header):
                    yield number, None
                    continue
                yield number, dict(zip(header, cells, strict=False))
        finally:
            text.detach()  # the caller's file stays open (and keeps its position)

    return header, rows()


def _cell(value: object) -> str:
    """An XLSX cell as the text a CSV cell would hold (dates as ISO dates)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_xlsx(stream: IO[bytes]) -> tuple[list[str], Rows]:
    """Header and rows of the first sheet of an XLSX workbook (read-only, streamed).

    Numbers lose leading zeros in a spreadsheet: format columns such as ``bsn`` and
    ``phones`` as text, or the row is reported. Only the first
    :data:`XLSX_COLUMNS_READ` columns are read.
    Raises :class:`InvalidInput` for a damaged workbook, also halfway through the
    rows (cells are parsed as they are read).
    """
    from zipfile import BadZipFile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    unreadable: tuple[type[Exception], ...] = (
        BadZipFile,
        InvalidFileException,
        *_XLSX_ERRORS,
    )
    try:
        book = load_workbook(stream, read_only=True, data_only=True)
    except unreadable:
        raise InvalidInput("bestand: geen leesbaar XLSX-bestand.") from None
    sheet = book.worksheets[0] if book.worksheets else None
    if not isinstance(sheet, ReadOnlyWorksheet):
        book.close()
        raise InvalidInput("bestand: het werkboek heeft geen werkblad.")
    # The stored dimension is the writer's claim, not the data: trusted, rows
    # below it would be dropped without a word.
    sheet.reset_dimensions()
    try:
        head = sheet.iter_rows(max_row=1, max_col=XLSX_COLUMNS_READ, values_only=True)
        first = [*head, ()][0]
    except unreadable:
        book.close()
        raise InvalidInput("bestand: geen leesbaar XLSX-bestand.") from None
    names = [_cell(v).strip() for v in first]
    while names and not names[-1]:
        names.pop()
    try:
        header = _check_header(names)
    except InvalidInput:
        book.close()
        raise

    cells = sheet.iter_rows(min_row=2, max_col=XLSX_COLUMNS_READ, values_only=True)

    def rows() -> Rows:
        number = 1
        try:
            for number, values in enumerate(cells, start=2):
                if number > XLSX_MAX_ROW:
                    raise InvalidInput(f"bestand: meer dan {XLSX_MAX_ROW} rijen.")
                if values.count(None) == len(values):
                    continue  # a missing row: cheap, there can be a million
                texts = [_cell(v) for v in values]
                while texts and not texts[-1].strip():
                    texts.pop()
                if not texts:
                    continue
                if len(texts) > len(header):
                    yield number, None
                    continue
                yield number, dict(zip(header, texts, strict=False))
        except unreadable:
            raise InvalidInput(
                f"bestand: geen leesbaar XLSX-bestand (na rij {number})."
            ) from None
        finally:
            book.close()

    return header, rows()


def read_file(stream: IO[bytes], file_format: str | None = None) -> Rows:
    """Rows of a CSV or XLSX file; the format comes from its first bytes unless
    given. Raises :class:`InvalidInput` for an unreadable file or header."""
    if file_format is None:
        file_format = "xlsx" if stream.read(4) == _XLSX_MAGIC else "csv"
        stream.seek(0)
    if file_format not in FORMATS:
        raise InvalidInput(f"bestand: onbekend formaat {file_format} (csv of xlsx).")
    _header, rows = (read_xlsx if file_format == "xlsx" else read_csv)(stream)
    return rows


# ------------------------------------------------------------------------- writing


def import_rows(
    session: Session,
    actor: Actor,
    rows: Rows,
    keys: KeyMaterial,
    *,
    max_rows: int | None = None,
    after_chunk: Callable[[ImportReport], object] | None = None,
    progress: Callable[[ImportReport], object] | None = None,
) -> ImportReport:
    """Validate every row and save the valid ones in chunks (see the module doc).

    Reading, validating, encrypting and tokenising a chunk (here) overlaps with
    writing the previous one (a writer thread, the only user of ``session`` until
    the import ends), so the database and Python share the cores; at most two
    chunks are in memory. ``after_chunk`` runs in the writer after each chunk (the
    command line commits there); without it the whole import is one transaction.
    ``progress`` runs here after each chunk is handed over.
    """
    report = ImportReport()
    organisation = session.get(Organisation, actor.org_id)
    region = organisation.region if organisation else actor.region
    encoder = Encoder(keys.linkage_secret, matching.PERSON_CONFIG)
    chunk: list[SignalInput] = []
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import") as writer:
        writing: Future[None] | None = None

        def hand_over() -> None:
            nonlocal writing, chunk
            prepared = _prepare(actor, region, chunk, keys, encoder)
            chunk = []
            if writing is not None:
                writing.result()  # one chunk in flight; its error stops the import
            writing = writer.submit(
                _write, session, actor, prepared, report, after_chunk
            )
            if progress is not None:
                progress(report)

        try:
            for number, row in rows:
                report.rows_read += 1
                if max_rows is not None and report.rows_read > max_rows:
                    raise InvalidInput(f"bestand: maximaal {max_rows} rijen.")
                checked = validate_row(number, row)
                if isinstance(checked, list):
                    report.add_errors(checked)
                    continue
                chunk.append(checked)
                if len(chunk) >= CHUNK_ROWS:
                    hand_over()
            if chunk:
                hand_over()
        finally:
            if writing is not None:
                # Wait for the writer before the session is used again (also when
                # the import stops on an error: the caller then rolls back).
                wait([writing])
        if writing is not None:
            writing.result()
    audit_log.append(
        session,
        "signal.import",
        actor_user_id=actor.user_id,
        org_id=actor.org_id,
        object_type="import",
        detail={
            "rows": report.rows_read,
            "saved": report.saved,
            "errors": report.error_rows,
        },
    )
    return report


@dataclass(frozen=True)
class _Prepared:
    """A chunk ready for the database: everything but the new signals' ids."""

    signals: list[dict[str, Any]]
    tokens: list[list[dict[str, Any]]]
    encodings: list[list[dict[str, object]]]


def _prepare(
    actor: Actor,
    region: str,
    chunk: list[SignalInput],
    keys: KeyMaterial,
    encoder: Encoder,
) -> _Prepared:
    """Encrypt, tokenise and encode a chunk (CPU work, no database)."""
    now = utcnow()
    org = actor.org_id
    return _Prepared(
        signals=[
            {
                "org_id": org,
                "reporter_user_id": actor.user_id,
                "status": signal_service.SUBMITTED,
                "region": region,
                "created_at": now,
                "submitted_at": now,
                **signal_service.signal_columns(content, keys),
            }
            for content in chunk
        ],
        tokens=[signal_service.token_rows(org, 0, c, keys) for c in chunk],
        encodings=[matching.encoding_rows(org, 0, c, keys, encoder) for c in chunk],
    )


def _write(
    session: Session,
    actor: Actor,
    chunk: _Prepared,
    report: ImportReport,
    after_chunk: Callable[[ImportReport], object] | None,
) -> None:
    """One chunk of valid signals: four multi-row inserts and one audit entry."""
    ids = list(
        session.execute(
            insert(Signal).returning(Signal.id, sort_by_parameter_order=True),
            chunk.signals,
        ).scalars()
    )
    tokens = [
        {**token, "signal_id": signal_id}
        for signal_id, rows in zip(ids, chunk.tokens, strict=True)
        for token in rows
    ]
    if tokens:
        session.execute(insert(SignalToken), tokens)
    encodings = [
        {**encoding, "signal_id": signal_id}
        for signal_id, rows in zip(ids, chunk.encodings, strict=True)
        for encoding in rows
    ]
    if encodings:
        session.execute(insert(PersonEncoding), encodings)
    match_queue.enqueue_many(session, [(i, actor.org_id) for i in ids])
    audit_log.append(
        session,
        "signal.import.batch",
        actor_user_id=actor.user_id,
        org_id=actor.org_id,
        object_type="signal",
        detail={"status": signal_service.SUBMITTED, "signal_ids": ids},
    )
    report.saved += len(ids)
    report.signal_ids_first = report.signal_ids_first or ids[0]
    report.signal_ids_last = ids[-1]
    if after_chunk is not None:
        after_chunk(report)


def import_file(
    session: Session,
    actor: Actor,
    stream: IO[bytes],
    keys: KeyMaterial,
    *,
    file_format: str | None = None,
) -> ImportReport:
    """An upload through the web page: one transaction, with the upload limits."""
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    if size > MAX_BYTES:
        raise InvalidInput(f"bestand: maximaal {MAX_BYTES // (1024 * 1024)} MB.")
    if size == 0:
        raise InvalidInput("bestand: het bestand is leeg.")
    rows = read_file(stream, file_format)
    return import_rows(session, actor, rows, keys, max_rows=MAX_ROWS)


def import_csv(
    session: Session, actor: Actor, data: bytes, keys: KeyMaterial
) -> ImportReport:
    """Import CSV bytes (kept for callers holding the whole file in memory)."""
    return import_file(session, actor, io.BytesIO(data), keys, file_format="csv")
