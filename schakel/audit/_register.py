"""The fixed parts of the register of processing and the retention policies (pure).

Both are package data, validated on load: a retention reference that names no
policy, or an activity id used twice, fails with the file and the key. The parts of
the register that depend on the rule base and on what actually happened are built
by ``schakel.services.register``.
"""

from functools import cache
from importlib.resources import files
from typing import Annotated, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from schakel.errors import SchakelError

_M = TypeVar("_M", bound=BaseModel)
_ID = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$", max_length=60)]


class InvalidRegisterData(SchakelError):
    """A shipped register or retention file is malformed (names file and key)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CitedGround(_Strict):
    citation: str = Field(min_length=3)
    text_nl: str = Field(min_length=3)


class RetentionPolicy(_Strict):
    """How long one kind of record is kept, under which regime, on which source."""

    id: _ID
    record_type_nl: str
    regime: str
    #: ISO 8601 duration, or ``None`` while no period can be cited.
    period: str | None
    period_nl: str
    citation: str = Field(min_length=3)
    text_nl: str


class RetentionPolicies(_Strict):
    version: int
    policies: tuple[RetentionPolicy, ...]

    def get(self, policy_id: str) -> RetentionPolicy:
        for policy in self.policies:
            if policy.id == policy_id:
                return policy
        raise KeyError(policy_id)


class PlatformActivity(_Strict):
    """A processing activity of the platform itself (not a sharing purpose)."""

    id: _ID
    name_nl: str
    purpose_nl: str
    actions: tuple[str, ...]
    data_categories_nl: tuple[str, ...]
    subjects_nl: tuple[str, ...]
    recipients_nl: tuple[str, ...]
    grounds: tuple[CitedGround, ...] = Field(min_length=1)
    retention: str


class SecurityMeasure(_Strict):
    id: _ID
    text_nl: str


class RegisterBase(_Strict):
    version: int
    platform_activities: tuple[PlatformActivity, ...]
    default_activity: str
    security_measures: tuple[SecurityMeasure, ...]

    def activity_for_action(self, action: str) -> str:
        """The platform activity an audit action belongs to (longest prefix wins)."""
        best, length = self.default_activity, -1
        for activity in self.platform_activities:
            for prefix in activity.actions:
                matches = action == prefix or (
                    prefix.endswith(".") and action.startswith(prefix)
                )
                if matches and len(prefix) > length:
                    best, length = activity.id, len(prefix)
        return best


def _load(name: str) -> object:
    text = files("schakel.audit").joinpath(name).read_text("utf-8")
    return yaml.safe_load(text)


def _validated(model: type[_M], name: str) -> _M:
    try:
        return model.model_validate(_load(name))
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InvalidRegisterData(f"{name}: {where}: {first['msg']}") from exc


@cache
def retention_policies() -> RetentionPolicies:
    """``retention_policies.yaml``, validated (ids unique)."""
    policies = _validated(RetentionPolicies, "retention_policies.yaml")
    ids = [p.id for p in policies.policies]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise InvalidRegisterData(
            f"retention_policies.yaml: dubbele id: {', '.join(duplicates)}"
        )
    return policies


@cache
def register_base() -> RegisterBase:
    """``register.yaml``, validated and cross-checked against the retention file."""
    base = _validated(RegisterBase, "register.yaml")
    known = {p.id for p in retention_policies().policies}
    ids = [a.id for a in base.platform_activities]
    for activity in base.platform_activities:
        if activity.retention not in known:
            raise InvalidRegisterData(
                f"register.yaml: platform_activities.{activity.id}.retention: "
                f"onbekende bewaartermijn '{activity.retention}'"
            )
        if ids.count(activity.id) > 1:
            raise InvalidRegisterData(f"register.yaml: dubbele id: {activity.id}")
    if base.default_activity not in ids:
        raise InvalidRegisterData(
            f"register.yaml: default_activity: onbekende activiteit "
            f"'{base.default_activity}'"
        )
    return base
