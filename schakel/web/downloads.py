"""Responses that hand the reader a file (CSV, JSON, PDF) instead of a page.

One place for the download headers, so every export is offered the same way: as an
attachment with a safe ASCII file name; the security middleware adds ``no-store``.
"""

import re

from fastapi.responses import Response

from schakel.reports import Report, render_pdf

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def attachment(content: bytes | str, filename: str, media_type: str) -> Response:
    """``content`` as a download called ``filename`` (reduced to safe characters)."""
    safe = _UNSAFE.sub("-", filename).strip("-") or "export"
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{safe}"'},
    )


def pdf_attachment(report: Report, filename: str) -> Response:
    """The report rendered to PDF, offered as ``filename``."""
    return attachment(render_pdf(report), filename, "application/pdf")
