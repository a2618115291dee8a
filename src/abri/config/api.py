"""The HTTP API: one NinjaAPI, each app adds its router."""

from ninja import NinjaAPI

from abri.access.api import ApiTokenAuth, session_auth
from abri.registry.api import router as registry_router

api = NinjaAPI(
    title="Abri API",
    version="1",
    description="Registration, targeting and assistance of internally displaced people.",
    urls_namespace="api",
    auth=[ApiTokenAuth(), session_auth],
)
api.add_router("/", registry_router)
