"""``schakel retention run`` through a real subprocess on an embedded database."""

import json

from schakel import clock
from tests.cli.test_platform_cli import run


def _old_signal(data_dir) -> int:
    """A submitted signal 400 days old, written with the database's own keys."""
    from schakel.crypto import keyring_from_secrets
    from schakel.services import accounts
    from schakel.services import signals as signal_service
    from schakel.services.keys import KeyMaterial
    from schakel.signals import SignalInput
    from schakel.store.db import make_engine, make_session_factory
    from schakel.store.tenancy import Scope, scoped_transaction
    from schakel.vocabulary import OrgType, Region, Role
    from tests.factory import SAMPLE_SIGNAL

    secrets = json.loads((data_dir / "secrets.json").read_text())
    keys = KeyMaterial(
        keyring_from_secrets(secrets["encryption_key"]),
        secrets["linkage_key"].encode(),
    )
    engine = make_engine(f"sqlite:///{data_dir / 'schakel.db'}")
    factory = make_session_factory(engine)
    clock.shift(-400 * 86400)
    try:
        with scoped_transaction(factory, Scope.system_wide()) as session:
            org = accounts.add_organisation(
                session,
                name="Gemeente Oud",
                org_type=OrgType.MUNICIPALITY,
                region=Region.LIMBURG,
            )
            user = accounts.add_user(
                session,
                org=org,
                username="oud.medewerker",
                display_name="oud",
                password="correct-horse-battery-staple",
                roles=[Role.PROFESSIONAL],
            )
            actor = accounts.actor_for(session, user.id)
            row = signal_service.save(
                session,
                actor,
                SignalInput.model_validate(SAMPLE_SIGNAL),
                keys,
                submit=True,
            )
            return row.id
    finally:
        clock.reset()
        engine.dispose()


def test_dry_run_then_run_then_nothing(tmp_path):
    assert run(tmp_path, "db", "upgrade").returncode == 0
    signal_id = _old_signal(tmp_path)
    dry = run(tmp_path, "retention", "run", "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    report = json.loads(dry.stdout)
    assert report["dry_run"] and report["audit_seq"] is None
    assert report["counts"] == {"soft_signal_no_follow_up": 1}
    assert report["expired"][0]["record_id"] == signal_id
    done = run(tmp_path, "retention", "run")
    assert done.returncode == 0 and done.stdout == ""
    assert "soft_signal_no_follow_up: 1" in done.stderr
    assert "auditregel" in done.stderr
    again = run(tmp_path, "retention", "run", "--json")
    assert json.loads(again.stdout)["counts"] == {}
    verify = run(tmp_path, "audit", "verify")
    assert verify.returncode == 0, verify.stderr
