"""Name folding: scripts, diacritics, tussenvoegsels and a phonetic code.

The goal is that the spellings one person is registered under in different
organisations ("Oksana Melnyk", "ОКСАНА МЕЛЬНИК", "Ioana Popescu-Ştefan",
"Van der Berg", "Berg, van der") fold to the same or nearly the same string, so the
Bloom filters built from them agree. Folding is lossy on purpose and idempotent.
"""

import re
import unicodedata

# Ukrainian/Russian/Bulgarian/Serbian Cyrillic to Latin, close to the Dutch and
# passport (ICAO 9303) practice. Lossy: the aim is agreement, not reversibility.
_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie",
    "ж": "zh", "з": "z", "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l",
    "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ь": "",
    "ю": "iu", "я": "ia", "ё": "e", "ы": "y", "э": "e", "ъ": "", "ђ": "dj", "ј": "j",
    "љ": "lj", "њ": "nj", "ћ": "c", "џ": "dz", "ў": "u",
}  # fmt: skip

# Letters that Unicode decomposition does not reduce to ASCII.
_SPECIAL = {
    "ł": "l", "đ": "d", "ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "þ": "th",
    "ð": "d", "ı": "i", "ħ": "h", "ŀ": "l", "ĳ": "ij", "ŋ": "n", "ſ": "s",
}  # fmt: skip

_TRANSLATE = str.maketrans({**_CYRILLIC, **_SPECIAL})

#: Dutch (and Flemish/German/French) surname particles, longest first.
TUSSENVOEGSELS = (
    "van der", "van den", "van de", "van het", "van 't", "in 't", "in het", "op den",
    "op de", "uit den", "uit de", "aan de", "aan den", "bij de", "onder de",
    "ter", "ten", "van", "der", "den", "de", "het", "'t", "te", "vd", "v/d", "v.d.",
    "von", "zu", "le", "la", "du", "des", "di", "da", "del", "della", "dos", "el",
    "al", "bin", "ibn", "mc", "mac",
)  # fmt: skip
# Particles that are kept when they are glued to the name ("mcdonald"); only the
# separate-word particles are moved.
_PARTICLE_WORDS = frozenset(
    w for p in TUSSENVOEGSELS for w in p.split() if w not in {"mc", "mac"}
) | {"t"}

_NON_ALNUM = re.compile(r"[^a-z0-9 ]+")
_VD = re.compile(r"\b(?:v d|vd|v der)\b")


def fold(text: str) -> str:
    """Fold ``text`` to lower-case ASCII letters, digits and single spaces.

    >>> fold("Ştefania-Łucja  ÖZTÜRK")
    'stefania lucja ozturk'
    >>> fold("Мельник")
    'melnyk'
    """
    if text.isascii():  # fast path: most values need no Unicode work
        text = text.lower().replace("'", "").replace("`", "")
    else:
        text = unicodedata.normalize("NFKC", text).casefold()
        text = text.translate(_TRANSLATE)
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
        text = text.replace("'", "").replace("’", "").replace("`", "")
        text = text.translate(_TRANSLATE)
    return " ".join(_NON_ALNUM.sub(" ", text).split())


def split_name(text: str) -> tuple[str, str]:
    """Split a folded name into (main name, particles), e.g. ("berg", "van der").

    Particles may come before the name ("van der berg"), after it ("berg van der",
    the order of Dutch registers) or after a comma in the raw text; all give the
    same split. A name that is only particles ("de") is kept as the main name.

    >>> split_name("van der berg")
    ('berg', 'van der')
    >>> split_name("berg van der")
    ('berg', 'van der')
    """
    words = text.split()
    particles = [w for w in words if w in _PARTICLE_WORDS]
    main = [w for w in words if w not in _PARTICLE_WORDS]
    if not main:
        return " ".join(words), ""
    return " ".join(main), " ".join(particles)


def normalise_name(value: str) -> str:
    """Canonical name: folded, main name first, particles after it.

    "Van der Berg", "van der berg", "Berg, van der" and "Berg van der" all give
    "berg van der". Returns "" when nothing readable is left.

    >>> normalise_name("Van der Berg")
    'berg van der'
    >>> normalise_name("  Ioana-Maria  POPESCU ")
    'ioana maria popescu'
    """
    folded = _VD.sub("van der", fold(value))
    main, particles = split_name(folded)
    return f"{main} {particles}".strip()


# Dutch/Germanic spelling variants that sound alike, applied before the code.
_PHONETIC_RULES = (
    ("sch", "s"), ("ch", "g"), ("ph", "f"), ("ck", "k"), ("dt", "t"), ("ij", "y"),
    ("ei", "y"), ("ae", "a"), ("oe", "u"), ("ou", "au"), ("th", "t"), ("qu", "kw"),
    ("c", "k"), ("z", "s"), ("w", "v"), ("q", "k"), ("x", "ks"),
)  # fmt: skip
_CODES = {
    **dict.fromkeys("bfpv", "1"), **dict.fromkeys("gjks", "2"),
    **dict.fromkeys("dt", "3"), "l": "4", **dict.fromkeys("mn", "5"), "r": "6",
}  # fmt: skip


def phonetic(name: str) -> str:
    """A Soundex-like code of the main name, tuned for Dutch spellings.

    Used only for blocking (which pairs are compared at all), never for scoring.

    >>> phonetic("jansen") == phonetic("janssen") == phonetic("janszen")
    True
    >>> phonetic("berg van der") == phonetic("berg")
    True
    """
    main = split_name(name)[0].replace(" ", "")
    if not main:
        return ""
    word = main
    for old, new in _PHONETIC_RULES:
        word = word.replace(old, new)
    first = word[0]
    code = []
    last = _CODES.get(first, "")
    for char in word[1:]:
        digit = _CODES.get(char, "")
        if digit and digit != last:
            code.append(digit)
        if char not in "hw":
            last = digit
    return (first + "".join(code))[:4]
