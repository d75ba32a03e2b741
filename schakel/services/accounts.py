"""Organisations, users, passwords, sessions, two-factor and API tokens.

Passwords use argon2id; unknown usernames are checked against a dummy hash so a
log-in takes the same time whether or not the user exists. Session and API tokens
are random 256-bit values of which only the SHA-256 is stored: a database leak does
not hand out live sessions, and checking a token costs microseconds, not the ~0.1 s
of an argon2 verification.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Select, delete, select
from sqlalchemy.orm import Session, contains_eager

from schakel.clock import utcnow
from schakel.errors import InvalidInput, NotFound, NotPermitted
from schakel.services.actor import Actor
from schakel.store import audit_log
from schakel.store.models import ApiToken, Organisation, User, WebSession
from schakel.vocabulary import OrgType, Region, Role

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
SECOND_FACTOR_ROLES = (Role.PRIVACY_OFFICER, Role.ADMIN)
MIN_PASSWORD_LENGTH = 12
GENERIC_LOGIN_ERROR = (
    "Gebruikersnaam of wachtwoord onjuist, of het account is tijdelijk geblokkeerd."
)


class LoginFailed(NotPermitted):
    """One generic message: never reveals whether the user exists."""

    def __init__(self) -> None:
        super().__init__(GENERIC_LOGIN_ERROR)


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"Wachtwoord: minstens {MIN_PASSWORD_LENGTH} tekens.")
    return _hasher.hash(password)


def add_organisation(
    session: Session,
    *,
    name: str,
    org_type: OrgType,
    region: Region,
    municipality: str | None = None,
    actor_user_id: int | None = None,
) -> Organisation:
    name = name.strip()
    if not name:
        raise InvalidInput("naam: mag niet leeg zijn.")
    if org_type is OrgType.MUNICIPALITY and not municipality:
        municipality = name.removeprefix("Gemeente ").strip()
    if session.scalar(select(Organisation.id).where(Organisation.name == name)):
        raise InvalidInput(f"naam: organisatie '{name}' bestaat al.")
    org = Organisation(
        name=name,
        org_type=org_type.value,
        region=region.value,
        municipality=municipality,
    )
    session.add(org)
    session.flush()
    audit_log.append(
        session,
        "organisation.create",
        actor_user_id=actor_user_id,
        org_id=org.id,
        object_type="organisation",
        object_ref=org.id,
        detail={"org_type": org_type.value, "region": region.value},
    )
    return org


def find_organisation(session: Session, name_or_id: str) -> Organisation:
    query = select(Organisation).where(Organisation.name == name_or_id)
    org = session.scalar(query)
    if org is None and name_or_id.isdigit():
        org = session.get(Organisation, int(name_or_id))
    if org is None:
        raise NotFound(f"organisatie: '{name_or_id}' bestaat niet.")
    return org


def add_user(
    session: Session,
    *,
    org: Organisation,
    username: str,
    display_name: str,
    password: str,
    roles: list[Role],
    actor_user_id: int | None = None,
) -> User:
    username = username.strip().lower()
    if (
        not username
        or not username.replace(".", "").replace("-", "").replace("_", "").isalnum()
    ):
        raise InvalidInput(
            "gebruikersnaam: alleen letters, cijfers, punt, streepje of "
            "liggend streepje."
        )
    if not roles:
        raise InvalidInput(
            f"rollen: kies minstens één van {', '.join(r.value for r in Role)}."
        )
    if session.scalar(select(User.id).where(User.username == username)):
        raise InvalidInput(f"gebruikersnaam: '{username}' bestaat al.")
    user = User(
        org_id=org.id,
        username=username,
        display_name=display_name.strip() or username,
        password_hash=hash_password(password),
        roles=sorted({r.value for r in roles}),
        totp_enabled=False,
        failed_logins=0,
        active=True,
    )
    session.add(user)
    session.flush()
    audit_log.append(
        session,
        "user.create",
        actor_user_id=actor_user_id,
        org_id=org.id,
        object_type="user",
        object_ref=user.id,
        detail={"roles": user.roles},
    )
    return user


def list_users(session: Session, org_id: int | None = None) -> list[User]:
    query = select(User).join(Organisation).order_by(Organisation.name, User.username)
    if org_id is not None:
        query = query.where(User.org_id == org_id)
    return list(session.scalars(query))


def needs_second_factor(user: User) -> bool:
    return any(r.value in user.roles for r in SECOND_FACTOR_ROLES)


def authenticate(
    session: Session,
    username: str,
    password: str,
    *,
    max_failures: int,
    lockout_minutes: int,
) -> User:
    """Check a password in constant time; count failures and lock out repeated ones."""
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    candidate_hash = user.password_hash if user is not None else _DUMMY_HASH
    ok: bool
    try:
        ok = bool(_hasher.verify(candidate_hash, password))
    except (VerificationError, InvalidHashError):
        ok = False
    now = utcnow()
    if user is None:
        raise LoginFailed()
    if not user.active or (user.locked_until is not None and user.locked_until > now):
        audit_log.append(
            session,
            "login.refused",
            actor_user_id=user.id,
            org_id=user.org_id,
            object_type="user",
            object_ref=user.id,
            detail={"reason": "locked"},
        )
        raise LoginFailed()
    if not ok:
        user.failed_logins += 1
        if user.failed_logins >= max_failures:
            user.locked_until = now + timedelta(minutes=lockout_minutes)
            user.failed_logins = 0
        audit_log.append(
            session,
            "login.failed",
            actor_user_id=user.id,
            org_id=user.org_id,
            object_type="user",
            object_ref=user.id,
        )
        raise LoginFailed()
    user.failed_logins = 0
    user.locked_until = None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


@dataclass(frozen=True)
class NewSession:
    token: str
    csrf_token: str


def start_session(
    session: Session, user: User, *, hours: float, totp_passed: bool
) -> NewSession:
    """A fresh random session id at every log-in (no fixation)."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            id=sha256_hex(token),
            user_id=user.id,
            csrf_token=csrf,
            totp_passed=totp_passed,
            expires_at=utcnow() + timedelta(hours=hours),
        )
    )
    audit_log.append(
        session,
        "login",
        actor_user_id=user.id,
        org_id=user.org_id,
        object_type="user",
        object_ref=user.id,
    )
    return NewSession(token=token, csrf_token=csrf)


def _user_with_organisation() -> Select[User]:
    """Users with their organisation in the same round trip (the caller's actor)."""
    return (
        select(User).join(User.organisation).options(contains_eager(User.organisation))
    )


def resolve_session(session: Session, token: str) -> tuple[WebSession, User] | None:
    row = session.get(WebSession, sha256_hex(token))
    if row is None or row.expires_at <= utcnow():
        return None
    user = session.scalar(_user_with_organisation().where(User.id == row.user_id))
    if user is None or not user.active:
        return None
    return row, user


def end_session(session: Session, token: str) -> None:
    row = session.get(WebSession, sha256_hex(token))
    if row is not None:
        audit_log.append(
            session,
            "logout",
            actor_user_id=row.user_id,
            object_type="user",
            object_ref=row.user_id,
        )
        session.delete(row)


def purge_expired_sessions(session: Session) -> int:
    result = session.execute(
        delete(WebSession).where(WebSession.expires_at <= utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)


def begin_totp_enrolment(user: User) -> str:
    """A new secret (not yet active until a code has been confirmed)."""
    user.totp_secret = pyotp.random_base32()
    user.totp_enabled = False
    return user.totp_secret


def totp_uri(user: User) -> str:
    return pyotp.TOTP(user.totp_secret or "").provisioning_uri(
        name=user.username, issuer_name="Schakel"
    )


def verify_totp(user: User, code: str) -> bool:
    if not user.totp_secret:
        return False
    return bool(
        pyotp.TOTP(user.totp_secret).verify(
            code.strip().replace(" ", ""), valid_window=1
        )
    )


def confirm_totp(
    session: Session, user: User, web_session: WebSession, code: str
) -> None:
    if not verify_totp(user, code):
        raise InvalidInput(
            "code: de code klopt niet; probeer de volgende code uit de app."
        )
    user.totp_enabled = True
    web_session.totp_passed = True
    audit_log.append(
        session,
        "user.totp_enrolled",
        actor_user_id=user.id,
        org_id=user.org_id,
        object_type="user",
        object_ref=user.id,
    )


def create_api_token(session: Session, user: User, name: str) -> str:
    """Returns the token once; only its hash is stored."""
    token = "sk_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, name=name, token_hash=sha256_hex(token)))
    audit_log.append(
        session,
        "api_token.create",
        actor_user_id=user.id,
        org_id=user.org_id,
        object_type="user",
        object_ref=user.id,
    )
    return token


def resolve_api_token(session: Session, token: str) -> User | None:
    """The token's user (with organisation) in one query; ``None`` when revoked."""
    user = session.scalar(
        _user_with_organisation()
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == sha256_hex(token), ApiToken.revoked_at.is_(None))
    )
    return user if user is not None and user.active else None


def actor_for(session: Session, user_id: int) -> Actor:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("gebruiker bestaat niet")
    return Actor.of(user)
