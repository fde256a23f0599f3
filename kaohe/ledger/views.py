"""The ledger's pages: the entries (list, record, one entry with its steps, edit), and the steps
on an entry (confirm, send back, void, dispute, answer, close). Every rule is kaohe.ledger.rules;
a refusal by role is 403, an entry the user may not see 404, anything else a message on the page
the user comes back to (a form shows each refused field beside it).

- GET  <pk>/ledger/                         the entries the user may read, filtered and paged
- GET/POST <pk>/ledger/new/                 scorers and heads: record an entry (with files)
- GET  <pk>/ledger/<id>/                    one entry, its files, its dispute and its history
- GET/POST <pk>/ledger/<id>/edit/           the department: change an entry that waits or was sent back
- POST <pk>/ledger/<id>/files/              the department: more files for such an entry
- GET  <pk>/ledger/<id>/files/<file>/       a file of the entry or its dispute, to whoever reads the entry
- POST <pk>/ledger/confirm/                 heads: confirm entries (`entries`, one or more)
- POST <pk>/ledger/<id>/send-back/          heads, with a `comment`
- POST <pk>/ledger/<id>/void/               the office, with a `reason`
- POST <pk>/ledger/<id>/dispute/            the unit, with a `reason` and files
- POST <pk>/ledger/<id>/answer/             the department: `decision`, `points`, `answer`
- POST <pk>/ledger/<id>/close/              the office, with an optional `comment`
- POST <pk>/ledger/<id>/dispute-send-back/  the office, with a `comment`
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from kaohe.accounts.decorators import SignedInRequest
from kaohe.accounts.models import Role
from kaohe.accounts.permissions import is_office, reads_all, unit_code
from kaohe.audit.models import Event
from kaohe.claims import storage
from kaohe.claims.rules import Upload, read_evidence_upload
from kaohe.core import ledger as core
from kaohe.cycles.access import visible_cycle_or_404
from kaohe.cycles.models import Cycle, CycleDepartment, CycleUnit, Score
from kaohe.ledger import events as events_words
from kaohe.ledger import rules
from kaohe.ledger.models import Dispute, Entry
from kaohe.ledger.rules import LedgerError, Typed
from kaohe.results.service import settings_for

PER_PAGE = 50


def fail(request: SignedInRequest, error: LedgerError, back: str) -> HttpResponse:
    """403 for a refusal by role, 404 for what the user may not see; else back with the message."""
    if error.kind == LedgerError.FORBIDDEN:
        raise PermissionDenied(error.message)
    if error.kind == LedgerError.NOT_FOUND:
        raise Http404(error.message)
    for message in error.problems:
        messages.error(request, message)
    return redirect(back)


def _files(request: SignedInRequest, cycle: Cycle) -> list[Upload]:
    return [read_evidence_upload(cycle, upload) for upload in request.FILES.getlist("file")]


# ----------------------------------------------------------------------------- the list


@dataclass(frozen=True)
class Filters:
    unit: str = ""
    quarter: int | None = None
    state: str = ""
    kind: str = ""
    department: str = ""
    dispute: str = ""
    page: int = 1

    @classmethod
    def from_query(cls, query: QueryDict) -> Filters:
        def choice(name: str, allowed: list[str]) -> str:
            value = query.get(name, "").strip()
            return value if value in allowed else ""

        quarter = query.get("quarter", "")
        try:
            page = max(1, min(int(query.get("page", "1")), 1_000_000))
        except ValueError:
            page = 1
        return cls(unit=query.get("unit", "").strip()[:40], quarter=int(quarter) if quarter in ("1", "2", "3", "4") else None,
                   state=choice("state", list(core.STATES)), kind=choice("kind", list(core.KINDS)),
                   department=query.get("department", "").strip()[:40],
                   dispute=choice("dispute", [s for s, _label in Dispute.State.choices]), page=page)

    def apply(self, entries: QuerySet[Entry]) -> QuerySet[Entry]:
        if self.unit:
            entries = entries.filter(unit__code=self.unit)
        if self.quarter:
            entries = entries.filter(quarter=self.quarter)
        if self.state:
            entries = entries.filter(state=self.state)
        if self.kind:
            entries = entries.filter(kind=self.kind)
        if self.department:
            entries = entries.filter(department__code=self.department)
        if self.dispute:
            entries = entries.filter(dispute__state=self.dispute)
        return entries

    def query(self, **changes: Any) -> str:
        values = {"unit": self.unit, "quarter": self.quarter or "", "state": self.state, "kind": self.kind,
                  "department": self.department, "dispute": self.dispute, **changes}
        return "?" + urlencode({k: v for k, v in values.items() if v})


def _quarters(entries: QuerySet[Entry]) -> list[dict[str, Any]]:
    """Per quarter: how many counted entries, their deductions and bonuses (one GROUP BY)."""
    rows = {q: (n, deducted, bonus) for q, n, deducted, bonus in
            entries.filter(state=core.CONFIRMED).order_by().values_list("quarter").annotate(
                n=Count("pk"), deducted=Sum("points", filter=Q(kind=core.DEDUCTION)),
                bonus=Sum("points", filter=Q(kind=core.BONUS)))}
    return [{"quarter": q, "count": rows.get(q, (0, None, None))[0], "deducted": rows.get(q, (0, None, None))[1],
             "bonus": rows.get(q, (0, None, None))[2]} for q in core.QUARTERS]


@login_required
@require_GET
def entries(request: SignedInRequest, pk: int) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    user = request.user
    visible = rules.visible_entries(user, cycle)
    filters = Filters.from_query(request.GET)
    own_unit = unit_code(user)
    if own_unit is not None:
        filters = Filters(**{**filters.__dict__, "unit": own_unit})
    found = (filters.apply(visible).select_related("unit", "department", "task__node", "dispute")
             .order_by("-date", "-pk"))
    page = Paginator(found, PER_PAGE).get_page(filters.page)
    department = rules.can_record(user, cycle)
    context = {
        "cycle": cycle, "page": page, "filters": filters, "department": department,
        "can_record": department is not None and cycle.status == Cycle.Status.OPEN,
        "is_head": department is not None and user.role == Role.HEAD,
        "is_office": is_office(user), "reads_all": reads_all(user), "own_unit": own_unit,
        "units": CycleUnit.objects.filter(cycle=cycle).order_by("position").values_list("code", "name")
        if own_unit is None else (),
        "departments": CycleDepartment.objects.filter(cycle=cycle).values_list("code", "name") if reads_all(user) else (),
        "states": Entry.State.choices if own_unit is None else [
            (s, label) for s, label in Entry.State.choices if s not in core.EDITABLE],
        "kinds": Entry.Kind.choices, "disputes": Dispute.State.choices,
        "quarters": _quarters(visible) if own_unit is not None else (),
        "settings": rules.settings_of(cycle),
        "previous": filters.query(page=page.previous_page_number()) if page.has_previous() else "",
        "next": filters.query(page=page.next_page_number()) if page.has_next() else "",
    }
    return render(request, "ledger/list.html", context)


# ----------------------------------------------------------------------------- recording and editing


def _typed(data: QueryDict) -> Typed:
    return Typed(unit=data.get("unit", ""), item=data.get("item", ""), kind=data.get("kind", ""),
                 date=data.get("date", ""), points=data.get("points", ""), reason=data.get("reason", ""),
                 document=data.get("document", ""))


def _form_context(cycle: Cycle, department: CycleDepartment) -> dict[str, Any]:
    """The choices of the entry form: the cycle's units that the department scores, and its items."""
    tasks = Score.objects.filter(cycle=cycle, department=department)
    units = (CycleUnit.objects.filter(cycle=cycle).order_by("position")
             .values_list("code", "name"))
    items = (tasks.order_by("node__position").values_list("node__code", "node__title", "node__points").distinct())
    return {"units": list(units), "items": list(items), "kinds": Entry.Kind.choices,
            "cap": settings_for(cycle).bonus_cap}


@login_required
def new(request: SignedInRequest, pk: int) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    department = rules.can_record(request.user, cycle)
    if department is None:
        raise PermissionDenied(_("只有参加本考核周期的考核部门的评分人和负责人可以登记台账。"))
    typed = Typed(unit=request.GET.get("unit", ""), item=request.GET.get("item", ""), kind=core.DEDUCTION,
                  date="", points="", reason="", document="")
    errors: dict[str, str] = {}
    if request.method == "POST":
        typed = _typed(request.POST)
        try:
            entry = rules.record(request.user, cycle, typed, _files(request, cycle))
        except LedgerError as error:
            if error.kind in (LedgerError.FORBIDDEN, LedgerError.NOT_FOUND):
                return fail(request, error, reverse("ledger:entries", args=[cycle.pk]))
            errors = error.fields or {"": error.message}
        else:
            messages.success(request, _("已登记，等待部门负责人确认。"))
            return redirect("ledger:entry", pk=cycle.pk, entry_id=entry.pk)
    return render(request, "ledger/form.html", {
        "cycle": cycle, "department": department, "typed": typed, "errors": errors, "entry": None,
        "closed": cycle.status != Cycle.Status.OPEN, **_form_context(cycle, department)},
        status=422 if errors else 200)


@login_required
def edit(request: SignedInRequest, pk: int, entry_id: int) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    department = rules.can_record(request.user, cycle)
    if department is None:
        raise PermissionDenied(_("只有登记这条台账记录的考核部门可以修改它。"))
    try:
        entry = rules.find(request.user, cycle, entry_id)
    except LedgerError as error:
        return fail(request, error, reverse("ledger:entries", args=[cycle.pk]))
    typed = Typed(unit=entry.unit.code, item=entry.task.node.code if entry.task is not None else "", kind=entry.kind,
                  date=entry.date.isoformat(), points="" if entry.points is None else str(entry.points.normalize()),
                  reason=entry.reason, document=entry.document)
    errors: dict[str, str] = {}
    if request.method == "POST":
        typed = _typed(request.POST)
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            version = -1
        try:
            rules.edit(request.user, cycle, entry.pk, typed, version, _files(request, cycle))
        except LedgerError as error:
            if error.kind in (LedgerError.FORBIDDEN, LedgerError.NOT_FOUND, LedgerError.CLOSED, LedgerError.CONFLICT):
                return fail(request, error, reverse("ledger:entry", args=[cycle.pk, entry.pk]))
            errors = error.fields or {"": error.message}
        else:
            messages.success(request, _("已修改，等待部门负责人确认。"))
            return redirect("ledger:entry", pk=cycle.pk, entry_id=entry.pk)
    return render(request, "ledger/form.html", {
        "cycle": cycle, "department": department, "typed": typed, "errors": errors, "entry": entry,
        "closed": cycle.status != Cycle.Status.OPEN or entry.state not in core.EDITABLE,
        **_form_context(cycle, department)}, status=422 if errors else 200)


# ----------------------------------------------------------------------------- one entry


def _history(entry: Entry) -> list[Event]:
    events = list(Event.objects.filter(object_key=rules.key(entry)).select_related("actor").order_by("at", "pk"))
    for event in events:
        event.label = events_words.label(event.action)  # for the template
    return events


@login_required
@require_GET
def entry(request: SignedInRequest, pk: int, entry_id: int) -> HttpResponse:
    cycle = visible_cycle_or_404(request.user, pk)
    user = request.user
    try:
        found = rules.find(user, cycle, entry_id)
    except LedgerError as error:
        return fail(request, error, reverse("ledger:entries", args=[cycle.pk]))
    dispute = Dispute.objects.filter(entry=found).select_related("filed_by", "answered_by", "closed_by").first()
    department = rules.can_record(user, cycle)
    own = department is not None and department.pk == found.department_id
    is_unit = user.role == Role.UNIT
    open_ = cycle.status == Cycle.Status.OPEN
    context = {
        "cycle": cycle, "entry": found, "dispute": dispute, "history": _history(found),
        "files": list(found.evidence.all()), "dispute_files": list(dispute.evidence.all()) if dispute else [],
        "can_edit": own and open_ and found.state in core.EDITABLE,
        "can_confirm": own and open_ and user.role == Role.HEAD and found.state == Entry.State.DRAFT,
        "can_void": is_office(user) and found.state not in (Entry.State.VOIDED, Entry.State.WITHDRAWN)
        and cycle.status in (Cycle.Status.OPEN, Cycle.Status.REVIEW),
        "dispute_problem": rules.dispute_problem(cycle, found) if is_unit else "",
        "can_dispute": is_unit and not rules.dispute_problem(cycle, found),
        "window_closes": rules.window_closes(cycle, found),
        "can_answer": own and dispute is not None and dispute.state != Dispute.State.CLOSED,
        "can_close": is_office(user) and dispute is not None and dispute.state == Dispute.State.ANSWERED,
        "decisions": [c for c in Dispute.Decision.choices if c[0]],
        "task_url": reverse("ledger:task", args=[cycle.pk, found.task_id]) if found.task_id and (
            own or reads_all(user)) else "",
    }
    return render(request, "ledger/entry.html", context)


@login_required
@require_GET
def file(request: SignedInRequest, pk: int, entry_id: int, file_id: int) -> HttpResponseBase:
    cycle = visible_cycle_or_404(request.user, pk)
    try:
        found = rules.find(request.user, cycle, entry_id)
    except LedgerError as error:
        raise Http404(error.message) from None
    evidence = found.evidence.filter(pk=file_id).first()
    if evidence is None:
        disputed = Dispute.objects.filter(entry=found).first()
        evidence = disputed.evidence.filter(pk=file_id).first() if disputed is not None else None
    if evidence is None:
        raise Http404(_("这条台账记录没有编号为 %(id)s 的材料。") % {"id": file_id})
    return storage.file_response(evidence)


def _step(act: Callable[[SignedInRequest, Cycle, int], object], done: Any) -> Callable[..., HttpResponse]:
    """A POST on one entry, then back to it with what was done (or why not)."""

    @login_required
    @require_POST
    def view(request: SignedInRequest, pk: int, entry_id: int) -> HttpResponse:
        cycle = visible_cycle_or_404(request.user, pk)
        back = reverse("ledger:entry", args=[cycle.pk, entry_id])
        try:
            act(request, cycle, entry_id)
        except LedgerError as error:
            return fail(request, error, back)
        messages.success(request, str(done))
        return redirect(back)

    return view


send_back = _step(lambda r, c, e: rules.send_back(r.user, c, e, r.POST.get("comment", "")), gettext_lazy("已退回登记人修改。"))
void = _step(lambda r, c, e: rules.void(r.user, c, e, r.POST.get("reason", "")), gettext_lazy("已作废。"))
dispute = _step(lambda r, c, e: rules.dispute(r.user, c, e, r.POST.get("reason", ""), _files(r, c)),
                gettext_lazy("已提出异议，等待考核部门答复。"))
answer = _step(lambda r, c, e: rules.answer(r.user, c, e, r.POST.get("decision", ""), r.POST.get("points", ""),
                                            r.POST.get("answer", "")), gettext_lazy("已答复，等待考核办办结。"))
close = _step(lambda r, c, e: rules.close(r.user, c, e, r.POST.get("comment", "")), gettext_lazy("异议已办结。"))
send_back_dispute = _step(lambda r, c, e: rules.send_back_dispute(r.user, c, e, r.POST.get("comment", "")),
                          gettext_lazy("已退回考核部门重新答复。"))
attach = _step(lambda r, c, e: rules.attach(r.user, c, e, _files(r, c)), gettext_lazy("材料已上传。"))


@login_required
@require_POST
def confirm(request: SignedInRequest, pk: int) -> HttpResponse:
    """Heads confirm one or more waiting entries (`entries`), then back where they came from."""
    cycle = visible_cycle_or_404(request.user, pk)
    back = request.POST.get("next", "")
    if not back.startswith(f"/cycles/{cycle.pk}/ledger/"):
        back = reverse("ledger:entries", args=[cycle.pk])
    try:
        ids = [int(value) for value in request.POST.getlist("entries")]
    except ValueError:
        ids = []
    try:
        done = rules.confirm(request.user, cycle, ids)
    except LedgerError as error:
        return fail(request, error, back)
    messages.success(request, _("已确认%(count)d条台账记录，已通知被考核单位。") % {"count": len(done)})
    return redirect(back)


@login_required
@require_POST
def save_settings(request: SignedInRequest, pk: int) -> HttpResponse:
    """The office sets the cycle's dispute window (`dispute_days`)."""
    cycle = visible_cycle_or_404(request.user, pk)
    try:
        rules.save_settings(request.user, cycle, request.POST.get("dispute_days"))
    except LedgerError as error:
        return fail(request, error, reverse("ledger:entries", args=[cycle.pk]))
    messages.success(request, _("异议期已保存。"))
    return redirect("ledger:entries", pk=cycle.pk)
