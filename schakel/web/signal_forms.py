"""Mapping between the HTML intake form and the aanmeldformulier model.

The form has fixed slots for two persons (``p0_``/``p1_``) and one-per-line text
areas for phones, e-mail addresses, IBANs, plates, addresses and accounts
(``platform: handle``). Validation errors come back keyed by form field name.
"""

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile

from schakel.signals import SignalInput
from schakel.web.templating import N_

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


@dataclass(frozen=True)
class Step:
    """One page of the multi-step form: the form fields it owns."""

    slug: str
    title: str
    fields: tuple[str, ...]

    def owns(self, name: str) -> bool:
        return name in self.fields


_PERSON_INPUTS = tuple(
    f"p{slot}_{field}"
    for slot in range(PERSON_SLOTS)
    for field in (*PERSON_FIELDS, "roles")
)

STEPS: tuple[Step, ...] = (
    Step(
        "waarneming",
        N_("De waarneming"),
        ("source", "observed_on", "municipality", "urgency"),
    ),
    Step("signalen", N_("Signalen"), ("forms", "indicators", "description")),
    Step("personen", N_("Betrokken personen"), _PERSON_INPUTS),
    Step(
        "kenmerken",
        N_("Telefoon, adressen en accounts"),
        ("phones", "emails", "addresses", "plates", "ibans", "accounts"),
    ),
    Step(
        "toestemming",
        N_("Toestemming"),
        ("consent_status", "consent_recipient", "consent_purpose", "consent_given_by"),
    ),
    Step("controle", N_("Controleren en indienen"), ()),
)
_BY_SLUG = {step.slug: step for step in STEPS}


def step_by_slug(slug: str | None) -> Step:
    """The named step; the first for a missing or unknown name."""
    return _BY_SLUG.get(slug or "", STEPS[0])


def neighbour(step: Step, offset: int) -> Step:
    """The step ``offset`` places away, clamped to the first and last."""
    index = min(max(STEPS.index(step) + offset, 0), len(STEPS) - 1)
    return STEPS[index]


def step_of_error(errors: dict[str, str]) -> Step:
    """The first step holding a field with an error (the review step otherwise)."""
    for step in STEPS:
        if any(step.owns(name) for name in errors):
            return step
    return STEPS[-1]


def merged_form(saved: dict[str, Any], posted: FormData, step: Step | None) -> FormData:
    """The whole form: ``saved`` values with the ``step``'s fields taken from
    ``posted`` (all fields from ``posted`` when ``step`` is None, the one-page form).

    A step's unchecked boxes are absent from the post, so the step's fields are
    replaced as a whole rather than updated key by key.
    """
    if step is None:
        return posted
    items: list[tuple[str, str | UploadFile]] = []
    for name, value in saved.items():
        if step.owns(name):
            continue
        values = value if isinstance(value, list) else [value]
        items.extend((name, str(v)) for v in values if v not in (None, ""))
    items.extend(
        (name, value)
        for name, value in posted.multi_items()
        if step.owns(name) and isinstance(value, str)
    )
    return FormData(items)
