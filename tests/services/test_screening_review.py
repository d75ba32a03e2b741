"""The screening review queue as a service: upload, limits, permissions, review,
tenancy and the feedback lines. Runs on SQLite and PostgreSQL."""

import json

import pytest
from sqlalchemy import func, select

from schakel.errors import InvalidInput, NotFound, NotPermitted
from schakel.services import accounts, screening_review
from schakel.services import signals as signal_service
from schakel.services.screening_review import InvalidUpload
from schakel.store.models import AuditEntry, ScreeningBatch, ScreeningHit
from schakel.store.tenancy import Scope, scoped_transaction
from schakel.vocabulary import OrgType, Region, Role
from tests.factory import PASSWORD, keys_for_tests, user_id

FLAGGED = (
    "Btr. (v, 19) werkt in massagesalon, paspoort ligt bij de eigenaar, "
    "moet schuld van 6000 euro afbetalen."
)
PLAIN = "Fietser zonder licht aangehouden, bekeuring uitgeschreven."


KEYS = keys_for_tests()


def jsonl(*rows) -> bytes:
    return "".join(
        (r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows
    ).encode()


class Acting:
    """``with Acting(world, name) as (session, actor)``: one transaction scoped to
    the user's organisation, as a web request has."""

    def __init__(self, world, username):
        self.world, self.username = world, username

    def __enter__(self):
        uid = user_id(self.world, self.username)
        with scoped_transaction(self.world.factory, Scope.system_wide()) as session:
            org_id = accounts.actor_for(session, uid).org_id
        self.ctx = scoped_transaction(self.world.factory, Scope.for_org(org_id))
        session = self.ctx.__enter__()
        return session, accounts.actor_for(session, uid)

    def __exit__(self, *exc):
        return self.ctx.__exit__(*exc)


def police(world):
    return Acting(world, "avim.medewerker")


def add_kmar(world):
    """A second organisation that may screen: the tenancy check needs two."""
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        org = accounts.add_organisation(
            session,
            name="KMar Schiphol",
            org_type=OrgType.KMAR,
            region=Region.NOORD_HOLLAND,
        )
        accounts.add_user(
            session,
            org=org,
            username="kmar.analist",
            display_name="kmar.analist",
            password=PASSWORD,
            roles=[Role.COORDINATOR],
        )
    return Acting(world, "kmar.analist")


def batch_count(world):
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        return session.scalar(select(func.count()).select_from(ScreeningBatch))


def test_upload_keeps_flagged_records_and_reports_bad_lines(world):
    data = jsonl(
        {"id": "m1", "text": FLAGGED},
        {"id": "m2", "text": PLAIN},
        '{"id": "m3", "text": ',
        {"id": "m4"},
        "",
        {"id": 5, "text": "Verdachte ontkent; geen aanwijzingen voor uitbuiting."},
    )
    with police(world) as (session, actor):
        batch = screening_review.upload_batch(session, actor, data, name="week1.jsonl")
        batch_id = batch.id
        assert (batch.lines_read, batch.screened, batch.flagged, batch.skipped) == (
            5,
            3,
            1,
            2,
        )
        assert batch.problems[0].startswith("regel 3: geen geldige JSON")
        assert batch.problems[1] == "regel 4: veld 'text' ontbreekt"
        _, hits = screening_review.get_batch(session, actor, batch_id)
        assert [(h.record_ref, h.line, h.status) for h in hits] == [("m1", 1, "open")]
        hit = hits[0]
        assert hit.types == ["sexual_exploitation"]
        assert hit.score >= 0.5
        spans = [(i["start"], i["end"], i["text"]) for i in hit.indicators]
        assert all(FLAGGED[s:e] == t for s, e, t in spans)
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        entry = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "screening.upload",
                AuditEntry.object_ref == str(batch_id),
            )
        ).one()
        assert entry.detail == {
            "format": "jsonl",
            "read": 5,
            "screened": 3,
            "flagged": 1,
            "skipped": 2,
        }
        assert entry.ruleset_version == batch.lexicon_version


def test_only_an_excerpt_around_the_spans_is_stored(world):
    head = "Begin van de mutatie met Jan de Testpersoon als melder. " + "x " * 200
    tail = " y" * 200 + " Einde met adres Teststraat 1."
    text = head + FLAGGED + tail
    with police(world) as (session, actor):
        batch = screening_review.upload_batch(
            session, actor, jsonl({"id": "lang", "text": text}), name="lang"
        )
        _, hits = screening_review.get_batch(session, actor, batch.id)
        stored = json.dumps([h.excerpts for h in hits])
        assert "Testpersoon" not in stored
        assert "Teststraat" not in stored
        excerpt = hits[0].excerpts[0]
        assert text[excerpt["start"] :].startswith(excerpt["text"])
        assert len(excerpt["text"]) <= len(FLAGGED) + 2 * screening_review.CONTEXT_CHARS
        views = screening_review.highlight(hits[0])
        marked = [s.text for v in views for s in v.segments if s.marked]
        assert marked and all(m in FLAGGED for m in marked)
        assert views[0].leading_gap and views[0].trailing_gap


def test_strict_upload_with_a_bad_line_saves_nothing(world):
    before = batch_count(world)
    data = jsonl({"id": "m1", "text": FLAGGED}, "niet-json")
    with police(world) as (session, actor), pytest.raises(InvalidUpload) as caught:
        screening_review.upload_batch(session, actor, data, name="x", strict=True)
    assert caught.value.problems == [
        "regel 2: geen geldige JSON (Expecting value, kolom 1)"
    ]
    assert batch_count(world) == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "leeg"),
        (b"\n  \n", "leeg"),
        (jsonl("[1, 2]", {"id": "a"}), "geen bruikbare records"),
    ],
)
def test_unusable_files_are_refused(world, data, message):
    before = batch_count(world)
    with police(world) as (session, actor), pytest.raises(InvalidUpload, match=message):
        screening_review.upload_batch(session, actor, data, name="x")
    assert batch_count(world) == before


def test_size_and_record_limits(world, monkeypatch):
    big = b'{"id": 1, "text": "' + b"a" * (5 * 1024 * 1024) + b'"}\n'
    with police(world) as (session, actor), pytest.raises(InvalidUpload, match="5 MB"):
        screening_review.upload_batch(session, actor, big, name="groot")
    monkeypatch.setattr(screening_review, "MAX_RECORDS", 3)
    data = jsonl(*({"id": i, "text": PLAIN} for i in range(4)))
    with (
        police(world) as (session, actor),
        pytest.raises(InvalidUpload, match="meer dan 3 records"),
    ):
        screening_review.upload_batch(session, actor, data, name="veel")


def test_csv_upload_and_missing_column(world):
    data = f'id,text\nc1,"{FLAGGED}"\nc2,"{PLAIN}"\nc3\n'.encode()
    with police(world) as (session, actor):
        batch = screening_review.upload_batch(
            session, actor, data, name="x.csv", input_format="csv"
        )
        assert (batch.screened, batch.flagged, batch.skipped) == (2, 1, 1)
        assert batch.problems == ["regel 4: 1 kolommen, de kop heeft er 2"]
    with (
        police(world) as (session, actor),
        pytest.raises(InvalidUpload, match="kolom 'text' ontbreekt"),
    ):
        screening_review.upload_batch(
            session, actor, b"id,tekst\n1,x\n", name="x.csv", input_format="csv"
        )


def test_format_from_file_name_or_choice():
    assert screening_review.detect_format("a.CSV") == "csv"
    assert screening_review.detect_format("a.jsonl") == "jsonl"
    assert screening_review.detect_format("a.csv", "jsonl") == "jsonl"
    with pytest.raises(InvalidInput, match="jsonl of csv"):
        screening_review.detect_format("a", "xml")


@pytest.mark.parametrize(
    "username",
    ["utrecht.medewerker", "utrecht.analist", "avim.privacy", "avim.beheer"],
)
def test_only_screening_organisations_and_roles_may_screen(world, username):
    data = jsonl({"id": "m1", "text": FLAGGED})
    with Acting(world, username) as (session, actor):
        with pytest.raises(NotPermitted):
            screening_review.upload_batch(session, actor, data, name="x")
        with pytest.raises(NotPermitted):
            screening_review.screen_records(session, actor, [("m1", FLAGGED)])
        with pytest.raises(NotPermitted):
            screening_review.list_batches(session, actor)
        assert not screening_review.may_screen(actor)


def test_screen_records_returns_contract_results_and_stores_nothing(world):
    before = batch_count(world)
    with police(world) as (session, actor):
        results = screening_review.screen_records(
            session, actor, [("a", FLAGGED), (7, PLAIN)]
        )
    assert [r.to_dict()["id"] for r in results] == ["a", 7]
    assert [r.result.flagged for r in results] == [True, False]
    assert set(results[0].to_dict()) == {
        "id",
        "flagged",
        "score",
        "types",
        "indicators",
    }
    assert batch_count(world) == before


def _open_hit(world):
    return world.b.records["hit_id"][0]


def test_accept_with_and_without_note(world):
    with police(world) as (session, actor):
        hit = screening_review.accept_hit(session, actor, _open_hit(world), KEYS)
        assert hit.status == "accepted"
        assert hit.reviewer_id == actor.user_id
        view = signal_service.get(session, actor, hit.signal_id, KEYS)
        assert view.content.source.value == "screening_hit"
        assert view.row.status == "submitted" and view.content.indicators
        assert hit.reviewed_at is not None
        with pytest.raises(InvalidInput, match="al beoordeeld"):
            screening_review.accept_hit(session, actor, hit.id, KEYS)
        batch = screening_review.upload_batch(
            session, actor, jsonl({"id": "m9", "text": FLAGGED}), name="y"
        )
        _, hits = screening_review.get_batch(session, actor, batch.id)
        noted = screening_review.accept_hit(
            session, actor, hits[0].id, KEYS, "  Doorgezet naar AVIM-team.  "
        )
        assert noted.reason_text == "Doorgezet naar AVIM-team."


@pytest.mark.parametrize(
    ("reason", "note", "message"),
    [
        (None, "", "kies waarom"),
        ("", "", "kies waarom"),
        ("boring", "", "geen bekende reden"),
        ("other", "", "licht de reden 'anders' toe"),
        ("already_known", "x" * 1001, "maximaal 1000"),
    ],
)
def test_dismiss_needs_a_known_reason(world, reason, note, message):
    with police(world) as (session, actor):
        with pytest.raises(InvalidInput, match=message):
            screening_review.dismiss_hit(session, actor, _open_hit(world), reason, note)
        hit = screening_review.get_hit(session, actor, _open_hit(world))
        assert hit.status == "open"


def test_dismiss_records_reason_and_audits_only_the_code(world):
    with police(world) as (session, actor):
        hit = screening_review.dismiss_hit(
            session, actor, _open_hit(world), "other", "Ruzie over loon, geen dwang."
        )
        assert (hit.status, hit.reason) == ("dismissed", "other")
        assert hit.reason_text == "Ruzie over loon, geen dwang."
        with pytest.raises(InvalidInput, match="al beoordeeld"):
            screening_review.dismiss_hit(session, actor, hit.id, "already_known")
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "screening.dismiss")
        ).one()
        assert entry.detail == {"batch_id": hit.batch_id, "reason": "other"}
        assert entry.object_ref == str(hit.id)


def test_other_organisation_cannot_see_or_review_hits(world):
    kmar = add_kmar(world)
    batch_id = world.b.records["batch_id"][0]
    hit_id = _open_hit(world)
    with kmar as (session, actor):
        assert screening_review.list_batches(session, actor) == []
        with pytest.raises(NotFound):
            screening_review.get_batch(session, actor, batch_id)
        with pytest.raises(NotFound):
            screening_review.get_hit(session, actor, hit_id)
        with pytest.raises(NotFound):
            screening_review.accept_hit(session, actor, hit_id, KEYS)
        with pytest.raises(NotFound):
            screening_review.dismiss_hit(session, actor, hit_id, "already_known")
        assert screening_review.review_feedback(session, actor) == []
    with police(world) as (session, actor):
        hit = screening_review.get_hit(session, actor, hit_id)
        assert hit.status == "open"
        assert [s.batch.id for s in screening_review.list_batches(session, actor)] == [
            batch_id
        ]


def test_municipality_gets_not_found_not_forbidden_for_a_police_hit(world):
    """Existence is not revealed: the lookup comes before the permission check."""
    with Acting(world, "utrecht.medewerker") as (session, actor):
        with pytest.raises(NotFound):
            screening_review.get_batch(session, actor, world.b.records["batch_id"][0])


def test_review_feedback_in_dev_set_form(world):
    with police(world) as (session, actor):
        screening_review.dismiss_hit(session, actor, _open_hit(world), "misread")
        batch = screening_review.upload_batch(
            session, actor, jsonl({"id": "m9", "text": FLAGGED}), name="y"
        )
        _, hits = screening_review.get_batch(session, actor, batch.id)
        screening_review.accept_hit(session, actor, hits[0].id, KEYS)
        lines = screening_review.review_feedback(session, actor)
    assert [(line["flagged"], line["reason"]) for line in lines] == [
        (False, "misread"),
        (True, None),
    ]
    assert lines[0]["types"] == []
    assert lines[1]["types"] == ["sexual_exploitation"]
    assert "paspoort" in lines[1]["text"]
    for line in lines:
        assert {"id", "source", "text", "flagged", "types", "split"} <= set(line)
        assert line["source"] == "police"


def test_hits_belong_to_the_uploading_organisation(world):
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        hits = session.scalars(select(ScreeningHit)).all()
        assert {h.org_id for h in hits} == {world.b.id}
