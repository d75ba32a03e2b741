"""Turn one row of identifiers into its encoding record (no plaintext).

An encoding record is a JSON-able dict::

    {"id": "r1", "version": 1, "key_id": "3fa2...",
     "fields": {"surname": {"kind": "name", "bloom": "<base64>",
                            "block": ["<base64>"]},
                "phone": {"kind": "phone", "bloom": "...", "block": ["..."],
                          "token": "<key id>:<base64>"}}}

``bloom`` is the folded field-level Bloom filter (for similarity), ``block`` holds
short keyed tokens used only to choose which pairs to compare, and ``token`` is the
full keyed HMAC of an exact identifier (for hit/no-hit). A field that is empty or
cannot be normalised is left out; the row itself is always encoded.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from hashlib import blake2b
from typing import Any

from schakel.linkage._bloom import BloomEncoder
from schakel.linkage._config import LinkageConfig, config_from
from schakel.linkage._keys import SCHEMA_VERSION, Keyring, b64
from schakel.linkage._names import phonetic
from schakel.linkage._normalise import EXACT_KINDS, InvalidValue, Kind, normalise

BLOCK_TOKEN_BYTES = 8
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_CACHE_LIMIT = 200_000


@dataclass(frozen=True)
class Problem:
    """A field of one row that could not be normalised (and was left out)."""

    column: str
    message: str


@dataclass(frozen=True)
class Encoded:
    """The encoding record of a row and the problems met on the way."""

    record: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)


class Encoder:
    """Encodes rows under one secret and one config.

    >>> enc = Encoder(b"a secret of sixteen+ bytes", {"id_column": "id",
    ...     "fields": [{"column": "surname", "kind": "name"}]})
    >>> out = enc.encode({"id": "r1", "surname": "de Vries"})
    >>> sorted(out.record), "vries" in str(out.record)
    (['fields', 'id', 'key_id', 'version'], False)
    """

    def __init__(self, secret: bytes, config: LinkageConfig | Mapping[str, Any]):
        self.config = config_from(config)
        self._keyring = Keyring(secret)
        self._bloom = BloomEncoder(self._keyring)
        self._block_keys = {k: self._keyring.derive(f"block/{k.value}") for k in Kind}
        # Raw value -> encoding (or the error text), per kind: names, streets and
        # dates repeat a lot, so most values are encoded once.
        self._cache: dict[Kind, dict[str, dict[str, Any] | str]] = {k: {} for k in Kind}
        self._fragments: dict[Kind, dict[str, str]] = {k: {} for k in Kind}
        self._plan = [
            (f.column, f.kind, f.field_name, self._cache[f.kind])
            for f in self.config.fields
        ]

    @property
    def key_id(self) -> str:
        """The public id of the secret, written into every record."""
        return self._keyring.key_id

    def _block_tokens(self, kind: Kind, normalised: str) -> list[str]:
        keys = [phonetic(normalised)] if kind is Kind.NAME else [normalised]
        key = self._block_keys[kind]
        return [
            b64(blake2b(k.encode(), key=key, digest_size=BLOCK_TOKEN_BYTES).digest())
            for k in keys
            if k
        ]

    def encode_value(self, kind: Kind, value: str) -> dict[str, Any] | None:
        """The encoding of one field value; None when empty.

        Raises :class:`InvalidValue` when the value cannot be normalised.
        """
        cached = self._cache[kind].get(value)
        if cached is None:
            cached = self._encode_new(kind, value)
        if isinstance(cached, str):
            raise InvalidValue(cached)
        return cached or None

    def _encode_new(self, kind: Kind, value: str) -> dict[str, Any] | str:
        try:
            normalised = normalise(kind, value)
        except InvalidValue as exc:
            result: dict[str, Any] | str = str(exc)
        else:
            result = {}
            if normalised:
                result = {
                    "kind": kind.value,
                    "bloom": b64(self._bloom.encode(kind, normalised)),
                    "block": self._block_tokens(kind, normalised),
                }
                if kind in EXACT_KINDS:
                    result["token"] = self._keyring.exact_token(kind, normalised)
        cache = self._cache[kind]
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        cache[value] = result
        return result

    def encode(self, row: Mapping[str, str | None]) -> Encoded:
        """Encode one row (column -> raw value) into its record."""
        fields: dict[str, Any] = {}
        problems: list[Problem] = []
        for column, kind, name, cache in self._plan:
            raw = row.get(column)
            if not raw:
                continue
            encoded = cache.get(raw)
            if encoded is None:
                encoded = self._encode_new(kind, raw)
            if encoded.__class__ is str:
                problems.append(Problem(column, str(encoded)))
            elif encoded:
                fields[name] = encoded
        record = {
            "id": self._id(row),
            "version": SCHEMA_VERSION,
            "key_id": self._keyring.key_id,
            "fields": fields,
        }
        return Encoded(record, problems)

    def _id(self, row: Mapping[str, str | None]) -> str:
        return str(row.get(self.config.id_column) or "")

    def encode_json(self, row: Mapping[str, str | None]) -> tuple[str, list[Problem]]:
        """The record of :meth:`encode` as one compact JSON line (no newline).

        Equal to ``json.dumps(record, separators=(",", ":"), ensure_ascii=False)``
        but assembled from cached per-value fragments: on large files the JSON
        writing otherwise costs as much as the encoding.
        """
        parts: list[str] = []
        problems: list[Problem] = []
        for column, kind, name, cache in self._plan:
            raw = row.get(column)
            if not raw:
                continue
            fragments = self._fragments[kind]
            fragment = fragments.get(raw)
            if fragment is None:
                encoded = cache.get(raw)
                if encoded is None:
                    encoded = self._encode_new(kind, raw)
                if encoded.__class__ is str:
                    problems.append(Problem(column, str(encoded)))
                    continue
                fragment = _dumps(encoded) if encoded else ""
                if len(fragments) >= _CACHE_LIMIT:
                    fragments.clear()
                fragments[raw] = fragment
            if fragment:
                parts.append(f"{_dumps(name)}:{fragment}")
        head = f'{{"id":{_dumps(self._id(row))},"version":{SCHEMA_VERSION}'
        line = f'{head},"key_id":"{self.key_id}","fields":{{{",".join(parts)}}}}}'
        return line, problems
