"""CLI commands for this capability (being built)."""

import typer


def register(app: typer.Typer) -> None:
    """Add this capability's commands to app."""
