from argon2 import PasswordHasher, Type

from schakel.services import accounts


def test_production_hasher_is_argon2id_with_default_cost():
    hasher = PasswordHasher()
    assert hasher.type is Type.ID
    assert hasher.time_cost >= 2 and hasher.memory_cost >= 19 * 1024
    assert accounts.hash_password("a-long-enough-password").startswith("$argon2id$")


def test_short_password_is_refused():
    import pytest

    from schakel.errors import InvalidInput

    with pytest.raises(InvalidInput, match="12"):
        accounts.hash_password("kort")


def test_unknown_user_costs_a_hash_verification_too(factory, world, monkeypatch):
    """Constant time: an unknown name still runs one argon2 verification."""
    from schakel.store.tenancy import Scope, scoped_transaction

    calls = []
    real = accounts._hasher

    class CountingHasher:
        def verify(self, hashed, password):
            calls.append(hashed)
            return real.verify(hashed, password)

        def check_needs_rehash(self, hashed):
            return real.check_needs_rehash(hashed)

    monkeypatch.setattr(accounts, "_hasher", CountingHasher())
    for username in ("utrecht.medewerker", "niemand.bekend"):
        with scoped_transaction(factory, Scope.system_wide()) as session:
            try:
                accounts.authenticate(
                    session,
                    username,
                    "wrong-password-123",
                    max_failures=100,
                    lockout_minutes=1,
                )
            except accounts.LoginFailed:
                pass
    assert len(calls) == 2
    assert calls[1] == accounts._DUMMY_HASH
