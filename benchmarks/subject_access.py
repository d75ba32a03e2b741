"""Subject-access search: name-and-birth-date lookups against many person encodings.

Run: ``PYTHONPATH=. python benchmarks/subject_access.py [--people 100000]
[--database-url postgresql+psycopg://...]`` (default: a temporary SQLite file).

Fills the store with synthetic people (birth years 1950-2009, so a birth-year block
holds about 1/60 of them) as the intake would index them, then times
:func:`schakel.services.rights.find_signals` (the birth-year block of
:mod:`schakel.services.matching`) against the reference it replaced, which compared
the probe with every encoding. Every search must find the (misspelt) person; the
reference may find more: people with a similar name whose birth date is close but
in another year, which the block leaves out (the trade-off hit/no-hit makes too).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402

from schakel.services import accounts, rights  # noqa: E402
from schakel.services.matching import (  # noqa: E402
    birth_year_block,
    encode_persons,
    person_similarity,
)
from schakel.signals import PartyRole, PersonInput, SignalInput  # noqa: E402
from schakel.store.db import make_engine, make_session_factory  # noqa: E402
from schakel.store.migrate import upgrade  # noqa: E402
from schakel.store.models import PersonEncoding, Signal  # noqa: E402
from schakel.store.tenancy import Scope, elevated, scoped_transaction  # noqa: E402
from schakel.vocabulary import OrgType, Region, Role  # noqa: E402
from tests.factory import keys_for_tests  # noqa: E402

GIVEN = ["Alina", "Bogdan", "Corina", "Dmytro", "Elena", "Florin", "Ioana", "Jana"]
SURNAMES = ["Abramescu", "Bielawska", "Cernova", "Dragomir", "Fedorenko", "Grigore"]


def _person(rng: random.Random, n: int) -> dict[str, str]:
    return {
        "given_name": rng.choice(GIVEN),
        "surname": f"{rng.choice(SURNAMES)}{n % 997}",
        "date_of_birth": f"{rng.randint(1950, 2009)}-{rng.randint(1, 12):02d}-"
        f"{rng.randint(1, 28):02d}",
    }


def _fill(factory, people: int, seed: int) -> list[dict[str, str]]:
    keys = keys_for_tests()
    rng = random.Random(seed)
    persons = [_person(rng, n) for n in range(people)]
    with scoped_transaction(factory, Scope.system_wide()) as session:
        org = accounts.add_organisation(
            session,
            name="Bench",
            org_type=OrgType.MUNICIPALITY,
            region=Region.MIDDEN_NEDERLAND,
        )
        user = accounts.add_user(
            session,
            org=org,
            username="bench",
            display_name="b",
            password="bench-password-123",
            roles=[Role.PROFESSIONAL],
        )
        for start in range(0, people, 5000):
            chunk = persons[start : start + 5000]
            signals = [
                {
                    "org_id": org.id,
                    "reporter_user_id": user.id,
                    "status": "submitted",
                    "source": "intake",
                    "region": "midden_nederland",
                    "urgency": "normal",
                    "content_enc": "",
                    "consent_status": "not_asked",
                }
                for _ in chunk
            ]
            ids = session.scalars(insert(Signal).returning(Signal.id), signals).all()
            encodings = []
            for signal_id, person in zip(ids, chunk, strict=True):
                content = SignalInput(
                    persons=[PersonInput(roles=[PartyRole.POSSIBLE_VICTIM], **person)]
                )
                encodings.append(
                    {
                        "org_id": org.id,
                        "signal_id": signal_id,
                        "encoding": encode_persons(content, keys)[0],
                        "block": birth_year_block(
                            person["date_of_birth"], keys.linkage_secret
                        ),
                    }
                )
            session.execute(insert(PersonEncoding), encodings)
    return persons


def _reference(session, query: rights.SubjectQuery, keys) -> set[int]:
    """The search before blocking: every encoding compared with the probe."""
    person = PersonInput(
        roles=[PartyRole.OTHER],
        given_name=query.given_name or None,
        surname=query.surname or None,
        date_of_birth=query.date_of_birth,
    )
    mine = encode_persons(SignalInput(persons=[person]), keys)
    found = set()
    with elevated(session):
        for signal_id, encoding in session.execute(
            select(PersonEncoding.signal_id, PersonEncoding.encoding)
        ):
            if any(person_similarity(p, encoding) > 0 for p in mine):
                found.add(signal_id)
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=20)
    parser.add_argument("--reference-queries", type=int, default=3)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        from sqlalchemy import text

        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(engine)
    factory = make_session_factory(engine)
    started = time.perf_counter()
    persons = _fill(factory, args.people, args.seed)
    print(
        f"{engine.dialect.name}: {args.people:,} people indexed in "
        f"{time.perf_counter() - started:.1f} s"
    )
    keys = keys_for_tests()
    rng = random.Random(args.seed + 1)
    probes, signal_of = [], []
    for number in rng.sample(range(len(persons)), args.queries):
        person = persons[number]
        signal_of.append(number + 1)  # signals were inserted in order from id 1
        variant = dict(person)
        variant["surname"] = variant["surname"].replace("a", "e", 1)  # a misspelling
        probes.append(rights.parse_query(variant))
    blocked, reference, outside = [], [], 0
    with scoped_transaction(factory, Scope.system_wide()) as session:
        for index, query in enumerate(probes):
            t0 = time.perf_counter()
            found = set(rights.find_signals(session, query, keys))
            blocked.append(time.perf_counter() - t0)
            if index < args.reference_queries:
                t0 = time.perf_counter()
                expected = _reference(session, query, keys)
                reference.append(time.perf_counter() - t0)
                assert found <= expected, (found, expected)
                outside += len(expected - found)
            assert signal_of[index] in found, "the misspelt person was not found"
    print(
        f"blocked (birth-year block): median {statistics.median(blocked) * 1000:.0f} "
        f"ms, max {max(blocked) * 1000:.0f} ms per search ({len(blocked)} searches)"
    )
    print(
        f"reference (every encoding): median "
        f"{statistics.median(reference) * 1000:.0f} ms per search "
        f"({len(reference)} searches; {outside} extra candidate(s) with a similar "
        "name and a birth date in another year, which blocking leaves out)"
    )


if __name__ == "__main__":
    main()
