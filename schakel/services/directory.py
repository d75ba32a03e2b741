"""The partner directory and an organisation's own accounts."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from schakel.errors import NotPermitted
from schakel.services.actor import Actor
from schakel.store.models import Organisation, User
from schakel.vocabulary import Role


def organisations(session: Session) -> list[Organisation]:
    return list(session.scalars(select(Organisation).order_by(Organisation.name)))


def users_of(session: Session, actor: Actor) -> list[User]:
    if not actor.has(Role.ADMIN):
        raise NotPermitted("Alleen beheerders zien de gebruikers.")
    return list(
        session.scalars(
            select(User).where(User.org_id == actor.org_id).order_by(User.username)
        )
    )
