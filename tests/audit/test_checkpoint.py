"""Signed checkpoints (pure): what is signed, and each way verification must fail."""

from dataclasses import replace

import pytest

from schakel.audit import (
    Checkpoint,
    InvalidSigningKey,
    checkpoint_message,
    key_id,
    new_seed,
    public_key_b64,
    public_key_from_b64,
    sign_checkpoint,
    signature_valid,
    signing_key_from_seed,
    verify_checkpoints,
)
from tests.audit.test_chain import make_chain

KEY = signing_key_from_seed(new_seed())
OTHER = signing_key_from_seed(new_seed())


def _signed(chain, seqs, key=KEY):
    return [sign_checkpoint(key, s, chain[s - 1].hash, f"2026-11-2{s}") for s in seqs]


def _verify(chain, checkpoints, key=KEY):
    hashes = {r.seq: r.hash for r in chain}
    return verify_checkpoints(checkpoints, key.public_key(), hashes.get, len(chain))


def test_signed_bytes_are_canonical_json_of_seq_hash_and_time():
    assert checkpoint_message(7, "ff", "t") == b'{"hash":"ff","seq":7,"signed_at":"t"}'


def test_seed_round_trip_and_fingerprint_is_stable():
    seed = new_seed()
    first, second = signing_key_from_seed(seed), signing_key_from_seed(seed)
    assert key_id(first) == key_id(second) == key_id(first.public_key())
    assert key_id(first) != key_id(OTHER)
    public = public_key_from_b64(public_key_b64(first))
    assert key_id(public) == key_id(first)


@pytest.mark.parametrize("bad", ["not base64!", "AAAA", ""])
def test_bad_seed_is_refused_with_the_setting_named(bad):
    with pytest.raises(InvalidSigningKey, match="SCHAKEL_AUDIT_SIGNING_KEY"):
        signing_key_from_seed(bad)


def test_intact_chain_with_checkpoints_verifies():
    chain = make_chain(9)
    assert _verify(chain, _signed(chain, [3, 6, 9])) is None


def test_modified_checkpoint_fails():
    chain = make_chain(6)
    checkpoints = _signed(chain, [3, 6])
    checkpoints[0] = replace(checkpoints[0], signed_at="2030-01-01")
    broken = _verify(chain, checkpoints)
    assert broken is not None and broken.seq == 3
    assert "handtekening" in broken.reason


def test_checkpoint_moved_to_another_seq_fails():
    chain = make_chain(6)
    moved = replace(_signed(chain, [3])[0], seq=4, hash=chain[3].hash)
    assert not signature_valid(moved, KEY.public_key())
    assert _verify(chain, [moved]) is not None


def test_truncated_tail_is_detected():
    chain = make_chain(9)
    checkpoints = _signed(chain, [3, 6, 9])
    broken = _verify(chain[:7], checkpoints)
    assert broken is not None and broken.seq == 9
    assert "ingekort" in broken.reason


def test_re_signing_a_shortened_chain_with_another_key_fails():
    chain = make_chain(9)[:5]
    forged = _signed(chain, [3, 5], key=OTHER)
    broken = _verify(chain, forged)
    assert broken is not None and broken.seq == 3
    assert key_id(OTHER) in broken.reason


def test_forged_key_id_does_not_help():
    chain = make_chain(4)
    forged = replace(_signed(chain, [4], key=OTHER)[0], key_id=key_id(KEY))
    assert _verify(chain, [forged]) is not None


def test_rewritten_chain_below_a_checkpoint_fails():
    chain = make_chain(6)
    checkpoints = _signed(chain, [6])
    rewritten = make_chain(6)
    rewritten[5] = replace(rewritten[5], hash="e" * 64)
    broken = _verify(rewritten, checkpoints)
    assert broken is not None and "wijkt af" in broken.reason


def test_garbage_signature_is_invalid_not_an_exception():
    chain = make_chain(2)
    bad = Checkpoint(2, chain[1].hash, "t", key_id(KEY), "%%%")
    assert not signature_valid(bad, KEY.public_key())
