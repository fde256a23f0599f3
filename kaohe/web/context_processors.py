"""Template context every page gets."""

from __future__ import annotations

from typing import Any

from kaohe.core.text import limits

_LIMITS = limits()


def text_limits(request: Any) -> dict[str, dict[str, int]]:
    """`text_limits.score_reason` and the like: each free text's maximum length, for maxlength
    attributes (the same limits the services apply, `kaohe.core.text.FIELDS`)."""
    return {"text_limits": _LIMITS}
