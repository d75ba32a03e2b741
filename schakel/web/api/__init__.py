"""JSON API under ``/api/v1`` (OpenAPI at ``/api/v1/openapi.json``)."""

from fastapi import APIRouter

from schakel.web.api import accounts

router = APIRouter()
router.include_router(accounts.router)
