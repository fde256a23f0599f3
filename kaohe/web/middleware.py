"""The UI language: Chinese unless the user chose another one (the language cookie set by
Django's set_language view). Unlike Django's LocaleMiddleware, the browser's Accept-Language is
not consulted: the assessment's working language is Chinese for everyone by default."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation


class LanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        request.LANGUAGE_CODE = language
        with translation.override(language):  # restored afterwards: no language leaks between requests
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
