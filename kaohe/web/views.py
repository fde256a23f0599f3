"""The home page: each user's to-do list (gathered by kaohe.notify.todo from every app), their
unread notifications and the cycles they may see."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from kaohe.accounts.decorators import SignedInRequest
from kaohe.cycles.access import visible_cycles
from kaohe.notify import inbox
from kaohe.notify.todo import todo_for


@login_required
def home(request: SignedInRequest) -> HttpResponse:
    return render(request, "home.html", {
        "todo": todo_for(request.user),
        "notifications": inbox.latest_unread(request),
        "unread": inbox.unread_count(request),
        "cycles": visible_cycles(request.user)[:20],
    })
