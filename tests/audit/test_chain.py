from dataclasses import replace

from schakel.audit import GENESIS_HASH, AuditRecord, entry_hash, verify_chain


def make_chain(n: int) -> list[AuditRecord]:
    records, prev = [], GENESIS_HASH
    for seq in range(1, n + 1):
        record = AuditRecord(
            seq=seq,
            at=f"2026-11-22T10:00:{seq:02d}",
            action="login",
            actor_user_id=seq,
            org_id=1,
            object_type="user",
            object_ref=str(seq),
            ruleset_version=None,
            detail={"n": seq},
            prev_hash=prev,
        )
        record = replace(record, hash=entry_hash(record))
        records.append(record)
        prev = record.hash
    return records


def test_intact_chain_verifies():
    assert verify_chain(make_chain(5)) is None


def test_modified_entry_is_named():
    chain = make_chain(5)
    chain[2] = replace(chain[2], action="share")
    broken = verify_chain(chain)
    assert broken is not None and broken.seq == 3


def test_deleted_entry_is_named():
    chain = make_chain(5)
    del chain[1]
    broken = verify_chain(chain)
    assert broken is not None and broken.seq == 3


def test_reordered_entries_fail():
    chain = make_chain(5)
    chain[1], chain[2] = chain[2], chain[1]
    broken = verify_chain(chain)
    assert broken is not None and broken.seq == 3


def test_rehashed_modification_still_breaks_the_next_link():
    chain = make_chain(4)
    changed = replace(chain[1], detail={"n": 99})
    chain[1] = replace(changed, hash=entry_hash(changed))
    broken = verify_chain(chain)
    assert broken is not None and broken.seq == 3
