"""`record(...)`: write one audit event for the current actor. Call it inside the same
transaction as the change it describes, so the trail and the data never disagree."""

from __future__ import annotations

from typing import Any

from kaohe.audit.context import current
from kaohe.audit.models import Event


def record(action: str, object_type: str, object_key: str, *, old: Any = None, new: Any = None,
           reason: str = "", cycle: Any = None) -> Event:
    actor = current()
    user = actor.user if actor.user is not None and getattr(actor.user, "pk", None) else None
    return Event.objects.create(
        actor=user, actor_name=actor.name, address=actor.address, action=action,
        object_type=object_type, object_key=object_key, cycle=cycle, old=old, new=new, reason=reason,
    )
