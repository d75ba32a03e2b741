"""HTML pages (Jinja2 + htmx). Handlers parse input, call one service, render."""

from fastapi import APIRouter

from schakel.web.pages import (
    account,
    cases,
    register,
    registry,
    rights,
    screening,
    share_check,
    shell,
    signals,
)

router = APIRouter(include_in_schema=False)
router.include_router(account.router)
router.include_router(shell.router)
router.include_router(share_check.router)
router.include_router(signals.router)
router.include_router(screening.router)
router.include_router(register.router)
router.include_router(registry.router)
router.include_router(rights.router)
router.include_router(cases.router)
