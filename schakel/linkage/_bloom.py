"""Field-level Bloom filters: features of a normalised value, keyed and folded.

A value becomes a set of features (padded bigrams of its words, digits by
position for dates, ...). Each feature sets :data:`HASHES` positions in a
:data:`RAW_BITS`-bit filter, chosen by a keyed BLAKE2b under the kind's Bloom key
("random hashing": positions are independent, unlike double hashing, whose
structure has been exploited in published attacks). The filter is then XOR-folded
to :data:`BITS` bits: pattern-mining attacks that look for the bit patterns of
frequent bigrams lose their anchor, while Dice similarities stay close.

Why a key per *kind* and not per column: given names and surnames must live in the
same space so that a swap of the two can be recognised by the matcher.
"""

from functools import reduce
from hashlib import blake2b
from operator import or_

from schakel.linkage._keys import Keyring
from schakel.linkage._names import split_name
from schakel.linkage._normalise import Kind

RAW_BITS = 1024
BITS = RAW_BITS // 2
BYTES = BITS // 8
HASHES = 10
_HALF_MASK = (1 << BITS) - 1


def _word_bigrams(words: list[str]) -> list[str]:
    features: list[str] = []
    for word in words:
        if word.isdigit():
            features.append(f"#{word}")
        padded = f"_{word}_"
        features.extend(padded[i : i + 2] for i in range(len(padded) - 1))
    return features


def features(kind: Kind, normalised: str) -> list[str]:
    """The features of a normalised value of ``kind`` (duplicates allowed).

    >>> features(Kind.NAME, "berg van der")
    ['_b', 'be', 'er', 'rg', 'g_', 'p:van der']
    >>> features(Kind.DATE, "1998-03-04")[:4]
    ['Y1998', 'M03', 'D04', 'DM03|04']
    """
    if kind is Kind.NAME:
        main, particles = split_name(normalised)
        result = _word_bigrams(main.split())
        if particles:
            result.append(f"p:{particles}")
        return result
    if kind is Kind.DATE:
        year, month, day = normalised.split("-")
        digits = year + month + day
        low, high = sorted((month, day))
        return [f"Y{year}", f"M{month}", f"D{day}", f"DM{low}|{high}"] + [
            f"{i}:{d}" for i, d in enumerate(digits)
        ]
    if kind is Kind.EMAIL:
        local, _, domain = normalised.partition("@")
        return _word_bigrams([local]) + [f"@{domain}"]
    if kind in (Kind.PHONE, Kind.IBAN, Kind.BSN, Kind.PLATE):
        text = normalised.lstrip("+")
        return _word_bigrams([text]) + [f"={text}"]
    if kind is Kind.POSTCODE:
        code, _, number = normalised.partition(" ")
        result = _word_bigrams([code]) + [f"={code}"]
        if number:
            result.append(f"n:{number}")
        return result
    return _word_bigrams(normalised.split())


class BloomEncoder:
    """Builds the folded filters of one keyring, caching each feature's bits."""

    def __init__(self, keyring: Keyring) -> None:
        self._keys = {k: keyring.derive(f"bloom/{k.value}") for k in Kind}
        self._masks: dict[Kind, dict[str, int]] = {kind: {} for kind in Kind}

    def _mask(self, kind: Kind, feature: str) -> int:
        digest = blake2b(
            feature.encode(), key=self._keys[kind], digest_size=2 * HASHES
        ).digest()
        mask = 0
        for i in range(HASHES):
            mask |= 1 << (int.from_bytes(digest[2 * i : 2 * i + 2], "big") % RAW_BITS)
        masks = self._masks[kind]
        if len(masks) > 200_000:
            masks.clear()
        masks[feature] = mask
        return mask

    def encode(self, kind: Kind, normalised: str) -> bytes:
        """The :data:`BYTES`-byte folded filter of a normalised value."""
        masks = self._masks[kind]
        feats = features(kind, normalised)
        try:
            bits = reduce(or_, map(masks.__getitem__, feats), 0)
        except KeyError:
            bits = 0
            for feature in feats:
                mask = masks.get(feature)
                bits |= self._mask(kind, feature) if mask is None else mask
        folded = (bits & _HALF_MASK) ^ (bits >> BITS)
        return folded.to_bytes(BYTES, "little")
