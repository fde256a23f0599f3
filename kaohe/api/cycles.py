"""API: cycles, tasks, scores, submit (see docs/decisions/2026-11-25-web-application.md)."""

from ninja import Router

router = Router(tags=["cycles"])
