"""Tenancy in the data layer (both backends) and row-level security (PostgreSQL)."""

import pytest
from sqlalchemy import select, text

from schakel.store.db import make_engine
from schakel.store.models import ShareDecision
from schakel.store.tenancy import MissingScope, Scope, scoped_transaction
from tests.factory import user_id


def _add_decision(factory, org_id, uid):
    with scoped_transaction(factory, Scope.for_org(org_id)) as session:
        row = ShareDecision(
            org_id=org_id,
            user_id=uid,
            question={},
            answer={},
            decision="allowed",
            ruleset_version="t",
            note="",
        )
        session.add(row)
        session.flush()
        return row.id


def test_org_scope_sees_only_own_rows(factory, world):
    a_id = _add_decision(factory, world.a.id, user_id(world, "utrecht.medewerker"))
    b_id = _add_decision(factory, world.b.id, user_id(world, "avim.medewerker"))
    with scoped_transaction(factory, Scope.for_org(world.a.id)) as session:
        ids = set(session.scalars(select(ShareDecision.id)).all())
        assert ids == {a_id, *world.a.records["decision_id"]}
        assert b_id not in ids


def test_get_by_primary_key_of_other_org_is_filtered(factory, world):
    b_id = _add_decision(factory, world.b.id, user_id(world, "avim.medewerker"))
    with scoped_transaction(factory, Scope.for_org(world.a.id)) as session:
        found = session.scalars(
            select(ShareDecision).where(ShareDecision.id == b_id)
        ).first()
        assert found is None


def test_session_without_scope_cannot_read_tenant_tables(factory, world):
    with factory() as session, pytest.raises(MissingScope):
        session.scalars(select(ShareDecision)).all()


@pytest.mark.postgres
@pytest.mark.parametrize("engine", ["postgres"], indirect=True)
def test_row_level_security_holds_against_raw_sql_for_app_role(
    postgres_engine, factory, world
):
    """Superusers bypass RLS, so connect as a plain role like production does."""
    _add_decision(factory, world.a.id, user_id(world, "utrecht.medewerker"))
    _add_decision(factory, world.b.id, user_id(world, "avim.medewerker"))
    with postgres_engine.begin() as connection:
        connection.execute(
            text(
                "DO $$ BEGIN IF NOT EXISTS "
                "(SELECT 1 FROM pg_roles WHERE rolname='schakel_app_test') "
                "THEN CREATE ROLE schakel_app_test LOGIN; END IF; END $$"
            )
        )
        connection.execute(text("GRANT USAGE ON SCHEMA public TO schakel_app_test"))
        connection.execute(
            text(
                "GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public "
                "TO schakel_app_test"
            )
        )
        connection.execute(
            text("GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO schakel_app_test")
        )
    url = postgres_engine.url.set(username="schakel_app_test", password=None)
    app_engine = make_engine(url.render_as_string(hide_password=False))
    try:
        with app_engine.begin() as connection:
            connection.execute(
                text("SELECT set_config('schakel.org_id', :o, true)"),
                {"o": str(world.a.id)},
            )
            orgs = (
                connection.execute(text("SELECT DISTINCT org_id FROM share_decisions"))
                .scalars()
                .all()
            )
            # (the world already holds one reasoning per organisation)
            assert orgs == [world.a.id]
        with app_engine.begin() as connection:
            rows = connection.execute(
                text("SELECT count(*) FROM share_decisions")
            ).scalar()
            assert rows == 0
        with app_engine.begin() as connection:
            connection.execute(
                text("SELECT set_config('schakel.org_id', :o, true)"),
                {"o": str(world.a.id)},
            )
            with pytest.raises(Exception, match="row-level security"):
                connection.execute(
                    text(
                        "INSERT INTO share_decisions (org_id, user_id, question, "
                        "answer, decision, "
                        "ruleset_version, note, created_at) VALUES "
                        "(:b, 1, '{}', '{}', 'allowed', 't', '', now())"
                    ),
                    {"b": world.b.id},
                )
    finally:
        app_engine.dispose()
