"""The home page: each user's to-do list (kaohe.accounts.todo), their unread notifications and the
cycles they may see."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kaohe.accounts.permissions import visible_cycles
from kaohe.accounts.todo import todo_for
from kaohe.notify import inbox


@login_required
def home(request: HttpRequest) -> HttpResponse:
    cycles = visible_cycles(request.user)
    return render(request, "accounts/home.html", {
        "todo": todo_for(request.user, cycles),
        "notifications": inbox.latest_unread(request),
        "unread": inbox.unread_count(request),
        "cycles": cycles[:20],
    })
