"""The home page: each user's to-do list, by role."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from kaohe.accounts.models import Role
from kaohe.accounts.permissions import visible_cycles
from kaohe.cycles.models import Cycle, Submission
from kaohe.schemes.models import SchemeRecord


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    todo: list[dict] = []
    cycles = visible_cycles(user)
    if user.role == Role.OFFICE:
        for scheme in SchemeRecord.objects.filter(status=SchemeRecord.Status.DRAFT):
            text = _("指标体系草稿“%(title)s”待发布（%(errors)d个错误，%(warnings)d个警告）") % {
                "title": scheme.title, "errors": scheme.errors, "warnings": scheme.warnings}
            todo.append({"text": text, "url": f"/schemes/{scheme.pk}/"})
        for cycle in cycles.filter(status=Cycle.Status.DRAFT):
            todo.append({"text": _("考核周期“%(cycle)s”尚未开始评分") % {"cycle": cycle.name},
                         "url": f"/cycles/{cycle.pk}/"})
        approved = (Submission.objects.filter(state=Submission.State.APPROVED, cycle__in=cycles)
                    .select_related("cycle", "department"))
        for submission in approved:
            text = _("%(cycle)s：%(department)s的评分待审核锁定") % {
                "cycle": submission.cycle.name, "department": submission.department.name}
            todo.append({"text": text,
                         "url": f"/cycles/{submission.cycle_id}/review/"})
    elif user.role in (Role.SCORER, Role.HEAD):
        mine = (Submission.objects.filter(cycle__in=cycles.filter(status__in=[Cycle.Status.OPEN, Cycle.Status.REVIEW]),
                                          department__code=user.department.code)
                .select_related("cycle", "department")
                .annotate(missing=Count("department__scores", filter=Q(department__scores__points__isnull=True))))
        for submission in mine:
            url = f"/cycles/{submission.cycle_id}/scoring/"
            if submission.state == Submission.State.DRAFT:
                names = {"cycle": submission.cycle.name, "count": submission.missing}
                text = _("%(cycle)s：还有%(count)d项待评分") % names if submission.missing \
                    else _("%(cycle)s：评分已完成，待提交") % names
                if submission.comment:
                    text += _("（退回意见：%(comment)s）") % {"comment": submission.comment}
                todo.append({"text": text, "url": url})
            elif submission.state == Submission.State.SUBMITTED and user.role == Role.HEAD:
                todo.append({"text": _("%(cycle)s：本部门评分待您审核") % {"cycle": submission.cycle.name}, "url": url})
    return render(request, "accounts/home.html", {"todo": todo, "cycles": cycles[:20]})
