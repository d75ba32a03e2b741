"""Audit entries mapped onto the Logboek Dataverwerkingen fields."""

from dataclasses import replace

from schakel.audit import logboek_record, span_id, trace_id
from tests.audit.test_chain import make_chain


def _map(record, namespace="k1"):
    return logboek_record(
        record,
        namespace=namespace,
        processing_activity_id="urn:x:act",
        organisation="Gemeente Test",
        service_version="0.1",
    )


def _attributes(line):
    return {a["key"]: a["value"] for a in line["attributes"]}


def test_required_fields_and_id_sizes():
    line = _map(make_chain(1)[0])
    for name in ("trace_id", "span_id", "status_code", "name", "start_time"):
        assert line[name]
    assert len(bytes.fromhex(line["trace_id"])) == 16
    assert len(bytes.fromhex(line["span_id"])) == 8
    assert line["start_time"].endswith("Z") and line["end_time"] == line["start_time"]
    attributes = _attributes(line)
    assert attributes["dpl.core.processing_activity_id"] == "urn:x:act"
    assert attributes["schakel.organisation"] == "Gemeente Test"


def test_ids_are_deterministic_and_namespaced():
    record = make_chain(1)[0]
    assert _map(record) == _map(record)
    assert _map(record)["span_id"] != _map(record, "k2")["span_id"]


def test_actions_on_one_object_share_a_trace():
    a, b = make_chain(2)
    b = replace(b, object_type=a.object_type, object_ref=a.object_ref)
    assert trace_id("k", a) == trace_id("k", b)
    assert span_id("k", a.seq) != span_id("k", b.seq)
    other = replace(b, object_ref="other")
    assert trace_id("k", other) != trace_id("k", a)


def test_parent_and_foreign_operation_come_from_detail():
    record = replace(
        make_chain(3)[2],
        detail={
            "parent_seq": 1,
            "foreign_trace_id": "ab" * 16,
            "foreign_span_id": "cd" * 8,
            "foreign_entity": "https://partner.example",
        },
    )
    line = _map(record)
    assert line["parent_span_id"] == span_id("k1", 1)
    assert line["foreign_operation"]["entity"] == "https://partner.example"


def test_refusals_are_unset_others_ok():
    record = make_chain(1)[0]
    assert _map(record)["status_code"] == "STATUS_CODE_OK"
    refused = replace(record, action="login.failed")
    assert _map(refused)["status_code"] == "STATUS_CODE_UNSET"
