"""`kaohe check --deploy`: what Django's own deployment checks let through, refused as errors.

Django warns (security.W009) about a short secret key, but not about Kaohe's published
development key, which is long and varied; and DEBUG is only a warning (security.W018). In a
production installation each of these gives away sessions, password-reset links or tracebacks, so
here they are errors: `kaohe check --deploy` fails on them without `--fail-level`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register

# Published here (and so known to everyone): the key `make run` uses when none is set.
DEVELOPMENT_SECRET_KEY = "kaohe-development-only-secret-key-do-not-use-in-production"
MIN_SECRET_KEY_LENGTH = 50
MIN_SECRET_KEY_CHARACTERS = 5


@register(Tags.security, deploy=True)
def production_secrets(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors = []
    key = str(settings.SECRET_KEY)
    if key == DEVELOPMENT_SECRET_KEY or DEVELOPMENT_SECRET_KEY in settings.SECRET_KEY_FALLBACKS:
        errors.append(Error(
            "KAOHE_SECRET_KEY is Kaohe's published development key: anyone can forge sessions with it.",
            hint="Set KAOHE_SECRET_KEY to a new secret: python3 -c 'import secrets; print(secrets.token_urlsafe(50))'",
            id="kaohe.E001"))
    elif len(key) < MIN_SECRET_KEY_LENGTH or len(set(key)) < MIN_SECRET_KEY_CHARACTERS:
        errors.append(Error(
            f"KAOHE_SECRET_KEY is too short or too plain (at least {MIN_SECRET_KEY_LENGTH} characters, "
            f"{MIN_SECRET_KEY_CHARACTERS} different ones).",
            hint="Make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(50))'", id="kaohe.E002"))
    if settings.DEBUG:
        errors.append(Error("DEBUG is on (KAOHE_DEBUG): error pages show code, settings and data to anyone.",
                            hint="Unset KAOHE_DEBUG in production.", id="kaohe.E003"))
    return errors
