import json

import pytest

from schakel.linkage import (
    Encoder,
    InvalidConfig,
    InvalidSecret,
    LinkageConfig,
    dice_reference,
)
from schakel.linkage._keys import unb64

from .factory import CONFIG

SECRET = b"a-test-secret-of-enough-bytes"
ROW = {
    "id": "r1", "given": "Oksana", "surname": "Melnyk", "dob": "23-11-2001",
    "street": "Kerkstraat 12", "postcode": "1234 AB", "phone": "06 8765 4321",
}  # fmt: skip


def test_record_has_id_version_key_and_no_plaintext():
    out = Encoder(SECRET, CONFIG).encode(ROW)
    blob = json.dumps(out.record).lower()
    assert out.record["id"] == "r1"
    assert out.record["version"] == 1
    assert out.problems == []
    for plain in ("oksana", "melnyk", "2001", "kerkstraat", "1234ab", "87654321"):
        assert plain not in blob


def test_field_that_cannot_be_normalised_is_left_out_and_reported():
    out = Encoder(SECRET, CONFIG).encode({**ROW, "dob": "31-02-2001", "phone": ""})
    assert "dob" not in out.record["fields"]
    assert "phone" not in out.record["fields"]
    assert [p.column for p in out.problems] == ["dob"]


def test_exact_kinds_carry_a_token_fuzzy_kinds_do_not():
    fields = Encoder(SECRET, CONFIG).encode(ROW).record["fields"]
    assert "token" in fields["phone"]
    assert "token" not in fields["given"]


def test_similar_names_give_similar_filters_other_secret_unrelated():
    enc, other = Encoder(SECRET, CONFIG), Encoder(SECRET[::-1], CONFIG)

    def bloom(e: Encoder, name: str) -> bytes:
        return unb64(
            e.encode({**ROW, "surname": name}).record["fields"]["surname"]["bloom"]
        )

    assert dice_reference(bloom(enc, "Melnyk"), bloom(enc, "Melnik")) > 0.6
    assert dice_reference(bloom(enc, "Melnyk"), bloom(enc, "Jansen")) < 0.45
    assert dice_reference(bloom(enc, "Melnyk"), bloom(other, "Melnyk")) < 0.45


@pytest.mark.parametrize(
    ("config", "words"),
    [
        ({"id_column": "id", "fields": [{"column": "x", "kind": "shoe"}]}, ["kind"]),
        ({"id_column": "id", "fields": []}, ["fields"]),
        ({"fields": [{"column": "x", "kind": "name"}]}, ["id_column"]),
        (
            {
                "id_column": "id",
                "fields": [{"column": "x", "kind": "name"}],
                "version": 9,
            },
            ["version"],
        ),
        (
            {"id_column": "id", "fields": [{"column": "x", "kind": "name"}] * 2},
            ["dubbel"],
        ),
        (
            {"id_column": "id", "fields": [{"column": "x", "kind": "name", "bits": 9}]},
            ["bits"],
        ),
        (["not", "a", "mapping"], ["mapping"]),
    ],
)
def test_bad_configs_name_the_key(config, words):
    with pytest.raises(InvalidConfig) as info:
        LinkageConfig.parse(config)
    for word in words:
        assert word in str(info.value)


def test_header_check_names_the_missing_column():
    with pytest.raises(InvalidConfig, match="phone"):
        LinkageConfig.parse(CONFIG).check_header(
            ["id", "given", "surname", "dob", "street", "postcode"]
        )


def test_short_secret_is_refused():
    with pytest.raises(InvalidSecret):
        Encoder(b"0123456789", CONFIG)


def test_json_line_equals_the_record_dumped():
    enc = Encoder(SECRET, CONFIG)
    rows = [ROW, {**ROW, "id": "r2", "dob": "31-02-2001"}, {**ROW, "id": "r3"}]
    for row in rows:
        line, problems = enc.encode_json(row)
        expected = enc.encode(row)
        assert json.loads(line) == expected.record
        assert problems == expected.problems
        dumped = json.dumps(expected.record, ensure_ascii=False, separators=(",", ":"))
        assert line == dumped
