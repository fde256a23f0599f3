"""API: download and upload a department's scoring sheet."""

from ninja import Router

router = Router(tags=["sheets"])
