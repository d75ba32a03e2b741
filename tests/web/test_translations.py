"""The English catalogue is complete, compiled and current.

The interface's source strings are Dutch; ``schakel/locale/en/LC_MESSAGES`` holds the
English. The compiled ``messages.mo`` is committed (it ships as package data and
nothing compiles at install time), so three files can drift apart: the template
(``messages.pot``) from the sources, the ``.po`` from the template, and the ``.mo``
from the ``.po``. These tests catch each drift, an untranslated or fuzzy entry, a
translation that drops a ``%(name)s`` placeholder (Jinja's newstyle gettext formats
every string with ``%``, so that would crash or mislead at render time), and check
that a real template renders in the chosen language. ``scripts/update-translations``
repairs the first three.
"""

from __future__ import annotations

import re
from collections import Counter
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from jinja2 import Environment, FileSystemLoader, select_autoescape

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "schakel" / "locale"
POT = LOCALE / "messages.pot"
PO = LOCALE / "en" / "LC_MESSAGES" / "messages.po"
MO = LOCALE / "en" / "LC_MESSAGES" / "messages.mo"
TEMPLATES = ROOT / "schakel" / "web" / "templates"

#: The script's ``-k N_ -k gettext`` on top of Babel's defaults (_, ngettext...).
KEYWORDS: dict[str, Any] = {**DEFAULT_KEYWORDS, "N_": None, "gettext": None}

#: printf-style conversions, including ``%%``: newstyle gettext always applies ``%``.
PLACEHOLDER = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa%]"
)

MessageKey = tuple[str | tuple[str, ...], str | None]


def _read_po(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale="en" if path.suffix == ".po" else None)


def _messages(catalog: Catalog) -> list[Any]:
    """Every real message (the header has an empty msgid)."""
    return [m for m in catalog if m.id]


def _key(message: Any) -> MessageKey:
    msgid = message.id if isinstance(message.id, str) else tuple(message.id)
    return msgid, message.context


def _texts(value: str | tuple[str, ...] | list[str] | None) -> list[str]:
    """A message's singular and plural forms; a missing msgstr is one empty text."""
    if value is None:
        return [""]
    return [value] if isinstance(value, str) else list(value)


def _placeholders(text: str) -> Counter[str]:
    return Counter(match.group(0) for match in PLACEHOLDER.finditer(text))


@pytest.fixture(scope="module")
def pot() -> Catalog:
    return _read_po(POT)


@pytest.fixture(scope="module")
def po() -> Catalog:
    return _read_po(PO)


def test_catalogue_files_exist_and_are_not_empty(pot: Catalog, po: Catalog) -> None:
    assert MO.is_file()
    assert len(_messages(pot)) > 0
    assert len(_messages(po)) > 0


def test_every_template_message_has_an_english_translation(
    pot: Catalog, po: Catalog
) -> None:
    problems = []
    for message in _messages(pot):
        translated = po.get(message.id, context=message.context)
        if translated is None:
            problems.append(f"missing from .po: {message.id!r}")
        elif translated.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        elif not all(text.strip() for text in _texts(translated.string)):
            problems.append(f"untranslated: {message.id!r}")
    assert problems == [], (
        "run scripts/update-translations and translate:\n" + "\n".join(problems)
    )


def test_po_has_no_fuzzy_or_obsolete_entries(po: Catalog) -> None:
    assert [m.id for m in _messages(po) if m.fuzzy] == []
    assert list(po.obsolete) == []


def test_po_holds_exactly_the_template_messages(pot: Catalog, po: Catalog) -> None:
    assert {_key(m) for m in _messages(po)} == {_key(m) for m in _messages(pot)}


def test_committed_mo_matches_a_fresh_compile_of_the_po(po: Catalog) -> None:
    fresh = BytesIO()
    write_mo(fresh, po, use_fuzzy=False)
    fresh.seek(0)
    with MO.open("rb") as f:
        committed = read_mo(f)
    recompiled = read_mo(fresh)

    def table(catalog: Catalog) -> dict[MessageKey, Any]:
        return {_key(m): m.string for m in _messages(catalog)}

    assert table(committed) == table(recompiled)
    assert len(table(committed)) == len(_messages(po))


def test_pot_is_up_to_date_with_the_sources(pot: Catalog) -> None:
    with (ROOT / "babel.cfg").open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)  # type: ignore[no-untyped-call]
    extracted = Catalog()
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        extracted.add(message, None, [(filename, lineno)], context=context)
    sources = {_key(m) for m in _messages(extracted)}
    template = {_key(m) for m in _messages(pot)}
    assert sources, "extraction found nothing: babel.cfg or the keywords are wrong"
    assert sorted(map(str, sources - template)) == [], "new strings not in the .pot"
    assert sorted(map(str, template - sources)) == [], "stale strings in the .pot"


def test_translations_keep_every_placeholder(po: Catalog) -> None:
    problems = []
    for message in _messages(po):
        expected = _placeholders(_texts(message.id)[0])
        for text in _texts(message.string):
            if _placeholders(text) != expected:
                problems.append(f"{message.id!r} -> {text!r}")
    assert problems == []
    # Babel's own checkers (python-format flags, plural count) agree.
    assert [(m.id, [str(e) for e in errors]) for m, errors in po.check()] == []


def test_placeholder_pattern_sees_what_it_must() -> None:
    """Guard the guard: a dropped or renamed placeholder is a difference."""
    source = _placeholders("Regel %(rule)s van %(total)d (100%%)")
    assert source == Counter({"%(rule)s": 1, "%(total)d": 1, "%%": 1})
    assert _placeholders("Rule %(rule)s of %(total)d (100%%)") == source
    assert _placeholders("Rule %(regel)s of %(total)d (100%%)") != source
    assert _placeholders("Rule of %(total)d (100%)") != source


def _render_login(translations: NullTranslations) -> str:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html", "xml"]),
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    env.globals["url_for"] = lambda name, **params: f"/{name}/{params.get('path', '')}"
    return env.get_template("login.html").render(csrf_token="t")


def test_login_page_renders_in_english_with_the_english_catalogue() -> None:
    english = Translations.load(str(LOCALE), ["en"], domain="messages")
    assert isinstance(english, Translations), "no compiled English catalogue found"
    html = _render_login(english)
    assert "Password" in html
    assert "Username" in html
    assert "Wachtwoord" not in html
    assert "Gebruikersnaam" not in html


def test_login_page_renders_in_dutch_without_a_catalogue() -> None:
    html = _render_login(NullTranslations())
    assert "Wachtwoord" in html
    assert "Gebruikersnaam" in html
    assert "Password" not in html


def test_the_app_finds_the_shipped_catalogue_as_package_data() -> None:
    """schakel.web.i18n loads via importlib.resources, as an installed package would."""
    from schakel.web.i18n import catalogue

    assert catalogue("en").gettext("Wachtwoord") == "Password"
    assert catalogue("en").gettext("Mag ik dit delen?") == "May I share this?"
    assert catalogue("nl").gettext("Wachtwoord") == "Wachtwoord"
