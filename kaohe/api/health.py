"""API: `GET /api/v1/ping`, `{"ok": true}` for any authenticated caller.

A script checks with it that its token works and the server answers; the API load benchmark
(benchmarks/api_load.py) uses it as the ceiling: the cheapest authenticated request the stack
serves (authentication included, nothing else).
"""

from django.http import HttpRequest
from ninja import Router, Schema

router = Router(tags=["health"])


class PingOut(Schema):
    ok: bool


@router.get("/ping", response=PingOut, summary="Check the token and the server")
def ping(request: HttpRequest) -> dict[str, bool]:
    """Any role, with a token or the browser session: `{"ok": true}`; 401 without."""
    return {"ok": True}
