"""Offline Excel scoring sheets: download and upload (see docs/decisions/2026-11-25-web-application.md)."""

urlpatterns: list = []
