"""Privacy-preserving record linkage: normalise, encode, match.

Guarantees of this package:

- Encodings hold no plaintext: exact identifiers become keyed HMAC-SHA256 tokens,
  fuzzy fields keyed, XOR-folded Bloom filters. Without the secret they reveal
  nothing that can be reversed; keys are derived per purpose and kind (HKDF).
- Every encoding carries the schema ``version`` and the secret's ``key_id``;
  encodings of another version or key are refused, never silently compared.
- Matching combines fields with a Fellegi–Sunter model fitted by EM; scores are
  posterior match probabilities in [0, 1].
- The core does no IO: the CLI (``schakel link``) reads and writes the files.
"""

from schakel.linkage._config import FieldSpec, InvalidConfig, LinkageConfig
from schakel.linkage._dice import dice_matrix, dice_pairs, dice_reference
from schakel.linkage._encoder import Encoded, Encoder, Problem
from schakel.linkage._encodings import EncodedSet, InvalidEncoding
from schakel.linkage._keys import SCHEMA_VERSION, InvalidSecret, key_id, token
from schakel.linkage._matcher import (
    DEFAULT_THRESHOLD,
    MatchPair,
    MatchResult,
    match,
    match_detailed,
)
from schakel.linkage._names import phonetic
from schakel.linkage._normalise import EXACT_KINDS, InvalidValue, Kind, normalise

__all__ = [
    "DEFAULT_THRESHOLD",
    "EXACT_KINDS",
    "Encoded",
    "EncodedSet",
    "Encoder",
    "FieldSpec",
    "InvalidConfig",
    "InvalidEncoding",
    "InvalidSecret",
    "InvalidValue",
    "Kind",
    "LinkageConfig",
    "MatchPair",
    "MatchResult",
    "Problem",
    "SCHEMA_VERSION",
    "dice_matrix",
    "dice_pairs",
    "dice_reference",
    "key_id",
    "match",
    "match_detailed",
    "normalise",
    "phonetic",
    "token",
]
