"""``schakel backup`` / ``schakel restore`` through a real subprocess (embedded)."""

import tarfile

import pytest

from tests.cli.test_platform_cli import run

PASSWORD = {"SCHAKEL_NEW_PASSWORD": "een-lang-wachtwoord"}


def _populate(data_dir):
    assert run(data_dir, "db", "upgrade").returncode == 0
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
        *("user", "add", "j.jansen", "--org", "Gemeente Zwolle"),
        *("--role", "professional", "--name", "J. Jansen (demo)"),
        env_extra=PASSWORD,
    )
    assert user.returncode == 0, user.stderr


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """One populated embedded data dir, shared: the tests only back it up."""
    data_dir = tmp_path_factory.mktemp("bron")
    _populate(data_dir)
    return data_dir


def test_backup_then_restore_into_an_empty_data_dir(source, tmp_path):
    restored = tmp_path / "hersteld"
    archive = tmp_path / "schakel-backup.tar.gz"
    made = run(source, "backup", str(archive))
    assert made.returncode == 0, made.stderr
    assert "NIET in de back-up" in made.stderr
    assert str(source / "secrets.json") in made.stderr.replace("\n", "")
    with tarfile.open(archive) as tar:
        assert sorted(tar.getnames()) == ["database.sqlite3", "manifest.json"]

    back = run(restored, "restore", str(archive))
    assert back.returncode == 0, back.stderr
    assert "Auditketen intact" in back.stderr
    verify = run(restored, "audit", "verify")
    assert verify.returncode == 0 and "intact: 2 regels" in verify.stderr
    listed = run(restored, "user", "list")
    assert "j.jansen" in listed.stdout and "Gemeente Zwolle" in listed.stdout


def test_restore_refuses_non_empty_target_and_existing_output(source, tmp_path):
    archive = tmp_path / "b.tar.gz"
    assert run(source, "backup", str(archive)).returncode == 0
    again = run(source, "backup", str(archive))
    assert again.returncode == 2 and "bestaat al" in again.stderr
    refused = run(source, "restore", str(archive))
    assert refused.returncode == 2 and "niet leeg" in refused.stderr
    assert refused.stdout == ""


def test_restore_of_something_else_exits_2_without_traceback(tmp_path):
    junk = tmp_path / "junk.tar.gz"
    junk.write_text("geen archief")
    result = run(tmp_path / "doel", "restore", str(junk))
    assert result.returncode == 2
    assert "geen Schakel-back-up" in result.stderr and "Traceback" not in result.stderr


def test_include_secrets_warns_and_carries_the_keys(source, tmp_path):
    archive = tmp_path / "k.tar.gz"
    made = run(source, "backup", "--include-secrets", str(archive))
    assert made.returncode == 0 and "bevat de sleutels" in made.stderr
    back = run(tmp_path / "doel", "restore", str(archive))
    assert back.returncode == 0, back.stderr
    assert (tmp_path / "doel" / "secrets.json").read_text() == (
        source / "secrets.json"
    ).read_text()
    assert "Waarschuwing" not in back.stderr
