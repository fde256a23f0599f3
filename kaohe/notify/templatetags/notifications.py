"""`{% unread_notifications as count %}`: the signed-in user's unread notifications, for the header."""

from __future__ import annotations

from django import template

from kaohe.notify.inbox import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context: template.Context) -> int:
    request = context.get("request")
    return unread_count(request) if request is not None else 0
