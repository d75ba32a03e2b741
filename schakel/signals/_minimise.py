"""Which data categories a signal holds, and the part of it a decision covers."""

from functools import cache
from importlib.resources import files
from typing import Any

import yaml

from schakel.signals._schema import PartyRole, SignalInput
from schakel.vocabulary import DataCategory, OrgType, SubjectRole

IDENTIFYING_LISTS = ("phones", "emails", "ibans", "plates", "addresses", "accounts")
SPECIAL = (
    DataCategory.SPECIAL_HEALTH,
    DataCategory.SPECIAL_SEXUAL,
    DataCategory.SPECIAL_OTHER,
)


@cache
def _rules() -> dict[str, list[str]]:
    text = files("schakel.signals").joinpath("categories.yaml").read_text("utf-8")
    data: dict[str, list[str]] = yaml.safe_load(text)
    return data


def categories_of(signal: SignalInput, sender: OrgType) -> set[DataCategory]:
    """The data categories present in ``signal`` as sent by ``sender``."""
    rules = _rules()
    found: set[DataCategory] = set()
    named = any(p.given_name or p.surname or p.date_of_birth for p in signal.persons)
    if (
        named
        or any(getattr(signal, name) for name in IDENTIFYING_LISTS)
        or signal.description
    ):
        found.add(DataCategory.IDENTIFYING)
    if any(p.bsn for p in signal.persons):
        found.add(DataCategory.BSN)
    codes = set(signal.indicators)
    if codes & set(rules["special_health_indicators"]):
        found.add(DataCategory.SPECIAL_HEALTH)
    forms = {f.value for f in signal.forms}
    if forms & set(rules["special_sexual_forms"]) or codes & set(
        rules["special_sexual_indicators"]
    ):
        found.add(DataCategory.SPECIAL_SEXUAL)
    if any(PartyRole.POSSIBLE_PERPETRATOR in p.roles for p in signal.persons):
        found.add(DataCategory.CRIMINAL)
    if sender.value in rules["police_data_senders"]:
        found.add(DataCategory.POLICE_DATA)
    if sender.value in rules["judicial_data_senders"]:
        found.add(DataCategory.JUDICIAL_DATA)
    if not found:
        found.add(DataCategory.IDENTIFYING)
    return found


def subject_of(signal: SignalInput) -> SubjectRole:
    """Whom the signal is about, for the share check: a victim takes precedence."""
    roles = {r for p in signal.persons for r in p.roles}
    if PartyRole.POSSIBLE_VICTIM in roles or not roles:
        return SubjectRole.POSSIBLE_VICTIM
    if PartyRole.POSSIBLE_PERPETRATOR in roles:
        return SubjectRole.POSSIBLE_PERPETRATOR
    return SubjectRole.THIRD_PARTY


def minimise(
    signal: SignalInput,
    sender: OrgType,
    allowed: set[DataCategory],
    *,
    anonymised: bool = False,
) -> dict[str, Any]:
    """The part of ``signal`` that a decision covering ``allowed`` may deliver.

    Free text goes only when every category the signal holds is allowed, because it
    may contain any of them; an anonymised share keeps no identifier and no exact date.
    """
    rules = _rules()
    held = categories_of(signal, sender)
    forms = [f.value for f in signal.forms]
    indicators = list(signal.indicators)
    if DataCategory.SPECIAL_SEXUAL not in allowed and not anonymised:
        forms = [f for f in forms if f not in rules["special_sexual_forms"]]
        indicators = [
            i for i in indicators if i not in rules["special_sexual_indicators"]
        ]
    if DataCategory.SPECIAL_HEALTH not in allowed and not anonymised:
        indicators = [
            i for i in indicators if i not in rules["special_health_indicators"]
        ]
    observed = signal.observed_on
    out: dict[str, Any] = {
        "source": signal.source.value,
        "municipality": signal.municipality,
        "forms": forms,
        "indicators": indicators,
        "urgency": signal.urgency.value,
        "observed_on": observed[:7] if anonymised and observed else observed,
        "anonymised": anonymised,
    }
    if anonymised or DataCategory.IDENTIFYING not in allowed:
        out["persons"] = [{"roles": [r.value for r in p.roles]} for p in signal.persons]
        return out
    persons = []
    for person in signal.persons:
        entry = person.model_dump(mode="json", exclude_none=True)
        if DataCategory.BSN not in allowed:
            entry.pop("bsn", None)
        persons.append(entry)
    out["persons"] = persons
    for name in IDENTIFYING_LISTS:
        value = getattr(signal, name)
        out[name] = [
            v.model_dump(mode="json") if hasattr(v, "model_dump") else v for v in value
        ]
    if held <= allowed and signal.description:
        out["description"] = signal.description
    return out
