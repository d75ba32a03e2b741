"""The platform's one vocabulary: the values fixed by the contracts in ``spec/``.

Every layer (database, API, pages, rule files, lexicons) uses these identifiers;
people see the Dutch labels from ``labels.yaml``. A value added here must get a
label there, which ``tests/vocabulary`` checks.
"""

from schakel.vocabulary._labels import label, labels
from schakel.vocabulary._terms import (
    Consent,
    Covenant,
    DataCategory,
    ExploitationForm,
    OrgType,
    Purpose,
    Region,
    Role,
    SubjectRole,
)

__all__ = [
    "Consent",
    "Covenant",
    "DataCategory",
    "ExploitationForm",
    "OrgType",
    "Purpose",
    "Region",
    "Role",
    "SubjectRole",
    "label",
    "labels",
]
