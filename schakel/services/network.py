"""Networks of signals linked by shared identifiers or person hits, for analysts.

Nodes are signals; an edge means the two signals share a keyed token (phone, account,
IBAN, plate, e-mail, BSN) or a person hit. A node shows only the municipality, region
and reporting organisation type — what any analyst may see — never the content.
"""

from dataclasses import dataclass
from html import escape

import networkx as nx
from sqlalchemy import select
from sqlalchemy.orm import Session

from schakel.errors import NotPermitted
from schakel.services.actor import Actor
from schakel.services.matching import ANALYST_ORG_TYPES, CAROUSEL_WINDOW_DAYS, _recent
from schakel.store import audit_log
from schakel.store.models import MatchAlert, Organisation, SignalToken
from schakel.store.tenancy import elevated
from schakel.vocabulary import Region, Role, label

UNKNOWN_PLACE = "gemeente onbekend"
MIN_MUNICIPALITIES = 2
DRAWN_COMPONENTS = 10
REGION_COLOURS = dict(
    zip(
        list(Region),
        [
            "#1b4f8a",
            "#a33b20",
            "#2e7d32",
            "#6a1b9a",
            "#c77700",
            "#00838f",
            "#ad1457",
            "#4e342e",
            "#37474f",
            "#5d4037",
        ],
        strict=True,
    )
)


@dataclass(frozen=True)
class Component:
    size: int
    municipalities: list[str]
    regions: list[str]
    kinds: list[str]


@dataclass(frozen=True)
class NetworkView:
    svg: str
    components: list[Component]


def _may_view(actor: Actor) -> bool:
    return actor.org_type in ANALYST_ORG_TYPES and actor.has(Role.COORDINATOR)


def build_graph(session: Session) -> nx.Graph:
    """The graph of recent signals (elevated read; the caller reduces what is shown)."""
    graph = nx.Graph()
    with elevated(session):
        signals = {s.id: s for s in _recent(session, CAROUSEL_WINDOW_DAYS)}
        org_types = {o.id: o.org_type for o in session.scalars(select(Organisation))}
        by_token: dict[str, list[tuple[int, str]]] = {}
        for token in session.scalars(
            select(SignalToken).where(SignalToken.signal_id.in_(list(signals)))
        ):
            by_token.setdefault(token.token, []).append((token.signal_id, token.kind))
        for members in by_token.values():
            for i, (a, kind) in enumerate(members):
                for b, _ in members[i + 1 :]:
                    if a != b:
                        graph.add_edge(a, b, kind=kind)
        for alert in session.scalars(
            select(MatchAlert).where(MatchAlert.kind == "person")
        ):
            if alert.signal_id in signals and alert.other_signal_id in signals:
                graph.add_edge(alert.signal_id, alert.other_signal_id, kind="person")
        for node in list(graph.nodes):
            signal = signals[node]
            graph.nodes[node].update(
                municipality=signal.municipality or UNKNOWN_PLACE,
                region=signal.region,
                org_type=org_types.get(signal.org_id, "?"),
            )
    return graph


def _svg(graph: nx.Graph, width: int = 760, height: int = 460) -> str:
    if graph.number_of_nodes() == 0:
        return ""
    positions = nx.spring_layout(graph, seed=7)
    xs = [p[0] for p in positions.values()]
    ys = [p[1] for p in positions.values()]
    span_x = (max(xs) - min(xs)) or 1.0
    span_y = (max(ys) - min(ys)) or 1.0

    def place(node: int) -> tuple[float, float]:
        x, y = positions[node]
        return (
            40 + (x - min(xs)) / span_x * (width - 180),
            30 + (y - min(ys)) / span_y * (height - 60),
        )

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        'role="img" aria-labelledby="netwerk-titel">'
        '<title id="netwerk-titel">Netwerk van signalen</title>'
    ]
    for a, b, data in graph.edges(data=True):
        (x1, y1), (x2, y2) = place(a), place(b)
        dash = ' stroke-dasharray="6 4"' if data.get("kind") == "person" else ""
        parts.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
            f'stroke="#555" stroke-width="2"{dash}/>'
        )
    for node, data in graph.nodes(data=True):
        x, y = place(node)
        colour = REGION_COLOURS.get(Region(data["region"]), "#333")
        text = escape(f"{data['municipality']} · {label(Region(data['region']))}")
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="11" fill="{colour}">'
            f"<title>{text}</title></circle>"
        )
        parts.append(
            f'<text x="{x + 15:.1f}" y="{y + 4:.1f}" font-size="13">{text}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def network_view(session: Session, actor: Actor) -> NetworkView:
    """Groups of linked signals that span more than one municipality (the mobility
    analysts look for), largest first; the drawing shows the ten largest.
    Police/RIEC analysts only."""
    if not _may_view(actor):
        raise NotPermitted(
            "Het netwerkbeeld is alleen voor analisten van politie en RIEC."
        )
    graph = build_graph(session)
    components: list[Component] = []
    keep: set[int] = set()
    for nodes in sorted(nx.connected_components(graph), key=len, reverse=True):
        sub = graph.subgraph(nodes)
        places = {sub.nodes[n]["municipality"] for n in nodes} - {UNKNOWN_PLACE}
        if len(places) < MIN_MUNICIPALITIES:
            continue
        if len(components) < DRAWN_COMPONENTS:
            keep |= set(nodes)
        components.append(
            Component(
                size=len(nodes),
                municipalities=sorted({sub.nodes[n]["municipality"] for n in nodes}),
                regions=sorted({label(Region(sub.nodes[n]["region"])) for n in nodes}),
                kinds=sorted({d.get("kind", "?") for _, _, d in sub.edges(data=True)}),
            )
        )
    audit_log.append(
        session,
        "network.view",
        actor_user_id=actor.user_id,
        org_id=actor.org_id,
        object_type="network",
        detail={"components": len(components)},
    )
    return NetworkView(_svg(graph.subgraph(keep)), components)


__all__ = ["NetworkView", "network_view"]
