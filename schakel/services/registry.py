"""The CoMensha registry of possible victims, its safe statistics and the dark number.

Registrations are the shares CoMensha received for the purpose ``registration``.
They are de-duplicated across reporters through the linkage encodings (one entry per
person), read elevated but reduced to what CoMensha may know: which organisation
types reported, when, and the vocabulary facts of the registration. Anonymous
registrations stay separate entries (they cannot be linked). Every published number
goes through small-cell suppression.
"""

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from schakel.errors import NotPermitted
from schakel.services.actor import Actor
from schakel.services.keys import KeyMaterial
from schakel.services.matching import person_similarity
from schakel.stats import CaptureTable, compare_methods, suppress, suppress_series
from schakel.store import audit_log
from schakel.store.models import Organisation, PersonEncoding, Share, SignalToken
from schakel.store.tenancy import elevated
from schakel.vocabulary import OrgType

REGISTRY_ORG_TYPES = (OrgType.COMENSHA,)
AGE_BANDS = ((0, 18, "0-17"), (18, 24, "18-23"), (24, 35, "24-34"), (35, 200, "35+"))


@dataclass
class RegistryEntry:
    """One possible victim, as CoMensha may see it across reporters."""

    number: int
    reporter_types: set[str] = field(default_factory=set)
    dates: list[str] = field(default_factory=list)
    forms: set[str] = field(default_factory=set)
    regions: set[str] = field(default_factory=set)
    age_band: str = "onbekend"
    gender: str = "onbekend"
    anonymous: bool = False

    @property
    def year(self) -> str:
        return min(self.dates)[:4] if self.dates else "onbekend"


def _require_registrar(actor: Actor) -> None:
    if actor.org_type not in REGISTRY_ORG_TYPES:
        raise NotPermitted("Het slachtofferregister is alleen voor CoMensha.")


def _age_band(date_of_birth: str | None, on: str) -> str:
    if not date_of_birth or not on:
        return "onbekend"
    born, day = dt.date.fromisoformat(date_of_birth), dt.date.fromisoformat(on[:10])
    age = day.year - born.year - ((day.month, day.day) < (born.month, born.day))
    return next(band for low, high, band in AGE_BANDS if low <= age < high)


class _Clusters:
    """Union-find over registration indexes."""

    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, item: int) -> int:
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def join(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)


def registry(
    session: Session, actor: Actor, keys: KeyMaterial, year: str | None = None
) -> list[RegistryEntry]:
    """De-duplicated entries from the registrations the organisation received."""
    _require_registrar(actor)
    shares = list(
        session.scalars(
            select(Share)
            .where(Share.org_id == actor.org_id, Share.purpose == "registration")
            .order_by(Share.created_at)
        )
    )
    org_types = {
        o.id: (o.org_type, o.region) for o in session.scalars(select(Organisation))
    }
    clusters = _Clusters(len(shares))
    with elevated(session):
        encodings: dict[int, list[dict[str, object]]] = defaultdict(list)
        for row in session.scalars(
            select(PersonEncoding).where(
                PersonEncoding.signal_id.in_([s.signal_id for s in shares])
            )
        ):
            encodings[row.signal_id].append(row.encoding)
        by_token: dict[str, list[int]] = defaultdict(list)
        for index, share in enumerate(shares):
            if share.anonymised:
                continue
            for token in session.scalars(
                select(SignalToken.token).where(
                    SignalToken.signal_id == share.signal_id, SignalToken.kind == "bsn"
                )
            ):
                by_token[token].append(index)
    for members in by_token.values():
        for other in members[1:]:
            clusters.join(members[0], other)
    linkable = [
        i
        for i, s in enumerate(shares)
        if not s.anonymised and encodings.get(s.signal_id)
    ]
    for pos, i in enumerate(linkable):
        for j in linkable[pos + 1 :]:
            if clusters.find(i) == clusters.find(j):
                continue
            if any(
                person_similarity(a, b) > 0
                for a in encodings[shares[i].signal_id]
                for b in encodings[shares[j].signal_id]
            ):
                clusters.join(i, j)
    entries: dict[int, RegistryEntry] = {}
    for index, share in enumerate(shares):
        root = clusters.find(index)
        entry = entries.setdefault(root, RegistryEntry(number=len(entries) + 1))
        payload = keys.keyring.decrypt_json(share.payload_enc, "shares.payload")
        org_type, region = org_types.get(share.sender_org_id, ("?", "?"))
        entry.reporter_types.add(org_type)
        entry.regions.add(region)
        day = payload.get("observed_on") or share.created_at.date().isoformat()
        entry.dates.append(day)
        entry.forms.update(payload.get("forms", []))
        entry.anonymous = entry.anonymous or bool(share.anonymised)
        victims = [
            p
            for p in payload.get("persons", [])
            if "possible_victim" in p.get("roles", [])
        ]
        if victims and entry.age_band == "onbekend":
            entry.age_band = _age_band(victims[0].get("date_of_birth"), day)
        if victims and victims[0].get("gender") and entry.gender == "onbekend":
            entry.gender = str(victims[0]["gender"])
    result = [e for e in entries.values() if year is None or e.year == year]
    audit_log.append(
        session,
        "registry.view",
        actor_user_id=actor.user_id,
        org_id=actor.org_id,
        object_type="registry",
        detail={"entries": len(result), "year": year},
    )
    return result


@dataclass(frozen=True)
class SeriesView:
    title: str
    labels: list[str]
    shown: list[str]
    total: str
    raw_for_chart: list[int | None]


def _series(title: str, counter: Counter[str]) -> SeriesView:
    if not counter:  # an empty register (or a year without registrations)
        return SeriesView(title, [], [], "0", [])
    labels = sorted(counter)
    published = suppress_series([counter[k] for k in labels])
    chart = [
        counter[k] if not str(v).startswith("<") and v != "x" else None
        for k, v in zip(labels, published.cells, strict=True)
    ]
    return SeriesView(title, labels, list(published.cells), str(published.total), chart)


@dataclass(frozen=True)
class StatisticsView:
    total_entries: int
    series: list[SeriesView]
    year_by_form: tuple[
        list[str], list[str], list[list[str]], list[str], list[str], str
    ]


def statistics(entries: list[RegistryEntry]) -> StatisticsView:
    """Counts with small-cell (<10) and secondary suppression."""

    def count(attr: str) -> Counter[str]:
        counter: Counter[str] = Counter()
        for entry in entries:
            value = getattr(entry, attr)
            for item in value if isinstance(value, set) else [value]:
                counter[str(item)] += 1
        return counter

    years = sorted({e.year for e in entries})
    forms = sorted({f for e in entries for f in e.forms} or {"onbekend"})
    grid = [
        [sum(1 for e in entries if e.year == y and f in e.forms) for f in forms]
        for y in years
    ]
    table = suppress(grid) if grid else None
    series = [
        _series("Melder (type)", count("reporter_types")),
        _series("Regio", count("regions")),
        _series("Leeftijd", count("age_band")),
        _series("Geslacht", count("gender")),
    ]
    cells = [list(r) for r in table.cells] if table else []
    return StatisticsView(
        len(entries),
        series,
        (
            years,
            forms,
            cells,
            list(table.row_totals) if table else [],
            list(table.column_totals) if table else [],
            str(table.total) if table else "0",
        ),
    )


@dataclass(frozen=True)
class DarkNumberView:
    lists: list[str]
    patterns: list[tuple[list[str], int]]
    observed: int
    results: dict[str, object]
    excluded_anonymous: int


def dark_number(entries: list[RegistryEntry], lists: list[str]) -> DarkNumberView:
    """Overlap of reporter types and the estimate per method (none when impossible)."""
    linkable = [e for e in entries if not e.anonymous]
    members = [sorted(e.reporter_types & set(lists)) for e in linkable]
    members = [m for m in members if m]
    patterns = Counter(tuple(m) for m in members)
    results: dict[str, object] = {}
    if len(lists) >= 2 and members:
        table = CaptureTable.from_memberships(lists, members)
        results = dict(compare_methods(table))
    return DarkNumberView(
        lists,
        [(list(k), v) for k, v in sorted(patterns.items())],
        len(members),
        results,
        len(entries) - len(linkable),
    )
