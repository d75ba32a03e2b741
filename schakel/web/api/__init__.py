"""JSON API under ``/api/v1`` (OpenAPI at ``/api/v1/openapi.json``)."""

from fastapi import APIRouter

from schakel.web.api import accounts, screening, share_check

router = APIRouter()
router.include_router(accounts.router)
router.include_router(share_check.router)
router.include_router(screening.router)
