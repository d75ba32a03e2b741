"""Builders for the rights tests: a third organisation and signals about one person
reported under spelling variants, plus a scan of the whole database for plaintext."""

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from schakel.services import accounts, gate, match_queue
from schakel.services import signals as signal_service
from schakel.services.actor import Actor
from schakel.signals import SignalInput
from schakel.store.models import Base, Organisation, User
from schakel.store.tenancy import Scope, scoped_transaction
from schakel.vocabulary import OrgType, Purpose, Region, Role
from tests.factory import PASSWORD, World, keys_for_tests, user_id

KEYS = keys_for_tests()
PHONE = "06 9876 5432"
PHONE_NORMAL = "+31698765432"
SURNAMES = {
    "a": ("Daria", "Testescu"),
    "b": ("Darja", "Testescu"),
    "c": ("Daria", "Testesku"),
}
DOB = "1994-03-08"


def add_third_org(world: World) -> int:
    """A shelter (``opvang.*``) with a professional and a privacy officer."""
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        org = accounts.add_organisation(
            session,
            name="Opvang Noord",
            org_type=OrgType.SHELTER,
            region=Region.NOORD_NEDERLAND,
        )
        accounts.add_user(
            session,
            org=org,
            username="opvang.medewerker",
            display_name="opvang.medewerker",
            password=PASSWORD,
            roles=[Role.PROFESSIONAL],
        )
        return org.id


def actor(world: World, username: str) -> Actor:
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        return accounts.actor_for(session, user_id(world, username))


def signal_about(
    given: str,
    surname: str,
    *,
    phone: str | None = None,
    description: str = "Werkt zeven dagen per week zonder loon.",
    status_draft: bool = False,
) -> SignalInput:
    return SignalInput.model_validate(
        {
            "source": "intake",
            "observed_on": "2026-10-01",
            "municipality": "Utrecht",
            "forms": ["labour_exploitation"],
            "indicators": ["withheld_documents"],
            "description": description,
            "persons": [
                {
                    "roles": ["possible_victim"],
                    "given_name": given,
                    "surname": surname,
                    "date_of_birth": DOB,
                }
            ],
            "phones": [phone] if phone else [],
        }
    )


def save_signal(
    world: World, username: str, content: SignalInput, *, submit: bool = True
) -> int:
    """Save (and by default submit) a signal, then run hit/no-hit as the server's
    queue worker would, so that later signals are compared with this one."""
    who = actor(world, username)
    with scoped_transaction(world.factory, Scope.for_org(who.org_id)) as session:
        signal_id = signal_service.save(session, who, content, KEYS, submit=submit).id
    match_queue.run_pending(world.factory)
    return signal_id


def share(
    world: World,
    username: str,
    signal_id: int,
    recipient: int,
    purpose: Purpose = Purpose.INVESTIGATION,
    **kwargs: object,
) -> int:
    who = actor(world, username)
    with scoped_transaction(world.factory, Scope.for_org(who.org_id)) as session:
        request = gate.RouteRequest(
            signal_id=signal_id,
            recipient_org_id=recipient,
            purpose=purpose,
            **kwargs,  # type: ignore[arg-type]
        )
        return gate.deliver(session, who, request, KEYS).id


def set_share_status(world: World, username: str, share_id: int, status: str) -> None:
    who = actor(world, username)
    with scoped_transaction(world.factory, Scope.for_org(who.org_id)) as session:
        gate.update_status(session, who, share_id, status, "")


CONTEXTS = {
    "signals": [("content_enc", "signals.content")],
    "shares": [("payload_enc", "shares.payload")],
    "subject_access_requests": [("subject_enc", "rights.subject")],
    "rectification_requests": [
        ("value_enc", "rights.rectification"),
        ("refusal_enc", "rights.rectification"),
    ],
}


def database_text(session: Session) -> str:
    """Every table's rows as text, with the encrypted columns decrypted."""
    parts: list[str] = []
    for table in Base.metadata.sorted_tables:
        rows = session.execute(text(f"SELECT * FROM {table.name}")).mappings().all()
        for row in rows:
            parts.append(repr(dict(row)))
            for column, context in CONTEXTS.get(table.name, []):
                if row[column]:
                    parts.append(repr(KEYS.keyring.decrypt_json(row[column], context)))
    return "\n".join(parts)


def org_id_of(session: Session, name: str) -> int:
    found = session.scalar(select(Organisation.id).where(Organisation.name == name))
    assert found is not None
    return found


def user_named(session: Session, username: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).one()
    return user
