"""Server-side SVG bar charts (no script, no CDN): suppressed bars are not drawn."""

from html import escape


def bar_chart(
    labels: list[str],
    values: list[int | None],
    shown: list[str],
    width: int = 520,
    bar_height: int = 22,
) -> str:
    """Horizontal bars; a suppressed value (``None``) shows only its text ("<10")."""
    if not labels:
        return ""
    peak = max((v for v in values if v is not None), default=1) or 1
    height = len(labels) * (bar_height + 8) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        'role="img" class="schakel-chart"><title>Staafdiagram</title>'
    ]
    for index, (label, value, text) in enumerate(
        zip(labels, values, shown, strict=True)
    ):
        y = 5 + index * (bar_height + 8)
        parts.append(f'<text x="0" y="{y + 16}" font-size="13">{escape(label)}</text>')
        if value is not None:
            length = int((width - 220) * value / peak)
            parts.append(
                f'<rect x="160" y="{y}" width="{length}" height="{bar_height}" '
                'fill="#1b4f8a"/>'
            )
            parts.append(
                f'<text x="{166 + length}" y="{y + 16}" font-size="13">'
                f"{escape(text)}</text>"
            )
        else:
            parts.append(
                f'<text x="166" y="{y + 16}" font-size="13">{escape(text)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
