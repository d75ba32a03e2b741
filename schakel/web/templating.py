"""One Jinja environment with gettext, and the context every page gets."""

from dataclasses import dataclass
from importlib.resources import files
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape

import schakel
from schakel.vocabulary import OrgType, Role, label, labels
from schakel.web.i18n import current_language, gettext, ngettext

_env = Environment(
    loader=FileSystemLoader(str(files("schakel.web").joinpath("templates"))),
    autoescape=select_autoescape(["html", "xml"]),
    extensions=["jinja2.ext.i18n"],
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.install_gettext_callables(gettext=gettext, ngettext=ngettext, newstyle=True)  # type: ignore[attr-defined]
_env.globals["label"] = label


def value_label(kind: str, value: object) -> str:
    """Dutch label of a stored vocabulary value, e.g. ("Purpose", "care")."""
    return labels().get(kind, {}).get(str(value), str(value))


_env.globals["vlabel"] = value_label
_env.filters["regionlabel"] = lambda value: value_label("Region", value)
templates = Jinja2Templates(env=_env)


@dataclass(frozen=True)
class NavItem:
    href: str
    label: str
    active: bool


@dataclass(frozen=True)
class NavEntry:
    href: str
    text: str
    roles: tuple[Role, ...] = ()
    #: Empty means every organisation type.
    org_types: tuple[OrgType, ...] = ()


def N_(message: str) -> str:  # noqa: N802  (gettext's conventional marker name)
    """Mark a string for extraction; it is translated where it is shown."""
    return message


#: Only features that exist appear here; roles empty means every logged-in user,
#: org_types empty every organisation.
NAVIGATION: list[NavEntry] = [
    NavEntry("/", N_("Overzicht")),
    NavEntry("/signalen", N_("Signalen")),
    NavEntry("/inbox", N_("Inbox")),
    NavEntry("/casussen", N_("Casussen"), (Role.COORDINATOR, Role.PROFESSIONAL)),
    NavEntry(
        "/netwerk", N_("Netwerk"), (Role.COORDINATOR,), (OrgType.POLICE, OrgType.RIEC)
    ),
    NavEntry("/register", N_("Register"), (), (OrgType.COMENSHA,)),
    NavEntry("/donker-getal", N_("Verborgen aantal"), (), (OrgType.COMENSHA,)),
    NavEntry("/mag-ik-dit-delen", N_("Mag ik dit delen?")),
    NavEntry("/verantwoordingen", N_("Verantwoordingen")),
    NavEntry("/regels", N_("Regels")),
    NavEntry(
        "/screening",
        N_("Screening"),
        (Role.PROFESSIONAL, Role.COORDINATOR),
        (OrgType.POLICE, OrgType.KMAR, OrgType.LABOUR_INSPECTORATE),
    ),
    NavEntry("/audit", N_("Auditlog"), (Role.PRIVACY_OFFICER, Role.ADMIN)),
    NavEntry(
        "/verwerkingsregister",
        N_("Verwerkingsregister"),
        (Role.PRIVACY_OFFICER, Role.ADMIN),
    ),
    NavEntry("/inzageverzoeken", N_("Inzageverzoeken"), (Role.PRIVACY_OFFICER,)),
    NavEntry(
        "/rectificatieverzoeken", N_("Rectificatieverzoeken"), (Role.PRIVACY_OFFICER,)
    ),
    NavEntry("/verwijderverzoeken", N_("Verwijderverzoeken"), (Role.PRIVACY_OFFICER,)),
    NavEntry("/bewaartermijnen", N_("Bewaartermijnen"), (Role.PRIVACY_OFFICER,)),
    NavEntry("/gebruikers", N_("Gebruikers"), (Role.ADMIN,)),
    NavEntry("/api/docs", N_("API")),
]


def navigation(
    request: Request, roles: frozenset[Role], org_type: OrgType | None = None
) -> list[NavItem]:
    path = request.url.path
    items = []
    for entry in NAVIGATION:
        if entry.roles and not roles.intersection(entry.roles):
            continue
        if entry.org_types and org_type not in entry.org_types:
            continue
        active = (
            path == entry.href if entry.href == "/" else path.startswith(entry.href)
        )
        items.append(NavItem(entry.href, gettext(entry.text), active))
    return items


def render(
    request: Request,
    name: str,
    caller: Any = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render a page with the shell's context (user, navigation, CSRF, language)."""
    actor = getattr(caller, "actor", None)
    base: dict[str, Any] = {
        "lang": current_language.get(),
        "user": actor,
        "nav": navigation(request, actor.roles, actor.org_type) if actor else [],
        "csrf_token": getattr(caller, "csrf_token", ""),
        "messages": context.pop("messages", []),
        "app_version": schakel.__version__,
        "status_code": status_code,
    }
    base.update(context)
    return templates.TemplateResponse(request, name, base, status_code=status_code)


def render_error(
    request: Request, status: int, title: str, detail: str
) -> HTMLResponse:
    return render(request, "error.html", status_code=status, title=title, detail=detail)
