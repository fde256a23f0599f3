"""The JSON API under /api/v1/ (django-ninja): the same rules as the pages, for scripts."""
