"""`/accounts/notifications/`: the signed-in user's own notifications (newest first, unread
highlighted), marking them read, and the user's e-mail settings. Only ever the user's own rows."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kaohe.accounts.decorators import SignedInRequest
from kaohe.notify import inbox
from kaohe.notify.forms import PreferencesForm

PER_PAGE = 20


@login_required
@require_http_methods(["GET", "POST"])
def notifications(request: SignedInRequest) -> HttpResponse:
    user = request.user
    form = PreferencesForm(instance=user)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "read_all":
            count = inbox.mark_read(user)
            messages.success(request, _("已将%(count)d条通知标为已读。") % {"count": count})
            return redirect("notifications")
        if action == "open":
            pk = request.POST.get("id", "")
            notification = get_object_or_404(inbox.of(user), pk=int(pk) if pk.isdigit() else 0)
            inbox.mark_read(user, notification.pk)
            if notification.url and url_has_allowed_host_and_scheme(
                    notification.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
                return redirect(notification.url)
            return redirect("notifications")
        if action == "settings":
            form = PreferencesForm(request.POST, instance=user)
            if form.is_valid():
                form.save()
                messages.success(request, _("通知设置已保存。"))
                return redirect("notifications")
        else:
            return HttpResponseBadRequest(_("未知的操作。"))
    page = Paginator(inbox.of(user), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "accounts/notifications.html", {"page": page, "form": form,
                                                            "unread": inbox.unread_count(request)})
