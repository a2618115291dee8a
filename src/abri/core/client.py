"""Where a request comes from: the real client's address, behind the reverse proxies Abri trusts.

Behind a proxy every request comes from the proxy's address; :func:`client_ip` believes
``X-Forwarded-For`` only from the proxies named in ``ABRI_TRUSTED_PROXIES`` and takes the last
address they did not add themselves. The login lockout counts by it, and the audit log records
it (`current_source`, set for each request by `abri.core.middleware.AuditSourceMiddleware`).
"""

from __future__ import annotations

import ipaddress
from contextvars import ContextVar

from django.conf import settings
from django.http import HttpRequest

# The address of the request being served; empty on the command line and in background jobs.
current_source: ContextVar[str] = ContextVar("abri_audit_source", default="")


def _trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for network in settings.ABRI_TRUSTED_PROXIES:
        try:
            if ip in ipaddress.ip_network(network, strict=False):
                return True
        except ValueError:
            continue
    return False


def client_ip(request: HttpRequest) -> str:
    """The address of the client: REMOTE_ADDR, or what trusted proxies forwarded for it."""
    address = str(request.META.get("REMOTE_ADDR", ""))
    if not _trusted(address):
        return address
    forwarded = [hop.strip() for hop in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if hop.strip()]
    # Read from the right: each trusted proxy appended the address it saw; the first one not ours is the client.
    for hop in reversed(forwarded):
        if not _trusted(hop):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return address  # a forged, unreadable hop: count the proxy rather than trust it
    return address
