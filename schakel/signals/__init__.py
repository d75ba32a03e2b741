"""Signals: the shared aanmeldformulier, validated and minimised (pure, no IO).

Guarantees: every identifier in a signal is normalised (phone E.164, IBAN with
checksum, BSN 11-proof, dates ISO) or refused with a message naming the field;
indicator codes come from the shared taxonomy; the data categories a signal holds
are derived from its content, and :func:`minimise` returns exactly the parts a
share-check decision covers.
"""

from schakel.signals._intake import (
    IntakeProfile,
    intake_profile,
    load_intake_profiles,
    parse_intake_profiles,
)
from schakel.signals._minimise import categories_of, minimise, subject_of
from schakel.signals._schema import (
    AccountInput,
    ConsentInput,
    PartyRole,
    PersonInput,
    SignalInput,
    SignalSource,
    Urgency,
    age_on,
)

__all__ = [
    "AccountInput",
    "ConsentInput",
    "IntakeProfile",
    "PartyRole",
    "PersonInput",
    "SignalInput",
    "SignalSource",
    "Urgency",
    "age_on",
    "categories_of",
    "intake_profile",
    "load_intake_profiles",
    "minimise",
    "parse_intake_profiles",
    "subject_of",
]
