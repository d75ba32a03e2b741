"""``schakel share-check`` and ``schakel rules dump|validate``.

Contract: ``spec/share-check.md``. Plain JSON on stdout; invalid input gives a
message on stderr naming the field (and array index), exit 2, nothing on stdout.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from schakel.cli._common import fail, write_json

rules_app = typer.Typer(
    name="rules",
    help="De regelset van de deelcheck bekijken en controleren.",
    no_args_is_help=True,
)


def _read_input(path: Path | None) -> object:
    try:
        text = path.read_text("utf-8") if path else sys.stdin.read()
    except OSError as exc:
        fail(f"kan invoer niet lezen: {exc}")
    except UnicodeDecodeError:
        fail("invoer is geen UTF-8-tekst")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        fail(f"ongeldige JSON: {exc.msg} (regel {exc.lineno}, kolom {exc.colno})")


def _parse_date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"--as-at: geen datum in de vorm JJJJ-MM-DD: {value!r}")


def share_check(
    input: Annotated[
        Path | None,
        typer.Option("--input", "-i", help="JSON-bestand; zonder: stdin."),
    ] = None,
    as_at: Annotated[
        str | None,
        typer.Option("--as-at", help="Beoordeel met de regels van deze datum."),
    ] = None,
) -> None:
    """Mag ik dit delen? Leest één vraag (JSON-object) of een lijst; schrijft JSON."""
    from schakel.rules import InvalidQuestion, InvalidRuleset, check, parse_questions

    day = _parse_date(as_at)
    raw = _read_input(input)
    try:
        questions = parse_questions(raw)
        answers = [check(q, as_at=day).model_dump(mode="json") for q in questions]
    except (InvalidQuestion, InvalidRuleset) as exc:
        fail(str(exc))
    write_json(answers if isinstance(raw, list) else answers[0])


@rules_app.command("dump")
def rules_dump() -> None:
    """De hele gevalideerde regelset als JSON (voor de interface en documentatie)."""
    from schakel.rules import InvalidRuleset, load_ruleset

    try:
        write_json(load_ruleset().dump())
    except InvalidRuleset as exc:
        fail(str(exc))


@rules_app.command("validate")
def rules_validate(
    directory: Annotated[Path, typer.Argument(help="Map met ruleset.yaml en regels.")],
) -> None:
    """Controleer een map met regelbestanden (fout: exit 2, met bestand en sleutel)."""
    from schakel.rules import InvalidRuleset, load_ruleset

    try:
        ruleset = load_ruleset(directory)
    except InvalidRuleset as exc:
        fail(str(exc))
    write_json(
        {
            "valid": True,
            "name": ruleset.name,
            "version": ruleset.version,
            "rules": len(ruleset.rules),
            "files": list(ruleset.files),
        }
    )


def register(app: typer.Typer) -> None:
    """Add ``share-check`` and the ``rules`` sub-app to ``app``."""
    app.command("share-check")(share_check)
    app.add_typer(rules_app, name="rules")
