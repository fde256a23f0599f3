"""The client's address behind the reverse proxy.

Behind nginx, REMOTE_ADDR is the proxy's own address. When a request comes from an address listed
in KAOHE_TRUSTED_PROXIES, REMOTE_ADDR becomes the client's address from the X-Real-IP header the
proxy sets (nginx: `proxy_set_header X-Real-IP $remote_addr;`), so that the audit trail and the
log-in throttling see the client. A request from anywhere else keeps its REMOTE_ADDR: a client
cannot choose its own address by sending the header.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


class TrustedProxyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        trusted = getattr(settings, "KAOHE_TRUSTED_PROXIES", ())
        if trusted and request.META.get("REMOTE_ADDR") in trusted:
            real = request.META.get("HTTP_X_REAL_IP", "").strip()
            if real and _is_address(real):
                request.META["REMOTE_ADDR"] = real
        return self.get_response(request)


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
