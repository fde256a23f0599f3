"""The home page: each user's to-do list (gathered by kaohe.notify.todo from every app), their
unread notifications and the cycles they may see; a leader's home is the leaders' overview
(kaohe.web.overview), since leaders look and do not operate."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from kaohe.accounts.decorators import SignedInRequest
from kaohe.accounts.models import Role
from kaohe.cycles.access import visible_cycles
from kaohe.notify import inbox
from kaohe.notify.todo import todo_for
from kaohe.web.overview import render_overview


@login_required
def home(request: SignedInRequest) -> HttpResponse:
    if request.user.role == Role.LEADER and request.user.is_active:
        return render_overview(request)
    return render(request, "home.html", {
        "todo": todo_for(request.user),
        "notifications": inbox.latest_unread(request),
        "unread": inbox.unread_count(request),
        "cycles": visible_cycles(request.user)[:20],
    })
