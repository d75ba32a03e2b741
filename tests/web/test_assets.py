"""Static assets and templates: everything referenced exists, nothing inline.

The Content-Security-Policy forbids inline script and style, and nothing may be
downloaded at run time, so these checks run on the template sources themselves
(no app needed): every `url_for('static', path=...)` names a file that ships under
schakel/web/static/, every relative url() in our stylesheets resolves, no template
has a <script> with a body, a style= attribute or an on*= event handler, and the
vendored set matches VERSIONS.txt with htmx pinned to 2.x.
"""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
import pytest

WEB = Path(__file__).resolve().parents[2] / "schakel" / "web"
STATIC = WEB / "static"
TEMPLATES = WEB / "templates"
TEMPLATE_FILES = sorted(TEMPLATES.glob("*.html"))

STATIC_REF = re.compile(
    r"""url_for\(\s*['"]static['"]\s*,\s*path\s*=\s*['"]([^'"]+)['"]\s*\)"""
)
SCRIPT_TAG = re.compile(
    r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL
)
STYLE_TAG = re.compile(r"<style\b", re.IGNORECASE)
STYLE_ATTR = re.compile(r"""\sstyle\s*=""", re.IGNORECASE)
EVENT_ATTR = re.compile(r"""\son[a-z]+\s*=""", re.IGNORECASE)
JS_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']\s*javascript:""", re.IGNORECASE)
CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+)["']?\s*\)""")


def _static_refs(source: str) -> list[str]:
    return STATIC_REF.findall(source)


def test_templates_exist():
    names = {p.name for p in TEMPLATE_FILES}
    assert {
        "base.html",
        "login.html",
        "api_docs.html",
        "error.html",
        "_macros.html",
    } <= names


@pytest.mark.parametrize("template", TEMPLATE_FILES, ids=lambda p: p.name)
def test_static_references_exist(template):
    for ref in _static_refs(template.read_text(encoding="utf-8")):
        assert (STATIC / ref).is_file(), (
            f"{template.name} refers to missing static/{ref}"
        )


def test_base_loads_css_and_js():
    refs = set(_static_refs((TEMPLATES / "base.html").read_text(encoding="utf-8")))
    assert "schakel.css" in refs
    assert "schakel.js" in refs
    assert "vendor/htmx/htmx.min.js" in refs
    assert any(r.startswith("vendor/utrecht/") for r in refs)
    assert any(r.startswith("vendor/tokens/") for r in refs)


def test_api_docs_loads_vendored_swagger():
    refs = set(_static_refs((TEMPLATES / "api_docs.html").read_text(encoding="utf-8")))
    assert {
        "vendor/swagger-ui/swagger-ui.css",
        "vendor/swagger-ui/swagger-ui-bundle.js",
    } <= refs


@pytest.mark.parametrize("template", TEMPLATE_FILES, ids=lambda p: p.name)
def test_no_inline_script_style_or_handlers(template):
    source = template.read_text(encoding="utf-8")
    for attrs, body in SCRIPT_TAG.findall(source):
        assert "src=" in attrs, f"{template.name}: <script> without src"
        assert body.strip() == "", f"{template.name}: inline <script> body"
    assert not STYLE_TAG.search(source), f"{template.name}: <style> element"
    assert not STYLE_ATTR.search(source), f"{template.name}: style= attribute"
    assert not EVENT_ATTR.search(source), f"{template.name}: on*= event handler"
    assert not JS_URL.search(source), f"{template.name}: javascript: URL"


@pytest.mark.parametrize("template", TEMPLATE_FILES, ids=lambda p: p.name)
def test_no_external_urls(template):
    """No CDN: every asset comes from our own static files."""
    source = template.read_text(encoding="utf-8")
    assert not re.search(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", source), (
        template.name
    )


@pytest.mark.parametrize(
    "stylesheet",
    [STATIC / "schakel.css", STATIC / "vendor" / "noto-sans" / "fonts.css"],
    ids=lambda p: p.name,
)
def test_stylesheet_urls_resolve(stylesheet):
    for ref in CSS_URL.findall(stylesheet.read_text(encoding="utf-8")):
        if ref.startswith("data:"):
            continue
        assert not ref.startswith(("http:", "https:", "//")), (
            f"{stylesheet.name}: {ref}"
        )
        assert (stylesheet.parent / ref).is_file(), f"{stylesheet.name}: missing {ref}"


def test_vendored_files_listed_and_present():
    versions = (STATIC / "vendor" / "VERSIONS.txt").read_text(encoding="utf-8")
    listed = [
        line.split("\t")[0]
        for line in versions.splitlines()
        if "\t" in line and line.rstrip().endswith(" bytes")
    ]
    assert listed, "VERSIONS.txt lists no files"
    for rel in listed:
        assert (STATIC / "vendor" / rel).is_file(), rel
    on_disk = {
        str(p.relative_to(STATIC / "vendor"))
        for p in (STATIC / "vendor").rglob("*")
        if p.is_file() and p.name != "VERSIONS.txt"
    }
    assert on_disk == set(listed)
    assert not any(name.endswith(".map") for name in on_disk)


def test_htmx_major_version_is_2():
    versions = (STATIC / "vendor" / "VERSIONS.txt").read_text(encoding="utf-8")
    match = re.search(r"^htmx\.org\t(\d+)\.\d+\.\d+\t", versions, re.MULTILINE)
    assert match is not None
    assert match.group(1) == "2"


def test_every_vendored_package_has_a_licence_file():
    vendor = STATIC / "vendor"
    for directory in (p for p in vendor.iterdir() if p.is_dir()):
        assert any(f.name.upper().startswith("LICENSE") for f in directory.iterdir()), (
            directory
        )


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    env.globals["url_for"] = lambda name, **kw: f"/static/{kw['path']}"
    return env


BASE_CONTEXT = {"lang": "nl", "csrf_token": "tok-123"}


@pytest.mark.parametrize(
    ("template", "context"),
    [
        ("login.html", {}),
        ("login.html", {"error": True, "username": "a<b"}),
        ("error.html", {"status_code": 404}),
        ("error.html", {"status_code": 599}),
        ("api_docs.html", {}),
    ],
)
def test_templates_render_with_minimal_context(template, context):
    html = _env().get_template(template).render({**BASE_CONTEXT, **context})
    assert '<html lang="nl"' in html
    assert '<meta name="csrf-token" content="tok-123">' in html
    assert 'href="#inhoud"' in html and 'id="inhoud"' in html
    assert "<main" in html and "<footer" in html
    assert "a<b" not in html  # autoescaped


def test_login_error_is_generic_and_announced():
    html = _env().get_template("login.html").render({**BASE_CONTEXT, "error": True})
    alert = re.search(r'<div id="inlogfout" role="alert">(.*?)</form>', html, re.DOTALL)
    assert alert is not None
    assert "Inloggen is niet gelukt" in alert.group(1)
    assert 'aria-invalid="true"' in html


def test_logged_in_header_shows_user_nav_and_logout():
    user = {"display_name": "Test Persoon", "organisation_name": "Gemeente Voorbeeld"}
    nav = [
        {"href": "/a", "label": "Een", "active": True},
        {"href": "/b", "label": "Twee", "active": False},
    ]
    html = (
        _env()
        .get_template("error.html")
        .render(
            {
                **BASE_CONTEXT,
                "status_code": 403,
                "user": user,
                "nav": nav,
                "messages": [{"level": "success", "text": "Gelukt"}],
            }
        )
    )
    assert "Test Persoon" in html and "Gemeente Voorbeeld" in html
    assert 'href="/a" aria-current="page"' in html
    assert 'href="/b" aria-current' not in html
    assert 'action="/logout"' in html
    assert '<input type="hidden" name="csrf_token" value="tok-123">' in html
    assert "Gelukt" in html


def test_anonymous_header_has_no_logout():
    html = _env().get_template("login.html").render(BASE_CONTEXT)
    assert 'action="/logout"' not in html
    assert 'href="?lang=en"' in html and 'href="?lang=nl"' in html


def test_field_macro_ties_hint_and_error_to_input():
    macros = _env().get_template("_macros.html").module
    html = str(macros.field("naam", "Naam", hint="Voluit", error="Vul uw naam in."))  # type: ignore[attr-defined]
    assert (
        '<label class="schakel-field__label utrecht-form-label" for="veld-naam">'
        in html
    )
    assert 'aria-describedby="veld-naam-hint veld-naam-error"' in html
    assert 'id="veld-naam-hint"' in html and 'id="veld-naam-error"' in html
    assert 'aria-invalid="true"' in html
    clean = str(macros.field("naam", "Naam"))  # type: ignore[attr-defined]
    assert "aria-describedby" not in clean and "aria-invalid" not in clean


@pytest.mark.parametrize(
    ("decision", "label"),
    [
        ("allowed", "Toegestaan"),
        ("allowed_with_conditions", "Toegestaan onder voorwaarden"),
        ("not_allowed", "Niet toegestaan"),
        ("need_more_information", "Meer informatie nodig"),
    ],
)
def test_decision_badge_has_text_label(decision, label):
    macros = _env().get_template("_macros.html").module
    html = str(macros.decision_badge(decision))  # type: ignore[attr-defined]
    assert f"schakel-badge--{decision}" in html
    assert f"</span>{label}</span>" in html
    assert f".schakel-badge--{decision}" in (STATIC / "schakel.css").read_text(
        encoding="utf-8"
    )


def test_table_macro_escapes_cells_and_has_headers():
    macros = _env().get_template("_macros.html").module
    columns = [{"key": "a", "label": "A"}, {"key": "n", "label": "N", "numeric": True}]
    html = str(macros.table(columns, [{"a": "<x>", "n": 3}], "Tabel"))  # type: ignore[attr-defined]
    assert "<caption" in html and 'scope="col"' in html and 'scope="row"' in html
    assert "&lt;x&gt;" in html and "<x>" not in html
    empty = str(macros.table(columns, [], "Leeg", empty_text="Niets"))  # type: ignore[attr-defined]
    assert "Niets" in empty


def test_user_facing_strings_go_through_gettext():
    """Visible text in templates is {{ _("...") }} or a variable, never bare."""
    text_node = re.compile(r">\s*([A-Za-zÀ-ÿ][^<{]*?)\s*<")
    allowed = {"NL", "EN", "Nederlands", "English"}  # language names are not translated
    for template in TEMPLATE_FILES:
        source = re.sub(
            r"{#.*?#}", "", template.read_text(encoding="utf-8"), flags=re.DOTALL
        )
        for match in text_node.finditer(source):
            text = match.group(1).strip()
            assert text in allowed, f"{template.name}: untranslated text {text!r}"
