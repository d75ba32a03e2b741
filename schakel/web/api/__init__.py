"""JSON API under ``/api/v1`` (OpenAPI at ``/api/v1/openapi.json``)."""

from fastapi import APIRouter

from schakel.web.api import accounts, cases, screening, share_check, signals

router = APIRouter()
router.include_router(accounts.router)
router.include_router(share_check.router)
router.include_router(signals.router)
router.include_router(screening.router)
router.include_router(cases.router)
