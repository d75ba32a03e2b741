"""The auditor's extract verifies without a database, and every tampering fails."""

import json

import pytest

from schakel.audit import (
    InvalidExport,
    export_lines,
    new_seed,
    public_key_b64,
    sign_checkpoint,
    signing_key_from_seed,
    verify_export,
)
from tests.audit.test_chain import make_chain

KEY = signing_key_from_seed(new_seed())
OTHER = signing_key_from_seed(new_seed())


def extract(n=8, from_seq=1, signed=(4, 8), key=KEY):
    chain = make_chain(n)
    checkpoints = [sign_checkpoint(key, s, chain[s - 1].hash, "t") for s in signed]
    return list(
        export_lines(
            chain[from_seq - 1 :],
            [c for c in checkpoints if c.seq >= from_seq],
            public_key=public_key_b64(key),
            from_seq=from_seq,
            to_seq=n,
            exported_at="2026-11-22T00:00:00",
        )
    )


def edit(lines, index, **changes):
    raw = json.loads(lines[index])
    raw.update(changes)
    return [*lines[:index], json.dumps(raw), *lines[index + 1 :]]


def test_fresh_extract_verifies():
    result = verify_export(extract())
    assert result.broken is None
    assert (result.from_seq, result.to_seq, result.entries) == (1, 8, 8)
    assert result.checkpoints == 2 and result.signed_up_to == 8


def test_partial_extract_from_a_later_entry_verifies():
    result = verify_export(extract(from_seq=3))
    assert result.broken is None and result.entries == 6


def test_pinned_public_key_must_match():
    pinned = verify_export(extract(), expected_public_key=public_key_b64(KEY))
    assert pinned.broken is None
    broken = verify_export(extract(), expected_public_key=public_key_b64(OTHER)).broken
    assert broken is not None and "sleutel" in broken.reason


def test_modified_entry_fails():
    lines = edit(extract(), 3, action="share.create")
    broken = verify_export(lines).broken
    assert broken is not None and broken.seq == 3


def test_dropped_last_entries_fail():
    lines = extract()
    lines = [line for line in lines if json.loads(line).get("seq") not in (7, 8)]
    assert verify_export(lines).broken is not None


def test_unsigned_tail_fails():
    broken = verify_export(extract(signed=(4,))).broken
    assert broken is not None and "5 t/m 8" in broken.reason


def test_re_signed_extract_with_the_attackers_key_fails_when_pinned():
    forged = extract(key=OTHER)
    assert verify_export(forged).broken is None  # integrity alone
    pinned = verify_export(forged, expected_public_key=public_key_b64(KEY))
    assert pinned.broken is not None


def test_modified_checkpoint_fails():
    lines = extract()
    broken = verify_export(edit(lines, len(lines) - 1, signed_at="x")).broken
    assert broken is not None and broken.seq == 8


@pytest.mark.parametrize(
    ("lines", "keywords"),
    [
        ([], "leeg"),
        (["{nope"], "regel 1"),
        (['{"type": "entry"}'], "kop"),
        (['{"type":"header","format":"schakel-audit-export","version":9}'], "versie"),
    ],
)
def test_malformed_files_name_the_line(lines, keywords):
    with pytest.raises(InvalidExport, match=keywords):
        verify_export(lines)


def test_entry_without_fields_names_line_and_field():
    lines = extract()
    lines[2] = '{"type": "entry", "seq": 2}'
    with pytest.raises(InvalidExport, match="regel 3.*action"):
        verify_export(lines)
