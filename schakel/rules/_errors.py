"""Errors of the share check; both are ``InvalidInput`` (CLI exit 2, HTTP 422)."""

from schakel.errors import InvalidInput


class InvalidQuestion(InvalidInput):
    """A question that does not meet the contract; the message names the field."""


class InvalidRuleset(InvalidInput):
    """A rule file that does not load; the message names the file and the key."""
