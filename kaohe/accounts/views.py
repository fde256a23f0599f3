"""The home page: each user's to-do list, by role."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

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
            todo.append({"text": f"指标体系草稿“{scheme.title}”待发布（{scheme.errors}个错误，{scheme.warnings}个警告）",
                         "url": f"/schemes/{scheme.pk}/"})
        for cycle in cycles.filter(status=Cycle.Status.DRAFT):
            todo.append({"text": f"考核周期“{cycle.name}”尚未开始评分", "url": f"/cycles/{cycle.pk}/"})
        approved = (Submission.objects.filter(state=Submission.State.APPROVED, cycle__in=cycles)
                    .select_related("cycle", "department"))
        for submission in approved:
            todo.append({"text": f"{submission.cycle.name}：{submission.department.name}的评分待审核锁定",
                         "url": f"/cycles/{submission.cycle_id}/review/"})
    elif user.role in (Role.SCORER, Role.HEAD):
        mine = (Submission.objects.filter(cycle__in=cycles.filter(status__in=[Cycle.Status.OPEN, Cycle.Status.REVIEW]),
                                          department__code=user.department.code)
                .select_related("cycle", "department")
                .annotate(missing=Count("department__scores", filter=Q(department__scores__points__isnull=True))))
        for submission in mine:
            url = f"/cycles/{submission.cycle_id}/scoring/"
            if submission.state == Submission.State.DRAFT:
                text = f"{submission.cycle.name}：还有{submission.missing}项待评分" if submission.missing \
                    else f"{submission.cycle.name}：评分已完成，待提交"
                if submission.comment:
                    text += f"（退回意见：{submission.comment}）"
                todo.append({"text": text, "url": url})
            elif submission.state == Submission.State.SUBMITTED and user.role == Role.HEAD:
                todo.append({"text": f"{submission.cycle.name}：本部门评分待您审核", "url": url})
    return render(request, "accounts/home.html", {"todo": todo, "cycles": cycles[:20]})
