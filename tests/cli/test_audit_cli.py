"""The audit commands through a real subprocess: checkpoints, export, verify-export."""

import json
import sqlite3

import pytest

from tests.cli.test_platform_cli import run


@pytest.fixture(scope="module")
def chain_dir(tmp_path_factory):
    """An embedded database with 7 entries, signed every 3 (checkpoints 3 and 6).

    The CLI creates the database and its secrets; the entries are appended in this
    process with the same key (seven more subprocesses would only cost time).
    """
    from schakel.services import accounts
    from schakel.store import audit_log
    from schakel.store.db import make_engine, make_session_factory
    from schakel.store.tenancy import Scope, scoped_transaction
    from schakel.vocabulary import OrgType, Region

    data_dir = tmp_path_factory.mktemp("audit")
    assert run(data_dir, "db", "upgrade").returncode == 0
    seed = json.loads((data_dir / "secrets.json").read_text())["audit_signing_key"]
    engine = make_engine(f"sqlite:///{data_dir / 'schakel.db'}")
    factory = make_session_factory(engine)
    audit_log.enable_checkpoints(
        factory, audit_log.CheckpointPolicy.from_seed(seed, every=3)
    )
    for i in range(7):
        with scoped_transaction(factory, Scope.system_wide()) as session:
            accounts.add_organisation(
                session,
                name=f"Gemeente Test{i}",
                org_type=OrgType.MUNICIPALITY,
                region=Region.LIMBURG,
            )
    engine.dispose()
    return data_dir


@pytest.fixture(scope="module")
def extract(chain_dir):
    path = chain_dir / "extract.jsonl"
    result = run(chain_dir, "audit", "export", "--output", str(path))
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    return path


def _copy(chain_dir, tmp_path):
    for name in ("schakel.db", "secrets.json"):
        (tmp_path / name).write_bytes((chain_dir / name).read_bytes())
    return tmp_path


def test_verify_reports_chain_and_checkpoints(chain_dir, tmp_path):
    copy = _copy(chain_dir, tmp_path)
    with sqlite3.connect(copy / "schakel.db") as connection:
        seqs = [r[0] for r in connection.execute("SELECT seq FROM audit_checkpoints")]
    assert seqs[:2] == [3, 6]
    ok = run(copy, "audit", "verify")
    assert ok.returncode == 0, ok.stderr
    assert "intact" in ok.stderr and "controlepunten geldig" in ok.stderr


def test_truncated_tail_is_named_by_verify(chain_dir, tmp_path):
    copy = _copy(chain_dir, tmp_path)
    with sqlite3.connect(copy / "schakel.db") as connection:
        connection.execute("DELETE FROM audit_entries WHERE seq > 4")
    broken = run(copy, "audit", "verify")
    assert broken.returncode == 1
    assert "ingekort" in broken.stderr and "regel 6" in broken.stderr


def test_export_verifies_without_the_database(extract, chain_dir, tmp_path):
    elsewhere = tmp_path / "auditor"
    elsewhere.mkdir()
    public = run(chain_dir, "audit", "public-key").stdout.strip()
    result = run(
        elsewhere, "audit", "verify-export", str(extract), "--public-key", public
    )
    assert result.returncode == 0, result.stderr
    assert "Extract intact" in result.stderr
    assert not (elsewhere / "schakel.db").exists()
    lines = [json.loads(line) for line in extract.read_text().splitlines()]
    assert lines[0]["type"] == "header" and lines[0]["public_key"] == public
    assert lines[-1]["type"] == "checkpoint"
    assert lines[-1]["seq"] == lines[0]["to_seq"]


def test_tampered_export_fails(extract, tmp_path):
    lines = extract.read_text().splitlines()
    entry = json.loads(lines[2])
    entry["action"] = "share.create"
    lines[2] = json.dumps(entry)
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_text("\n".join(lines) + "\n")
    result = run(tmp_path, "audit", "verify-export", str(tampered))
    assert result.returncode == 1 and "regel 2" in result.stderr


def test_export_under_another_key_fails_when_pinned(extract, tmp_path):
    from schakel.audit import new_seed, public_key_b64, signing_key_from_seed

    other = public_key_b64(signing_key_from_seed(new_seed()))
    result = run(
        tmp_path, "audit", "verify-export", str(extract), "--public-key", other
    )
    assert result.returncode == 1 and "sleutel" in result.stderr


def test_malformed_or_missing_export_exits_2(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")
    malformed = run(tmp_path, "audit", "verify-export", str(bad))
    assert malformed.returncode == 2 and "regel 1" in malformed.stderr
    missing = run(tmp_path, "audit", "verify-export", str(tmp_path / "nope.jsonl"))
    assert missing.returncode == 2 and "bestaat niet" in missing.stderr


def test_logboek_format_from_a_sequence(chain_dir, tmp_path):
    copy = _copy(chain_dir, tmp_path)
    result = run(copy, "audit", "export", "--format", "logboek", "--from", "5")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) >= 4
    first = lines[0]
    assert len(first["trace_id"]) == 32 and len(first["span_id"]) == 16
    keys = {a["key"]: a["value"] for a in first["attributes"]}
    assert keys["schakel.audit.seq"] == 5
    assert keys["dpl.core.processing_activity_id"].startswith(
        "urn:schakel:verwerkingsregister:"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--format", "xml"), "--format"),
        (("--from", "9999"), "9999"),
    ],
)
def test_bad_export_options_exit_2(chain_dir, tmp_path, args, message):
    copy = _copy(chain_dir, tmp_path)
    result = run(copy, "audit", "export", *args)
    assert result.returncode == 2 and message in result.stderr
    assert result.stdout == ""


def test_embedded_mode_generates_the_signing_key(chain_dir):
    stored = json.loads((chain_dir / "secrets.json").read_text())
    from schakel.audit import signing_key_from_seed

    assert signing_key_from_seed(stored["audit_signing_key"])


def test_production_requires_a_valid_signing_key(tmp_path):
    env = {
        "SCHAKEL_ENV": "production",
        "SCHAKEL_SECRET_KEY": "s" * 32,
        "SCHAKEL_ENCRYPTION_KEY": "e" * 32,
        "SCHAKEL_LINKAGE_KEY": "l" * 32,
    }
    missing = run(tmp_path, "db", "upgrade", env_extra=env)
    assert missing.returncode == 1 and "SCHAKEL_AUDIT_SIGNING_KEY" in missing.stderr


def test_production_refuses_a_signing_key_that_is_no_ed25519_seed(tmp_path):
    from schakel.audit import new_seed
    from schakel.settings import Environment, InsecureSettings, Settings, ensure_secrets

    keys = {"secret_key": "s" * 32, "encryption_key": "e" * 32, "linkage_key": "l" * 32}
    production = {"env": Environment.PRODUCTION, "data_dir": tmp_path, **keys}
    with pytest.raises(InsecureSettings, match="SCHAKEL_AUDIT_SIGNING_KEY"):
        ensure_secrets(Settings(**production, audit_signing_key="x" * 40))
    good = Settings(**production, audit_signing_key=new_seed())
    assert ensure_secrets(good) is good
