"""Who is acting: the authenticated user, their organisation and roles."""

from dataclasses import dataclass

from schakel.store.models import User
from schakel.vocabulary import OrgType, Region, Role, label


@dataclass(frozen=True)
class Actor:
    user_id: int
    username: str
    display_name: str
    org_id: int
    org_type: OrgType
    organisation_name: str
    region: str
    roles: frozenset[Role]

    @property
    def region_label(self) -> str:
        return label(Region(self.region))

    def has(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @classmethod
    def of(cls, user: User) -> "Actor":
        org = user.organisation
        return cls(
            user_id=user.id,
            username=user.username,
            display_name=user.display_name,
            org_id=org.id,
            org_type=OrgType(org.org_type),
            organisation_name=org.name,
            region=org.region,
            roles=frozenset(Role(r) for r in user.roles),
        )
