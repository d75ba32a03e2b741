"""The lock file that scripts/setup installs from still satisfies pyproject.toml:
a dependency added or raised without re-locking (bash scripts/lock) fails here."""

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)")


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements" / "lock.txt").read_text("utf-8").splitlines():
        match = PIN.match(line)
        if match:
            pins[canonicalize_name(match.group(1))] = match.group(2)
    return pins


def _requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    specs = project["dependencies"] + project["optional-dependencies"]["dev"]
    return [Requirement(spec) for spec in specs]


def test_every_dependency_is_pinned_within_its_bounds():
    pins = _pins()
    assert len(pins) > 50
    problems = []
    for requirement in _requirements():
        pinned = pins.get(canonicalize_name(requirement.name))
        if pinned is None:
            problems.append(f"{requirement.name} is not in the lock file")
        elif not requirement.specifier.contains(pinned, prereleases=True):
            problems.append(f"{requirement.name}=={pinned} outside {requirement}")
    assert not problems, "re-lock with bash scripts/lock: " + "; ".join(problems)


def test_lock_pins_exact_versions_only():
    lines = (ROOT / "requirements" / "lock.txt").read_text("utf-8").splitlines()
    entries = [line for line in lines if line.strip() and not line.startswith("#")]
    assert all(PIN.match(line) for line in entries), [
        line for line in entries if not PIN.match(line)
    ]
