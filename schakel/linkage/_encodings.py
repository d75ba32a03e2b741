"""Reading encoding records back into arrays, refusing foreign ones.

Records made under another schema version or another secret (key id) cannot be
compared meaningfully: their filters and tokens live in other spaces. They are
refused with a message that names the file and the line, never silently scored.
"""

import base64
import binascii
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from schakel.errors import InvalidInput
from schakel.linkage._bloom import BYTES
from schakel.linkage._dice import U64, popcounts
from schakel.linkage._encoder import BLOCK_TOKEN_BYTES
from schakel.linkage._keys import SCHEMA_VERSION
from schakel.linkage._normalise import Kind

_BLOOM_CHARS = len(base64.urlsafe_b64encode(bytes(BYTES)).rstrip(b"="))
_BLOCK_CHARS = len(base64.urlsafe_b64encode(bytes(BLOCK_TOKEN_BYTES)).rstrip(b"="))


class InvalidEncoding(InvalidInput):
    """An encoding file or record that cannot be matched."""


@dataclass
class FieldArrays:
    """One field over all records of a set."""

    kind: Kind
    bits: U64  # (n, words); zero rows where absent
    present: npt.NDArray[np.bool_]
    counts: npt.NDArray[np.int32]
    block: npt.NDArray[np.uint64]  # first block token per record, 0 when absent


def _decode(texts: list[str], n_chars: int, n_bytes: int) -> bytes:
    pad = "=" * (-n_chars % 4)
    # One decode per value: padding in the middle of a joined string would stop
    # the decoder. Translating the URL-safe alphabet once keeps the loop in C.
    table = str.maketrans("-_", "+/")
    try:
        return b"".join(
            map(binascii.a2b_base64, (t.translate(table) + pad for t in texts))
        )
    except (binascii.Error, ValueError):
        raise InvalidEncoding("onleesbare base64 in een encoding") from None


class EncodedSet:
    """The records of one file as numpy arrays, validated."""

    def __init__(self, records: Iterable[Mapping[str, Any]], source: str = "invoer"):
        self.source = source
        self.ids: list[str] = []
        self.key_id: str | None = None
        kinds: dict[str, Kind] = {}
        rows: dict[str, list[int]] = {}
        blooms: dict[str, list[str]] = {}
        blocks: dict[str, list[str]] = {}
        for line, record in enumerate(records, start=1):
            where = f"{source} regel {line}"
            if not isinstance(record, Mapping):
                raise InvalidEncoding(f"{where}: geen JSON-object")
            self._check_header(record, where)
            fields = record.get("fields")
            if not isinstance(fields, Mapping):
                raise InvalidEncoding(f"{where}: 'fields' ontbreekt of is geen object")
            index = len(self.ids)
            self.ids.append(str(record.get("id", "")))
            for name, enc in fields.items():
                if not isinstance(enc, Mapping):
                    raise InvalidEncoding(f"{where}: veld {name!r} is geen object")
                raw_kind = enc.get("kind")
                try:
                    kind = Kind(str(raw_kind))
                except ValueError:
                    raise InvalidEncoding(
                        f"{where}: veld {name!r}: onbekende soort {raw_kind!r}"
                    ) from None
                if kinds.setdefault(name, kind) is not kind:
                    raise InvalidEncoding(f"{where}: veld {name!r} wisselt van soort")
                bloom = enc.get("bloom")
                if not isinstance(bloom, str) or len(bloom) != _BLOOM_CHARS:
                    raise InvalidEncoding(
                        f"{where}: veld {name!r} heeft geen geldig bloom"
                    )
                rows.setdefault(name, []).append(index)
                blooms.setdefault(name, []).append(bloom)
                block = enc.get("block") or [""]
                token = block[0] if isinstance(block, list) and block else ""
                if not isinstance(token, str) or len(token) not in (0, _BLOCK_CHARS):
                    raise InvalidEncoding(
                        f"{where}: veld {name!r} heeft geen geldig block"
                    )
                blocks.setdefault(name, []).append(token or "A" * _BLOCK_CHARS)
        n = len(self.ids)
        words = BYTES // 8
        self.fields: dict[str, FieldArrays] = {}
        for name, kind in kinds.items():
            idx = np.asarray(rows[name], dtype=np.intp)
            bits = np.zeros((n, words), dtype=np.uint64)
            raw = _decode(blooms[name], _BLOOM_CHARS, BYTES)
            bits[idx] = np.frombuffer(raw, dtype=np.uint64).reshape(len(idx), words)
            present = np.zeros(n, dtype=np.bool_)
            present[idx] = True
            block = np.zeros(n, dtype=np.uint64)
            raw_block = _decode(blocks[name], _BLOCK_CHARS, BLOCK_TOKEN_BYTES)
            block[idx] = np.frombuffer(raw_block, dtype=np.uint64)
            self.fields[name] = FieldArrays(kind, bits, present, popcounts(bits), block)

    def _check_header(self, record: Mapping[str, Any], where: str) -> None:
        version = record.get("version")
        if version != SCHEMA_VERSION:
            raise InvalidEncoding(
                f"{where}: encoding-schemaversie {version!r}; deze Schakel leest "
                f"versie {SCHEMA_VERSION}. Laat beide bestanden opnieuw coderen "
                "met dezelfde versie."
            )
        key = record.get("key_id")
        if not isinstance(key, str) or not key:
            raise InvalidEncoding(f"{where}: 'key_id' ontbreekt")
        if self.key_id is None:
            self.key_id = key
        elif key != self.key_id:
            raise InvalidEncoding(
                f"{where}: gemaakt met sleutel {key}, eerdere regels met sleutel "
                f"{self.key_id}; één bestand hoort één sleutel te hebben"
            )

    def __len__(self) -> int:
        return len(self.ids)


def check_compatible(a: EncodedSet, b: EncodedSet) -> list[str]:
    """The field names both sets share (same kind); refuses other key ids."""
    if a.key_id and b.key_id and a.key_id != b.key_id:
        raise InvalidEncoding(
            f"{a.source} is gemaakt met sleutel {a.key_id}, {b.source} met sleutel "
            f"{b.key_id}: encodings met verschillende geheimen zijn niet te vergelijken"
        )
    common = [
        name
        for name in a.fields
        if name in b.fields and a.fields[name].kind is b.fields[name].kind
    ]
    if len(a) and len(b) and not common:
        raise InvalidEncoding(
            f"{a.source} en {b.source} hebben geen gemeenschappelijke velden"
        )
    return common
