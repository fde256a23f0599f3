"""The department scoring grid (see docs/decisions/2026-11-25-web-application.md)."""

urlpatterns: list = []
