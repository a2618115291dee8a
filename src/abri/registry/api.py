"""Household and individual endpoints."""

from ninja import Router

router = Router(tags=["registry"])
