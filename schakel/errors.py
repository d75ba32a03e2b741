"""The exception tree of Schakel, drawn once.

SchakelError
├── InvalidInput        bad input from a user or a file; CLI exit 2, HTTP 422
│   └── (per capability, e.g. InvalidQuestion, InvalidRuleset, InvalidConfig)
├── NotPermitted        tenancy or role forbids it; HTTP 403/404
└── NotFound            the object does not exist (or is not visible); HTTP 404
"""


class SchakelError(Exception):
    """Base of every error Schakel raises on purpose."""


class InvalidInput(SchakelError):
    """Input that Schakel refuses, with a message that names the field or line."""


class NotPermitted(SchakelError):
    """The acting user or organisation may not do this."""


class NotFound(SchakelError):
    """The object does not exist or is not visible to the acting organisation."""
