"""Render the web templates with dummy context, for a look in a browser.

Not shipped and not a test: a designer's tool. It renders base/login/error/API-docs
pages plus a showcase of the macros to /tmp/preview/*.html, links the static dir
to /tmp/preview/static, and with --serve serves the lot on 127.0.0.1 with the same
kind of strict Content-Security-Policy the app sends, so CSP violations show up in
the browser console. Screenshot with Debian's Chromium:

    PYTHONPATH=. /work/venv-dev/bin/python scripts/preview-templates.py --serve 8765 &
    chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
        --window-size=1280,1000 --screenshot=/tmp/preview/login.png \
        http://127.0.0.1:8765/login.html
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import sys
from pathlib import Path
from typing import Any

import jinja2

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "schakel" / "web" / "templates"
STATIC = ROOT / "schakel" / "web" / "static"

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'"
)

SHOWCASE = """\
{% extends "base.html" %}
{% import "_macros.html" as m %}
{% block content %}
<h1 class="utrecht-heading-1">{{ _("Mag ik dit delen?") }}</h1>
<p class="schakel-lead">Controleer of u informatie over een mogelijk slachtoffer
mag delen met een andere organisatie, en op welke grond.</p>
{{ m.error_summary({"recipient": "Kies de ontvangende organisatie.",
                    "purpose": "Kies het doel van de deling."}) }}
<form class="schakel-form" method="post" action="#">
  {{ m.csrf_input(csrf_token) }}
  {{ m.select("recipient", "Ontvangende organisatie",
              [("avim", "Politie AVIM Rotterdam"), ("zc", "Zorgcoördinator Utrecht")],
              placeholder="Kies een organisatie", required=True,
              error="Kies de ontvangende organisatie.") }}
  {% call m.fieldset("Doel van de deling", hint="Kies één doel.",
                     error="Kies het doel van de deling.", id="veld-purpose") %}
    {{ m.radio("purpose", "care", "Zorg en opvang") }}
    {{ m.radio("purpose", "investigation", "Opsporing en vervolging") }}
    {{ m.radio("purpose", "administrative", "Bestuurlijke aanpak") }}
  {% endcall %}
  {{ m.field("case_ref", "Zaakkenmerk", hint="Bijvoorbeeld GEM-2024-0173.",
             required=True, value="GEM-2024-0173") }}
  {{ m.textarea("reason", "Toelichting", hint="Waarom is delen nodig?") }}
  {{ m.checkbox("consent", "De betrokkene heeft toestemming gegeven") }}
  <div class="schakel-form-actions">
    {{ m.button("Controleren") }}
    {{ m.button("Annuleren", type="button", kind="secondary") }}
  </div>
</form>

<h2 class="utrecht-heading-2">Besluiten</h2>
<p>{{ m.decision_badge("allowed") }}
{{ m.decision_badge("allowed_with_conditions") }}
{{ m.decision_badge("not_allowed") }}
{{ m.decision_badge("need_more_information") }}</p>
{{ m.alert("De deling is vastgelegd in het auditlog.", "success", title="Opgeslagen") }}
{{ m.alert("Deel alleen wat nodig is voor het doel.", "warning") }}
{{ m.alert("Rotterdam heeft een match gevonden.", "info") }}
{{ m.table(columns, rows, "Recente besluiten") }}
{{ m.table(columns, [], "Lege tabel", empty_text="Nog geen besluiten.") }}

<div class="schakel-panel">
  <h2 class="utrecht-heading-2">Verantwoording</h2>
  <dl>
    <dt>Besluit</dt><dd>{{ m.decision_badge("allowed_with_conditions") }}</dd>
    <dt>Grond</dt><dd>AVG art. 6 lid 1 sub e; Wet politiegegevens art. 19</dd>
    <dt>Voorwaarden</dt><dd>Alleen de gegevens die nodig zijn voor het doel.</dd>
    <dt>Regelset</dt><dd>2024.1 (<a href="/regels">bekijk</a>)</dd>
  </dl>
  <div class="schakel-form-actions">{{ m.print_button() }}</div>
</div>
{% endblock %}
"""

OPENAPI = {
    "openapi": "3.1.0",
    "info": {"title": "Schakel API", "version": "0.1.0"},
    "paths": {
        "/api/v1/share-checks": {
            "post": {
                "summary": "Mag ik dit delen?",
                "responses": {"200": {"description": "Besluit"}},
            }
        },
        "/healthz": {
            "get": {
                "summary": "Liveness",
                "responses": {"200": {"description": "OK"}},
            }
        },
    },
}


def _url_for(name: str, **params: Any) -> str:
    if name != "static":
        raise ValueError(f"preview knows only the static route, not {name!r}")
    return "/static/" + str(params["path"])


def build_env() -> jinja2.Environment:
    loader = jinja2.ChoiceLoader(
        [
            jinja2.FileSystemLoader(TEMPLATES),
            jinja2.DictLoader({"_preview_showcase.html": SHOWCASE}),
        ]
    )
    env = jinja2.Environment(
        loader=loader,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    env.globals["url_for"] = _url_for
    return env


def pages() -> dict[str, tuple[str, dict[str, Any]]]:
    user = {"display_name": "Fatima de Vries", "organisation_name": "Gemeente Utrecht"}
    nav = [
        {"href": "/", "label": "Overzicht", "active": False},
        {"href": "/delen", "label": "Mag ik dit delen?", "active": True},
        {"href": "/signalen", "label": "Signalen", "active": False},
        {"href": "/audit", "label": "Auditlog", "active": False},
    ]
    base: dict[str, Any] = {
        "lang": "nl",
        "csrf_token": "preview-csrf-token",
        "user": None,
        "nav": [],
        "messages": [],
        "login_url": "/login",
        "app_version": "0.1.0",
    }
    logged_in = {**base, "user": user, "nav": nav}
    columns = [
        {"key": "ref", "label": "Kenmerk"},
        {"key": "recipient", "label": "Ontvanger"},
        {"key": "decision", "label": "Besluit"},
        {"key": "count", "label": "Categorieën", "numeric": True},
    ]
    rows = [
        {
            "ref": "DL-0042",
            "recipient": "Politie AVIM Rotterdam",
            "decision": "Toegestaan",
            "count": 3,
        },
        {
            "ref": "DL-0041",
            "recipient": "CoMensha",
            "decision": "Niet toegestaan",
            "count": 5,
        },
    ]
    return {
        "login": ("login.html", {**base, "error": False}),
        "login-error": (
            "login.html",
            {**base, "error": True, "username": "f.devries", "next": "/delen"},
        ),
        "login-en": ("login.html", {**base, "lang": "en", "error": False}),
        "error-404": ("error.html", {**logged_in, "status_code": 404, "detail": None}),
        "error-500": ("error.html", {**base, "status_code": 500, "detail": None}),
        "api-docs": ("api_docs.html", {**base, "openapi_url": "/api/v1/openapi.json"}),
        "showcase": (
            "_preview_showcase.html",
            {
                **logged_in,
                "columns": columns,
                "rows": rows,
                "messages": [
                    {"level": "success", "text": "U bent ingelogd."},
                    {"level": "error", "text": "De vorige actie is mislukt."},
                ],
            },
        ),
    }


def render_all(out: Path) -> list[Path]:
    env = build_env()
    out.mkdir(parents=True, exist_ok=True)
    link = out / "static"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(STATIC, target_is_directory=True)
    api = out / "api" / "v1"
    api.mkdir(parents=True, exist_ok=True)
    (api / "openapi.json").write_text(json.dumps(OPENAPI), encoding="utf-8")
    written = []
    for name, (template, context) in pages().items():
        path = out / f"{name}.html"
        path.write_text(env.get_template(template).render(context), encoding="utf-8")
        written.append(path)
    return written


class _CSPHandler(http.server.SimpleHTTPRequestHandler):
    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Frame-Options", "DENY")
        self.send_header("Referrer-Policy", "same-origin")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/preview"))
    parser.add_argument("--serve", type=int, metavar="PORT", default=None)
    args = parser.parse_args(argv)
    for path in render_all(args.out):
        sys.stderr.write(f"{path}\n")
    if args.serve is not None:
        handler = functools.partial(_CSPHandler, directory=str(args.out))
        with http.server.ThreadingHTTPServer(("127.0.0.1", args.serve), handler) as srv:
            sys.stderr.write(f"http://127.0.0.1:{args.serve}/\n")
            srv.serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
