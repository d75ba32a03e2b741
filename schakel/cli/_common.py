"""Small helpers every command shares: plain JSON out, errors to stderr, exit 2."""

import json
import sys
from typing import Any, NoReturn

from rich.console import Console

#: Rich output for people goes to stderr so stdout stays plain JSON for machines.
err_console = Console(stderr=True)


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``message`` on stderr and exit with ``code`` (2: invalid input)."""
    sys.stderr.write(f"schakel: {message}\n")
    raise SystemExit(code)


def write_json(value: Any) -> None:
    """Write ``value`` as plain JSON (no colour, no wrapping) on stdout."""
    sys.stdout.write(json.dumps(value, ensure_ascii=False))
    sys.stdout.write("\n")


def progress_enabled() -> bool:
    """Progress bars only when stderr is a terminal (contract: spec/README.md)."""
    return sys.stderr.isatty()
