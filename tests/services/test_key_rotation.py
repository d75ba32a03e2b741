"""Key rotation re-encrypts every value; afterwards the old key is not needed."""

import json
import os
import subprocess
import sys

from sqlalchemy import select

from schakel.crypto import keyring_from_secrets
from schakel.services import accounts, key_rotation
from schakel.services import signals as signal_service
from schakel.services.keys import KeyMaterial
from schakel.settings import Settings, ensure_secrets
from schakel.signals import SignalInput
from schakel.store.db import make_engine, make_session_factory
from schakel.store.models import Share, Signal
from schakel.store.tenancy import Scope, scoped_transaction
from schakel.vocabulary import OrgType, Region, Role
from tests.factory import PASSWORD, SAMPLE_SIGNAL, keys_for_tests


def test_reencrypt_all_moves_every_value_to_the_new_key(world):
    old = keys_for_tests()
    new = KeyMaterial(
        keyring_from_secrets(
            "new-encryption-key-0123456789", ["test-encryption-key-0123456789"]
        ),
        old.linkage_secret,
    )
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        counts = key_rotation.reencrypt_all(session, new)
    assert counts["signals"] >= 2 and counts["shares"] >= 2
    only_new = KeyMaterial(
        keyring_from_secrets("new-encryption-key-0123456789"), old.linkage_secret
    )
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        for row in session.scalars(select(Signal)):
            assert signal_service.decrypt(row, only_new).description
        for share in session.scalars(select(Share)):
            assert share.payload_enc.split(":")[1] == only_new.keyring.current_id


def test_cli_rotates_embedded_key(tmp_path):
    env = {**os.environ, "SCHAKEL_DATA_DIR": str(tmp_path)}
    env.pop("SCHAKEL_DATABASE_URL", None)
    subprocess.run(
        [sys.executable, "-m", "schakel", "db", "upgrade"],
        env=env,
        check=True,
        capture_output=True,
    )
    settings = ensure_secrets(Settings(data_dir=tmp_path))
    engine = make_engine(settings.effective_database_url)
    factory = make_session_factory(engine)
    keys = KeyMaterial.from_settings(settings)
    with scoped_transaction(factory, Scope.system_wide()) as session:
        org = accounts.add_organisation(
            session,
            name="Gemeente Ede",
            org_type=OrgType.MUNICIPALITY,
            region=Region.OOST_NEDERLAND,
        )
        accounts.add_user(
            session,
            org=org,
            username="ede.medewerker",
            display_name="E",
            password=PASSWORD,
            roles=[Role.PROFESSIONAL],
        )
    with scoped_transaction(factory, Scope.system_wide()) as session:
        actor = accounts.actor_for(session, 1)
    with scoped_transaction(factory, Scope.for_org(actor.org_id)) as session:
        signal_service.save(
            session, actor, SignalInput.model_validate(SAMPLE_SIGNAL), keys, submit=True
        )
    before = json.loads((tmp_path / "secrets.json").read_text())["encryption_key"]
    done = subprocess.run(
        [sys.executable, "-m", "schakel", "keys", "rotate", "--new-key"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    stored = json.loads((tmp_path / "secrets.json").read_text())
    assert stored["encryption_key"] != before and stored["encryption_keys_old"] == []
    fresh = KeyMaterial(
        keyring_from_secrets(stored["encryption_key"]), keys.linkage_secret
    )
    with scoped_transaction(factory, Scope.system_wide()) as session:
        row = session.scalars(select(Signal)).one()
        assert signal_service.decrypt(row, fresh).persons[0].given_name == "Ilona"
    engine.dispose()
