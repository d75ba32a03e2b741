"""The platform commands through a real subprocess, on an embedded database."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest


def run(data_dir: Path, *args: str, env_extra: dict[str, str] | None = None):
    env = {**os.environ, "SCHAKEL_DATA_DIR": str(data_dir), **(env_extra or {})}
    env.pop("SCHAKEL_DATABASE_URL", None)
    if env_extra and "SCHAKEL_DATABASE_URL" in env_extra:
        env["SCHAKEL_DATABASE_URL"] = env_extra["SCHAKEL_DATABASE_URL"]
    return subprocess.run(
        [sys.executable, "-m", "schakel", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def data_dir(tmp_path):
    assert run(tmp_path, "db", "upgrade").returncode == 0
    return tmp_path


def test_org_and_user_management(data_dir):
    added = run(
        data_dir,
        "org",
        "add",
        "Gemeente Zwolle",
        "--type",
        "municipality",
        "--region",
        "oost_nederland",
    )
    assert added.returncode == 0, added.stderr
    user = run(
        data_dir,
        "user",
        "add",
        "j.jansen",
        "--org",
        "Gemeente Zwolle",
        "--role",
        "professional",
        "--name",
        "J. Jansen (demo)",
        env_extra={"SCHAKEL_NEW_PASSWORD": "een-lang-wachtwoord"},
    )
    assert user.returncode == 0, user.stderr
    listed = run(data_dir, "user", "list")
    assert "j.jansen" in listed.stdout and "Gemeente Zwolle" in listed.stdout


def test_unknown_org_type_exits_2_and_lists_allowed_values(data_dir):
    result = run(
        data_dir, "org", "add", "Bakkerij", "--type", "bakery", "--region", "limburg"
    )
    assert result.returncode == 2
    assert "bakery" in result.stderr and "municipality" in result.stderr


def test_duplicate_user_exits_2(data_dir):
    run(
        data_dir,
        "org",
        "add",
        "Gemeente Ede",
        "--type",
        "municipality",
        "--region",
        "oost_nederland",
    )
    env = {"SCHAKEL_NEW_PASSWORD": "een-lang-wachtwoord"}
    assert (
        run(
            data_dir,
            "user",
            "add",
            "x.y",
            "--org",
            "Gemeente Ede",
            "--role",
            "admin",
            env_extra=env,
        ).returncode
        == 0
    )
    again = run(
        data_dir,
        "user",
        "add",
        "x.y",
        "--org",
        "Gemeente Ede",
        "--role",
        "admin",
        env_extra=env,
    )
    assert again.returncode == 2 and "bestaat al" in again.stderr


def test_embedded_secrets_are_private(data_dir):
    secrets = data_dir / "secrets.json"
    assert secrets.exists()
    assert secrets.stat().st_mode & 0o777 == 0o600


def test_audit_verify_passes_then_fails_on_tampered_copy(data_dir):
    run(
        data_dir,
        "org",
        "add",
        "Gemeente Ede",
        "--type",
        "municipality",
        "--region",
        "oost_nederland",
    )
    ok = run(data_dir, "audit", "verify")
    assert ok.returncode == 0 and "intact" in ok.stderr
    with sqlite3.connect(data_dir / "schakel.db") as connection:
        connection.execute(
            "UPDATE audit_entries SET action = 'share.create' WHERE seq = 1"
        )
    broken = run(data_dir, "audit", "verify")
    assert broken.returncode == 1 and "regel 1" in broken.stderr


def test_unreachable_database_gives_one_clear_line(tmp_path):
    url = "postgresql+psycopg://nobody:geheim@127.0.0.1:1/nergens"
    result = run(tmp_path, "db", "upgrade", env_extra={"SCHAKEL_DATABASE_URL": url})
    assert result.returncode == 1
    assert (
        "Database niet bereikbaar" in result.stderr and "127.0.0.1:1" in result.stderr
    )
    assert "geheim" not in result.stderr
    assert "Traceback" not in result.stderr


def test_production_refuses_default_secret(tmp_path):
    result = run(
        tmp_path,
        "db",
        "upgrade",
        env_extra={"SCHAKEL_ENV": "production", "SCHAKEL_SECRET_KEY": "changeme"},
    )
    assert result.returncode == 1
    assert "SCHAKEL_SECRET_KEY" in result.stderr
