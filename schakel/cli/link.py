"""``schakel link encode`` and ``schakel link match``: the linkage contract.

The CLI only reads and writes files; normalising, encoding and matching live in
:mod:`schakel.linkage`, imported inside the commands so other commands start fast.
"""

import csv
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from schakel.cli._common import fail, progress_enabled


def _read_secret(path: Path) -> bytes:
    try:
        secret = path.read_bytes()
    except OSError as exc:
        fail(f"geheim niet te lezen: {path}: {exc.strerror or exc}")
    if secret.endswith(b"\r\n"):
        secret = secret[:-2]
    elif secret.endswith(b"\n"):
        secret = secret[:-1]
    if not secret:
        fail(f"het geheim in {path} is leeg")
    return secret


def _read_config(path: Path) -> Any:
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"config niet te lezen: {path}: {exc}")
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        fail(f"config {path} is geen geldige YAML: {exc}")


def _atomic_writer(path: Path) -> tuple[Any, str]:
    directory = path.parent if str(path.parent) else Path(".")
    handle, tmp = tempfile.mkstemp(prefix=".schakel-", dir=directory)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # as an ordinary new file, not mkstemp's 0600
    return os.fdopen(handle, "w", encoding="utf-8", newline=""), tmp


def encode(
    input_csv: Annotated[Path, typer.Argument(help="CSV met een kopregel.")],
    config: Annotated[Path, typer.Option("--config", help="YAML-config.")],
    secret_file: Annotated[Path, typer.Option("--secret-file", help="Gedeeld geheim.")],
    output: Annotated[Path, typer.Option("--output", help="JSONL met encodings.")],
) -> None:
    """Codeer identificerende velden tot encodings met sleutel (geen klare tekst)."""
    from schakel.errors import InvalidInput
    from schakel.linkage import Encoder, LinkageConfig

    secret = _read_secret(secret_file)
    try:
        encoder = Encoder(secret, LinkageConfig.parse(_read_config(config)))
    except InvalidInput as exc:
        fail(str(exc))
    try:
        source = input_csv.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        fail(f"invoer niet te lezen: {input_csv}: {exc.strerror or exc}")
    with source:
        reader = csv.reader(source)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            fail(f"{input_csv} is leeg: een kopregel ontbreekt")
        except (csv.Error, UnicodeDecodeError) as exc:
            fail(f"{input_csv}: onleesbare kopregel: {exc}")
        doubles = sorted({h for h in header if header.count(h) > 1})
        if doubles:
            fail(f"{input_csv}: kolom dubbel in de kopregel: {', '.join(doubles)}")
        try:
            encoder.config.check_header(header)
        except InvalidInput as exc:
            fail(f"{input_csv}: {exc}")
        try:
            out, tmp = _atomic_writer(output)
        except OSError as exc:
            fail(f"uitvoer niet te schrijven: {output}: {exc.strerror or exc}")
        try:
            with out:
                rows = _encode_rows(reader, header, encoder, input_csv, out, secret)
            os.replace(tmp, output)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    if progress_enabled():
        sys.stderr.write(f"\r{rows} rijen gecodeerd naar {output}\n")


# Rows per task for the worker processes, and how many tasks may be in flight:
# together they bound memory however large the input is.
_CHUNK = 2_000
_IN_FLIGHT = 4
_PARALLEL_FROM_BYTES = 2_000_000

_worker: Any = None

#: One input row on its way to a worker: (row number, file line number, cells).
Row = tuple[int, int, list[str]]


def _init_worker(
    secret: bytes, config: dict[str, Any], header: list[str], source: str
) -> None:
    global _worker
    from schakel.linkage import Encoder

    _worker = (Encoder(secret, config), header, source)


def _encode_chunk(rows: list[Row]) -> list[tuple[str, list[str]]]:
    encoder, header, source = _worker
    return _encode_batch(encoder, header, source, rows)


def _encode_batch(
    encoder: Any, header: list[str], source: str, rows: list[Row]
) -> list[tuple[str, list[str]]]:
    out = []
    for row_number, line_number, cells in rows:
        row = dict(zip(header, (c.strip() for c in cells), strict=False))
        line, problems = encoder.encode_json(row)
        notes = [
            f"schakel: {source} rij {row_number} (regel {line_number}): "
            f"veld {p.column!r} weggelaten: {p.message}\n"
            for p in problems
        ]
        out.append((line + "\n", notes))
    return out


def _chunks(reader: Any, header: list[str], input_csv: Path) -> Iterator[list[Row]]:
    width = len(header)
    row_number = 0
    chunk: list[Row] = []
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except (csv.Error, UnicodeDecodeError) as exc:
            fail(f"{input_csv} regel {reader.line_num}: onleesbare CSV: {exc}")
        row_number += 1
        if not cells:
            continue
        if len(cells) != width:
            sys.stderr.write(
                f"schakel: {input_csv} rij {row_number} (regel {reader.line_num}): "
                f"{len(cells)} cellen, kop heeft er {width}; "
                "ontbrekende cellen gelden als leeg\n"
            )
        chunk.append((row_number, reader.line_num, cells))
        if len(chunk) >= _CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _encode_rows(
    reader: Any,
    header: list[str],
    encoder: Any,
    input_csv: Path,
    out: Any,
    secret: bytes,
) -> int:
    """Encode all rows in input order; in worker processes for large inputs."""
    show = progress_enabled()
    done = 0

    def emit(batch: list[tuple[str, list[str]]]) -> None:
        nonlocal done
        for line, notes in batch:
            for note in notes:
                sys.stderr.write(note)
            out.write(line)
        done += len(batch)
        if show:
            sys.stderr.write(f"\r{done} rijen gecodeerd")

    chunks = _chunks(reader, header, input_csv)
    workers = os.cpu_count() or 1
    if workers < 2 or input_csv.stat().st_size < _PARALLEL_FROM_BYTES:
        for chunk in chunks:
            emit(_encode_batch(encoder, header, str(input_csv), chunk))
        return done
    import multiprocessing
    from collections import deque

    config = encoder.config.model_dump(mode="json")
    with multiprocessing.get_context().Pool(
        workers,
        initializer=_init_worker,
        initargs=(secret, config, header, str(input_csv)),
    ) as pool:
        pending: deque[Any] = deque()
        for chunk in chunks:
            pending.append(pool.apply_async(_encode_chunk, (chunk,)))
            if len(pending) >= _IN_FLIGHT * workers:
                emit(pending.popleft().get())
        while pending:
            emit(pending.popleft().get())
    return done


def _read_jsonl(path: Path) -> Iterator[Any]:
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        fail(f"encodings niet te lezen: {path}: {exc.strerror or exc}")
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except ValueError as exc:
                fail(f"{path} regel {number}: geen geldige JSON: {exc}")


def match(
    file_a: Annotated[Path, typer.Argument(help="Encodings van partij A (JSONL).")],
    file_b: Annotated[Path, typer.Argument(help="Encodings van partij B (JSONL).")],
    output: Annotated[Path, typer.Option("--output", help="CSV: id_a,id_b,score.")],
    threshold: Annotated[
        float | None,
        typer.Option("--threshold", help="Minimale score (0-1); standaard 0.5."),
    ] = None,
    one_to_one: Annotated[
        bool, typer.Option("--one-to-one", help="Elk record hoogstens één keer.")
    ] = False,
) -> None:
    """Vind paren die waarschijnlijk dezelfde persoon zijn, zonder platte tekst."""
    from schakel.errors import InvalidInput
    from schakel.linkage import DEFAULT_THRESHOLD, EncodedSet, match_detailed

    limit = DEFAULT_THRESHOLD if threshold is None else threshold
    if not 0.0 <= limit <= 1.0:
        fail(f"--threshold moet tussen 0 en 1 liggen, niet {limit}")
    try:
        set_a = EncodedSet(_read_jsonl(file_a), str(file_a))
        set_b = EncodedSet(_read_jsonl(file_b), str(file_b))
        if progress_enabled():
            sys.stderr.write(f"{len(set_a)} x {len(set_b)} records vergelijken...\n")
        result = match_detailed(set_a, set_b, threshold=limit, one_to_one=one_to_one)
    except InvalidInput as exc:
        fail(str(exc))
    try:
        out, tmp = _atomic_writer(output)
    except OSError as exc:
        fail(f"uitvoer niet te schrijven: {output}: {exc.strerror or exc}")
    with out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["id_a", "id_b", "score"])
        for pair in result.pairs:
            writer.writerow([pair.id_a, pair.id_b, f"{pair.score:.6f}"])
    os.replace(tmp, output)
    if progress_enabled():
        sys.stderr.write(f"{len(result.pairs)} paren naar {output}\n")


def register(app: typer.Typer) -> None:
    """Add ``schakel link encode`` and ``schakel link match`` to ``app``."""
    link_app = typer.Typer(
        name="link",
        help="Privacyvriendelijk koppelen: coderen en vergelijken (hit/no-hit).",
        no_args_is_help=True,
    )
    link_app.command("encode")(encode)
    link_app.command("match")(match)
    app.add_typer(link_app, name="link")
