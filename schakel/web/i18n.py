"""Dutch by default, English available: gettext catalogues compiled with Babel.

The source strings are Dutch; ``schakel/locale/en/LC_MESSAGES/messages.mo`` holds the
English. The language of a request lives in a context variable, so one shared Jinja
environment serves both languages without re-installing translations per request.
"""

from contextvars import ContextVar
from functools import cache
from importlib.resources import files

from babel.support import NullTranslations, Translations

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
current_language: ContextVar[str] = ContextVar(
    "current_language", default=DEFAULT_LANGUAGE
)


@cache
def catalogue(language: str) -> NullTranslations:
    if language == DEFAULT_LANGUAGE:
        return NullTranslations()
    locale_dir = str(files("schakel").joinpath("locale"))
    return Translations.load(locale_dir, [language], domain="messages")


def gettext(message: str) -> str:
    return str(catalogue(current_language.get()).gettext(message))


def ngettext(singular: str, plural: str, n: int) -> str:
    return str(catalogue(current_language.get()).ngettext(singular, plural, n))


def pick_language(query_value: str | None, cookie_value: str | None) -> str:
    """Explicit choice first (query, then cookie); otherwise Dutch.

    Accept-Language is deliberately ignored: Dutch professionals on English-language
    browsers still expect a Dutch product.
    """
    for candidate in (query_value, cookie_value):
        if candidate in LANGUAGES:
            return candidate
    return DEFAULT_LANGUAGE
