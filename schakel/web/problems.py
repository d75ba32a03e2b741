"""Errors as ``application/problem+json`` (RFC 9457), per the API Design Rules."""

from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

PROBLEM_JSON = "application/problem+json"


def problem(status: int, title: str, detail: str = "", **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "form")]
    return ".".join(parts) or "body"


def validation_problem(exc: RequestValidationError) -> JSONResponse:
    """422 with one entry per invalid field, each naming the field."""
    errors = []
    for error in exc.errors():
        entry = {
            "field": _field_name(tuple(error.get("loc", ()))),
            "message": error.get("msg", ""),
        }
        ctx = error.get("ctx") or {}
        if "expected" in ctx:
            entry["allowed"] = str(ctx["expected"])
        errors.append(entry)
    names = ", ".join(e["field"] for e in errors)
    return problem(422, "Ongeldige invoer", f"Controleer: {names}", errors=errors)
