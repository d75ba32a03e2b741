"""Normalisers: one canonical string per identifier, by kind.

Every normaliser is pure and idempotent (``n(n(x)) == n(x)``), returns a plain
string, and raises :class:`InvalidValue` when the value cannot be read as its kind
(an IBAN with a wrong checksum, a BSN that fails the 11-proof, a date that does not
exist). An empty value is not an error: it is missing, and the caller leaves the
field out.
"""

import re
from collections.abc import Callable
from datetime import date
from enum import StrEnum

from schakel.errors import InvalidInput
from schakel.linkage._names import fold, normalise_name


class Kind(StrEnum):
    """What a field holds; decides its normaliser and its encoding."""

    NAME = "name"
    DATE = "date"
    PHONE = "phone"
    EMAIL = "email"
    IBAN = "iban"
    PLATE = "plate"
    POSTCODE = "postcode"
    ADDRESS = "address"
    BSN = "bsn"
    TEXT = "text"


#: Kinds that identify on their own: they also get an exact keyed token.
EXACT_KINDS = frozenset(
    {Kind.PHONE, Kind.EMAIL, Kind.IBAN, Kind.PLATE, Kind.BSN, Kind.POSTCODE}
)


class InvalidValue(InvalidInput):
    """A value that cannot be normalised as its kind."""


_MONTHS = {
    "januari": 1, "jan": 1, "january": 1, "februari": 2, "feb": 2, "february": 2,
    "maart": 3, "mrt": 3, "mar": 3, "march": 3, "april": 4, "apr": 4, "mei": 5,
    "may": 5, "juni": 6, "jun": 6, "june": 6, "juli": 7, "jul": 7, "july": 7,
    "augustus": 8, "aug": 8, "august": 8, "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip
_WORD_DATE = re.compile(r"^(\d{1,2}) ([a-z]+) (\d{2}|\d{4})$")
_NUM_DATE = re.compile(r"^(\d{1,4})[-/. ](\d{1,2})[-/. ](\d{1,4})$")
#: Two-digit years up to this are read as 20yy, above as 19yy (fixed, so that
#: encodings do not change with the calendar).
TWO_DIGIT_YEAR_PIVOT = 30
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d")


def _year(text: str) -> int:
    year = int(text)
    if len(text) <= 2:
        year += 2000 if year <= TWO_DIGIT_YEAR_PIVOT else 1900
    return year


def _make_date(year: int, month: int, day: int, raw: str) -> str:
    if not 1800 <= year <= 2200:
        raise InvalidValue(f"jaartal buiten bereik in datum {raw!r}")
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        raise InvalidValue(f"geen bestaande datum: {raw!r}") from None


def normalise_date(value: str) -> str:
    """ISO date ``YYYY-MM-DD`` from ISO, compact, Dutch numeric or written dates.

    Numeric dates with the year last are read day-first, the Dutch order.

    >>> normalise_date("3 maart 1990"), normalise_date("03-03-1990")
    ('1990-03-03', '1990-03-03')
    >>> normalise_date("19980304"), normalise_date("1998-03-04")
    ('1998-03-04', '1998-03-04')
    """
    raw = value
    if _ISO_DATETIME.match(value.strip()):
        value = value.strip()[:10]
    text = re.sub(r"(\d)(st|nd|rd|th|e)\b", r"\1", fold(value))
    if text.isdigit() and len(text) == 8:  # compact: YYYYMMDD, else DDMMYYYY
        for y_text, m_text, d_text in (
            (text[:4], text[4:6], text[6:]),
            (text[4:], text[2:4], text[:2]),
        ):
            try:
                return _make_date(int(y_text), int(m_text), int(d_text), raw)
            except InvalidValue:
                pass
        raise InvalidValue(f"geen bestaande datum: {raw!r}")
    match = _WORD_DATE.match(text)
    if match and match.group(2) in _MONTHS:
        day, month = int(match.group(1)), _MONTHS[match.group(2)]
        return _make_date(_year(match.group(3)), month, day, raw)
    match = _NUM_DATE.match(value.strip()) or _NUM_DATE.match(text)
    if match:
        a, b, c = match.groups()
        if len(a) == 4:
            return _make_date(int(a), int(b), int(c), raw)
        if len(c) in (2, 4):
            return _make_date(_year(c), int(b), int(a), raw)
    raise InvalidValue(f"onleesbare datum: {raw!r}")


def normalise_phone(value: str, region: str = "NL") -> str:
    """E.164 phone number; numbers without a country code are read as Dutch.

    >>> normalise_phone("06 1234 5678"), normalise_phone("0031 6 12345678")
    ('+31612345678', '+31612345678')
    """
    import phonenumbers

    text = value.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise InvalidValue(f"onleesbaar telefoonnummer: {value!r}") from None
    if not phonenumbers.is_possible_number(number):
        raise InvalidValue(f"onmogelijk telefoonnummer: {value!r}")
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def normalise_email(value: str) -> str:
    """Lower-case address without spaces or a ``mailto:`` prefix.

    >>> normalise_email(" Mailto:Anna.de.Vries@Example.NL ")
    'anna.de.vries@example.nl'
    """
    text = value.strip().lower()
    if text.startswith("mailto:"):
        text = text[len("mailto:") :]
    text = text.replace(" ", "")
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z0-9-]{2,}", text):
        raise InvalidValue(f"ongeldig e-mailadres: {value!r}")
    return text


def normalise_iban(value: str) -> str:
    """Compact upper-case IBAN whose checksum holds (via ``schwifty``).

    >>> normalise_iban("nl91 abna 0417 1643 00")
    'NL91ABNA0417164300'
    """
    from schwifty import IBAN

    try:
        return str(IBAN(value.strip()).compact)
    except ValueError:
        raise InvalidValue(
            f"ongeldig IBAN (controlegetal of lengte): {value!r}"
        ) from None


# Dutch side codes (sidecodes 1-14) over the six characters without dashes.
_NL_PLATE = re.compile(
    r"^(?:[A-Z]{2}\d{4}|\d{4}[A-Z]{2}|\d{2}[A-Z]{2}\d{2}|[A-Z]{2}\d{2}[A-Z]{2}"
    r"|[A-Z]{4}\d{2}|\d{2}[A-Z]{4}|\d{2}[A-Z]{3}\d|\d[A-Z]{3}\d{2}|[A-Z]{2}\d{3}[A-Z]"
    r"|[A-Z]\d{3}[A-Z]{2}|[A-Z]{3}\d{2}[A-Z]|[A-Z]\d{2}[A-Z]{3}|\d[A-Z]{2}\d{3}"
    r"|\d{3}[A-Z]{2}\d)$"
)


def normalise_plate(value: str) -> str:
    """Licence plate as upper-case letters and digits without dashes.

    Dutch plates (six characters) must fit a side code; other countries' plates
    (2 to 10 letters and digits) are kept as written.

    >>> normalise_plate("ab-123-c"), normalise_plate("AB 123 C")
    ('AB123C', 'AB123C')
    """
    text = re.sub(r"[\s.\-·]", "", fold(value).upper())
    if not re.fullmatch(r"[A-Z0-9]{2,10}", text) or text.isalpha():
        raise InvalidValue(f"ongeldig kenteken: {value!r}")
    if len(text) == 6 and not text.isdigit() and not _NL_PLATE.match(text):
        raise InvalidValue(f"kenteken past in geen Nederlandse zijcode: {value!r}")
    return text


def normalise_bsn(value: str) -> str:
    """Nine-digit BSN that passes the 11-proof (elfproef).

    >>> normalise_bsn("1112.22.333")
    '111222333'
    """
    digits = re.sub(r"[\s.\-]", "", value)
    if not digits.isdigit() or not 8 <= len(digits) <= 9:
        raise InvalidValue(f"een BSN heeft 8 of 9 cijfers: {value!r}")
    digits = digits.zfill(9)
    weights = (9, 8, 7, 6, 5, 4, 3, 2, -1)
    total = sum(int(d) * w for d, w in zip(digits, weights, strict=True))
    if total % 11 or int(digits) == 0:
        raise InvalidValue(f"BSN voldoet niet aan de elfproef: {value!r}")
    return digits


_NL_POSTCODE = re.compile(
    r"^([1-9]\d{3}) ?([A-Z]{2})(?: ?(\d{1,5}) ?([A-Z0-9]{0,4}))?$"
)


def normalise_postcode(value: str) -> str:
    """Dutch postcode, optionally with house number and addition; ``1234AB 12A``.

    Postcodes of other countries (3 to 10 letters and digits, no house number) are
    kept upper-case without spaces.

    >>> normalise_postcode("1234 ab"), normalise_postcode("1234AB-12 a")
    ('1234AB', '1234AB 12A')
    """
    text = re.sub(r"[\-,/]", " ", fold(value).upper())
    text = re.sub(r"\s+", " ", text).strip()
    match = _NL_POSTCODE.match(text)
    if match:
        code = match.group(1) + match.group(2)
        number = (match.group(3) or "") + (match.group(4) or "")
        return f"{code} {number}" if number else code
    compact = text.replace(" ", "")
    if not re.fullmatch(r"[A-Z0-9]{3,10}", compact):
        raise InvalidValue(f"onleesbare postcode: {value!r}")
    return compact


_STREET_ABBREVIATIONS = {
    "str": "straat", "ln": "laan", "pln": "plein", "wg": "weg", "gr": "gracht",
    "st": "street", "rd": "road", "ave": "avenue", "av": "avenue",
}  # fmt: skip


def normalise_address(value: str) -> str:
    """Folded address with common street abbreviations written out.

    >>> normalise_address("Kerkstr. 12-A")
    'kerkstraat 12 a'
    """
    text = fold(value)
    text = re.sub(r"([a-z])str\b", r"\1straat", text)
    words = [_STREET_ABBREVIATIONS.get(w, w) for w in text.split()]
    return " ".join(re.sub(r"(\d)([a-z])$", r"\1 \2", w) for w in words)


def normalise_text(value: str) -> str:
    """Folded text: lower-case ASCII letters, digits and single spaces.

    >>> normalise_text(" Ré-Sumé ")
    're sume'
    """
    return fold(value)


_NORMALISERS: dict[Kind, Callable[[str], str]] = {
    Kind.NAME: normalise_name,
    Kind.DATE: normalise_date,
    Kind.PHONE: normalise_phone,
    Kind.EMAIL: normalise_email,
    Kind.IBAN: normalise_iban,
    Kind.PLATE: normalise_plate,
    Kind.POSTCODE: normalise_postcode,
    Kind.ADDRESS: normalise_address,
    Kind.BSN: normalise_bsn,
    Kind.TEXT: normalise_text,
}


def normalise(kind: Kind | str, value: str) -> str:
    """Normalise ``value`` as ``kind``; "" when it is empty or blank.

    Raises :class:`InvalidValue` when a non-empty value is not a valid ``kind``.
    """
    if not value or not value.strip():
        return ""
    return _NORMALISERS[Kind(kind)](value)
