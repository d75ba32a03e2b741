"""The ``schakel`` command. Each capability registers its own commands.

Heavy libraries (spaCy, statsmodels, SQLAlchemy) are imported inside the command
functions, so ``schakel share-check`` does not pay for ``schakel screen``.
"""

import typer

from schakel.cli import (
    backup,
    estimate,
    link,
    platform,
    retention,
    screen,
    share_check,
    signals,
)

app = typer.Typer(
    name="schakel",
    help="Schakel: informatie delen tegen mensenhandel, rechtmatig en zorgvuldig.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for _module in (
    share_check,
    screen,
    link,
    estimate,
    platform,
    backup,
    retention,
    signals,
):
    _module.register(app)


def main() -> None:
    """Console-script entry point."""
    app()
