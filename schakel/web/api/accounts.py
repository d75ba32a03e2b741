"""Who am I, the organisation directory, and an organisation's users (admins)."""

from fastapi import APIRouter

from schakel.services import directory
from schakel.vocabulary import Role
from schakel.web.api.schemas import (
    ERROR_RESPONSES,
    MePublic,
    OrganisationPublic,
    OrganisationsPublic,
    UserPublic,
    UsersPublic,
)
from schakel.web.deps import CallerDep, SessionDep, require_roles

router = APIRouter(tags=["accounts"], responses=ERROR_RESPONSES)


@router.get("/me", response_model=MePublic)
def me(caller: CallerDep) -> MePublic:
    return MePublic(
        user=UserPublic.model_validate(caller.user),
        organisation=OrganisationPublic.model_validate(caller.user.organisation),
    )


@router.get("/organisations", response_model=OrganisationsPublic)
def organisations(db: SessionDep, caller: CallerDep) -> OrganisationsPublic:
    """The partner directory (no personal data): who can receive a share."""
    orgs = [OrganisationPublic.model_validate(o) for o in directory.organisations(db)]
    return OrganisationsPublic(data=orgs, count=len(orgs))


@router.get(
    "/users", response_model=UsersPublic, dependencies=[require_roles(Role.ADMIN)]
)
def users(db: SessionDep, caller: CallerDep) -> UsersPublic:
    rows = [UserPublic.model_validate(u) for u in directory.users_of(db, caller.actor)]
    return UsersPublic(data=rows, count=len(rows))
