"""``schakel screen``: screen free-text records for trafficking signals.

Contract: spec/screening.md. Streams line by line (bounded memory), keeps input
order with ``--workers``, reports every unusable line with its number, and ends
with a summary on stderr. spaCy is imported inside the command only.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections import deque
from collections.abc import Iterable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any

import typer

from schakel.cli._common import err_console, fail, progress_enabled

if TYPE_CHECKING:
    from schakel.screening import Screener
    from schakel.screening._records import BadLine, Record

#: Records per unit of work handed to a worker process.
CHUNK = 256


class InputFormat(StrEnum):
    JSONL = "jsonl"
    CSV = "csv"


_screener: Screener | None = None


def _init_worker() -> None:
    """Build the screener once per process (inherited when forked)."""
    global _screener
    if _screener is None:
        from schakel.screening import Screener

        _screener = Screener()


def _screen_chunk(chunk: list[tuple[str | int, str]]) -> list[str]:
    """Screen a chunk and return its output lines (JSON, in chunk order)."""
    _init_worker()
    assert _screener is not None
    lines = []
    results = _screener.screen_many(text for _, text in chunk)
    for (rid, _), result in zip(chunk, results, strict=True):
        out: dict[str, Any] = {"id": rid}
        out.update(result.to_dict())
        lines.append(json.dumps(out, ensure_ascii=False))
    return lines


class _Counts:
    def __init__(self) -> None:
        self.read = 0
        self.screened = 0
        self.flagged = 0
        self.skipped = 0


def _chunks(
    items: Iterable[Record | BadLine], strict: bool, counts: _Counts
) -> Iterator[list[tuple[str | int, str]]]:
    from schakel.screening._records import BadLine

    chunk: list[tuple[str | int, str]] = []
    for item in items:
        counts.read += 1
        if isinstance(item, BadLine):
            counts.skipped += 1
            if strict:
                fail(item.message() + " (--strict: gestopt)")
            sys.stderr.write(f"schakel: {item.message()} (overgeslagen)\n")
            continue
        chunk.append((item.id, item.text))
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _results(
    chunks: Iterator[list[tuple[str | int, str]]], workers: int
) -> Iterator[list[str]]:
    """Chunk results in input order; at most 2 x workers chunks in flight."""
    if workers <= 1:
        for chunk in chunks:
            yield _screen_chunk(chunk)
        return
    import multiprocessing as mp

    methods = mp.get_all_start_methods()
    ctx = mp.get_context("fork" if "fork" in methods else "spawn")
    with ctx.Pool(workers, initializer=_init_worker) as pool:
        pending: deque[Any] = deque()
        for chunk in chunks:
            pending.append(pool.apply_async(_screen_chunk, (chunk,)))
            while len(pending) >= 2 * workers:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


class _ByteLines:
    """Binary lines of a file, counting bytes for the progress bar."""

    def __init__(self, fh: IO[bytes]) -> None:
        self.fh = fh
        self.done = 0

    def __iter__(self) -> Iterator[bytes]:
        for line in self.fh:
            self.done += len(line)
            yield line


def _detect_format(path: str) -> InputFormat:
    return InputFormat.CSV if path.lower().endswith(".csv") else InputFormat.JSONL


def screen_command(
    input: Annotated[
        str, typer.Argument(help="JSON Lines of CSV-bestand, of - voor stdin.")
    ],
    format: Annotated[
        InputFormat | None,
        typer.Option("--format", help="jsonl of csv (standaard: naar extensie)."),
    ] = None,
    id_field: Annotated[
        str, typer.Option("--id-field", help="Veld met het id.")
    ] = "id",
    text_field: Annotated[
        str, typer.Option("--text-field", help="Veld met de tekst.")
    ] = "text",
    output: Annotated[
        Path | None, typer.Option("--output", help="Uitvoerbestand (standaard stdout).")
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Stop (exit 2) bij de eerste foute regel.")
    ] = False,
    workers: Annotated[
        int, typer.Option("--workers", min=1, max=64, help="Aantal processen.")
    ] = 1,
) -> None:
    """Screen vrije-tekstregistraties op signalen van mensenhandel."""
    from schakel.screening._records import MissingColumn, read_csv, read_jsonl

    fmt = format or _detect_format(input)
    if input == "-":
        source: IO[bytes] = sys.stdin.buffer
        total = None
    else:
        try:
            source = open(input, "rb")  # noqa: SIM115 - closed below
        except OSError as exc:
            fail(f"kan {input} niet openen: {exc.strerror}")
        total = os.fstat(source.fileno()).st_size
        if total == 0:
            source.close()
            if strict:
                fail(f"{input}: regel 1: het bestand is leeg (--strict: gestopt)")
            sys.stderr.write(f"schakel: {input}: regel 1: het bestand is leeg\n")
            _summary(_Counts())
            if output is not None:
                output.write_text("", encoding="utf-8")
            return

    lines = _ByteLines(source)
    reader = read_csv if fmt is InputFormat.CSV else read_jsonl
    counts = _Counts()
    if workers == 1:
        _init_worker()
    else:
        _init_worker()  # forked workers inherit the compiled screener

    tmp_path: str | None = None
    if output is not None:
        fd, tmp_path = tempfile.mkstemp(
            prefix=f".{output.name}.", dir=str(output.parent or ".")
        )
        sink: IO[str] = os.fdopen(fd, "w", encoding="utf-8", newline="\n")
    else:
        sink = sys.stdout
    ok = False
    try:
        items = reader(lines, id_field, text_field)
        results = _results(_chunks(items, strict, counts), workers)
        if progress_enabled():
            _run_with_progress(results, sink, counts, lines, total)
        else:
            for block in results:
                _write(block, sink, counts)
        ok = True
    except MissingColumn as exc:
        fail(str(exc))
    finally:
        if source is not sys.stdin.buffer:
            source.close()
        if sink is not sys.stdout:
            sink.close()
            assert tmp_path is not None and output is not None
            if ok:
                os.replace(tmp_path, output)
            else:
                os.unlink(tmp_path)
        else:
            sys.stdout.flush()
    if counts.read == 0:
        sys.stderr.write(f"schakel: {input}: geen records gevonden\n")
    _summary(counts)


def _write(block: list[str], sink: IO[str], counts: _Counts) -> None:
    for line in block:
        sink.write(line)
        sink.write("\n")
        counts.screened += 1
        if '"flagged": true' in line[:200]:
            counts.flagged += 1


def _run_with_progress(
    results: Iterator[list[str]],
    sink: IO[str],
    counts: _Counts,
    lines: _ByteLines,
    total: int | None,
) -> None:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = [
        TextColumn("screenen"),
        BarColumn(),
        TextColumn("{task.fields[records]} records, {task.fields[flagged]} gemarkeerd"),
        TimeElapsedColumn(),
    ]
    if total is None:
        columns.insert(2, MofNCompleteColumn())
    with Progress(*columns, console=err_console, transient=False) as progress:
        task = progress.add_task("screen", total=total, records=0, flagged=0)
        for block in results:
            _write(block, sink, counts)
            progress.update(
                task,
                completed=lines.done,
                records=counts.screened,
                flagged=counts.flagged,
            )


def _summary(counts: _Counts) -> None:
    sys.stderr.write(
        f"schakel: gelezen {counts.read}, gescreend {counts.screened}, "
        f"gemarkeerd {counts.flagged}, overgeslagen {counts.skipped}\n"
    )


def register(app: typer.Typer) -> None:
    """Add ``schakel screen`` to the app."""
    app.command(name="screen")(screen_command)
