"""Mapping between the HTML intake form and the aanmeldformulier model.

The form has fixed slots for two persons (``p0_``/``p1_``) and one-per-line text
areas for phones, e-mail addresses, IBANs, plates, addresses and accounts
(``platform: handle``). Validation errors come back keyed by form field name.
"""

from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from schakel.signals import SignalInput

PERSON_SLOTS = 2
PERSON_FIELDS = ("given_name", "surname", "date_of_birth", "gender", "bsn")
LIST_FIELDS = ("phones", "emails", "ibans", "plates", "addresses")


def _lines(value: object) -> list[str]:
    return [line.strip() for line in str(value or "").splitlines() if line.strip()]


def raw_from_form(form: FormData) -> dict[str, Any]:
    """A dict in the shape of :class:`SignalInput` from the submitted form."""
    persons = []
    for slot in range(PERSON_SLOTS):
        prefix = f"p{slot}_"
        person = {
            f: str(form.get(prefix + f) or "").strip() or None for f in PERSON_FIELDS
        }
        roles = [str(r) for r in form.getlist(prefix + "roles")]
        if any(person.values()) or roles:
            persons.append({**person, "roles": roles})
    accounts = []
    for line in _lines(form.get("accounts")):
        platform, _, handle = line.partition(":")
        accounts.append(
            {"platform": platform.strip(), "handle": handle.strip() or platform.strip()}
        )
    consent = {"status": form.get("consent_status") or "not_asked"}
    for name in ("recipient", "purpose", "given_by"):
        value = form.get(f"consent_{name}")
        if value:
            consent[name] = value
    raw: dict[str, Any] = {
        "source": form.get("source") or "inspection",
        "observed_on": form.get("observed_on") or None,
        "municipality": form.get("municipality") or None,
        "forms": [str(v) for v in form.getlist("forms")],
        "indicators": [str(v) for v in form.getlist("indicators")],
        "urgency": form.get("urgency") or "normal",
        "description": str(form.get("description") or ""),
        "persons": persons,
        "accounts": accounts,
        "consent": consent,
    }
    for name in LIST_FIELDS:
        raw[name] = _lines(form.get(name))
    return raw


def form_from_model(content: SignalInput) -> dict[str, Any]:
    """The form values that show ``content`` again (to resume a draft)."""
    values: dict[str, Any] = {
        "source": content.source.value,
        "observed_on": content.observed_on or "",
        "municipality": content.municipality or "",
        "forms": [f.value for f in content.forms],
        "indicators": list(content.indicators),
        "urgency": content.urgency.value,
        "description": content.description,
        "accounts": "\n".join(f"{a.platform}: {a.handle}" for a in content.accounts),
        "consent_status": content.consent.status.value,
        "consent_recipient": content.consent.recipient.value
        if content.consent.recipient
        else "",
        "consent_purpose": content.consent.purpose.value
        if content.consent.purpose
        else "",
        "consent_given_by": content.consent.given_by or "",
    }
    for name in LIST_FIELDS:
        values[name] = "\n".join(getattr(content, name))
    for slot, person in enumerate(content.persons[:PERSON_SLOTS]):
        for field in PERSON_FIELDS:
            values[f"p{slot}_{field}"] = getattr(person, field) or ""
        values[f"p{slot}_roles"] = [r.value for r in person.roles]
    return values


def form_values(raw: dict[str, Any]) -> dict[str, Any]:
    """Values to refill the form after a failed submission."""
    values = {
        k: v
        for k, v in raw.items()
        if k not in ("persons", "consent", "accounts", *LIST_FIELDS)
    }
    for name in LIST_FIELDS:
        values[name] = "\n".join(raw.get(name, []))
    values["accounts"] = "\n".join(
        f"{a['platform']}: {a['handle']}" for a in raw.get("accounts", [])
    )
    for key, value in raw.get("consent", {}).items():
        values["consent_status" if key == "status" else f"consent_{key}"] = value
    for slot, person in enumerate(raw.get("persons", [])[:PERSON_SLOTS]):
        for field in PERSON_FIELDS:
            values[f"p{slot}_{field}"] = person.get(field) or ""
        values[f"p{slot}_roles"] = person.get("roles", [])
    return values


def field_errors(exc: ValidationError) -> dict[str, str]:
    """Pydantic errors keyed by the form field that caused them, in Dutch."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        loc = list(error.get("loc", ()))
        if loc[:1] == ["persons"] and len(loc) >= 3:
            name = f"p{loc[1]}_{loc[2]}"
        elif loc[:1] == ["consent"] and len(loc) >= 2:
            name = f"consent_{loc[1]}"
        elif loc[:1] == ["consent"]:
            name = "consent_status"
        else:
            name = str(loc[0]) if loc else "formulier"
        message = str(error.get("msg", "")).removeprefix("Value error, ")
        errors.setdefault(name, f"{name}: {message}")
    return errors


def parse(raw: dict[str, Any]) -> SignalInput:
    return SignalInput.model_validate(raw)
