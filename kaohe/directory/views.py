"""The office's pages for users, units and departments (/directory/…), so daily work needs no
Django admin: a list with a filter, create, change, deactivate and reactivate, reset a password,
and bulk import from an Excel roster with its errors by row (all or nothing). Office only (others
403). The rules are kaohe.accounts.users (accounts) and kaohe.directory.records (units and
departments), the same the roster import (kaohe.directory.imports) and `kaohe user …` use.

Passwords Kaohe generates (a new account, a reset, an import) are shown once, on the page that
answers the POST that made them, and never stored in clear.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kaohe.accounts.decorators import SignedInRequest, office_only
from kaohe.accounts.models import Role, User
from kaohe.accounts.users import (
    UserError,
    change_user,
    create_user,
    random_password,
    set_active,
    set_password,
)
from kaohe.directory import imports, records
from kaohe.directory.forms import (
    DepartmentForm,
    PasswordForm,
    RosterForm,
    UnitForm,
    UserForm,
    add_record_errors,
)
from kaohe.formats.errors import FormatError
from kaohe.formats.roster import MAX_BYTES, ROSTERS, read_roster, write_template
from kaohe.orgs.models import Department, Unit

PER_PAGE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _page(request: SignedInRequest, rows: QuerySet) -> Any:
    return Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))


def _once(request: SignedInRequest, user: User, password: str, title: str) -> HttpResponse:
    """The page that shows a generated password, once."""
    return render(request, "directory/password_once.html", {"shown": user, "password": password, "title": title,
                                                            "tab": "users"})


# ----------------------------------------------------------------------------- users


@office_only
def user_list(request: SignedInRequest) -> HttpResponse:
    users = User.objects.select_related("department", "unit").order_by("-is_active", "role", "username")
    query = request.GET.get("q", "").strip()[:100]
    role = request.GET.get("role", "")
    state = request.GET.get("state", "")
    if query:
        users = users.filter(Q(username__icontains=query) | Q(last_name__icontains=query) |
                             Q(first_name__icontains=query) | Q(email__icontains=query))
    if role in Role.values:
        users = users.filter(role=role)
    if state in ("active", "inactive"):
        users = users.filter(is_active=state == "active")
    return render(request, "directory/users.html", {"page": _page(request, users), "q": query, "role": role,
                                                    "state": state, "roles": Role.choices, "tab": "users"})


@office_only
@require_http_methods(["GET", "POST"])
def user_create(request: SignedInRequest) -> HttpResponse:
    form = UserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        generated = not data["password"]
        password = data["password"] or random_password()
        try:
            user = create_user(username=data["username"], role=data["role"], password=password,
                               department=data["department"], unit=data["unit"], name=data["name"],
                               email=data["email"], generated=generated)
        except UserError as error:
            form.add_errors(error.errors)
        else:
            if generated:
                return _once(request, user, password, _("已创建用户"))
            messages.success(request, _("已创建用户 %(username)s。") % {"username": user.username})
            return redirect("directory:users")
    return render(request, "directory/user_form.html", {"form": form, "tab": "users"})


@office_only
@require_http_methods(["GET", "POST"])
def user_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User.objects.select_related("department", "unit"), pk=pk)
    initial = {"name": user.last_name, "email": user.email, "role": user.role, "department": user.department,
               "unit": user.unit}
    form = UserForm(request.POST or None, initial=initial, editing=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            change_user(user, role=data["role"], department=data["department"], unit=data["unit"],
                        name=data["name"], email=data["email"])
        except UserError as error:
            form.add_errors(error.errors)
            user.refresh_from_db()
        else:
            messages.success(request, _("已保存用户 %(username)s。") % {"username": user.username})
            return redirect("directory:users")
    return render(request, "directory/user_form.html", {"form": form, "shown": user, "tab": "users",
                                                        "password_form": PasswordForm()})


@office_only
@require_POST
def user_password(request: SignedInRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    form = PasswordForm(request.POST)
    if not form.is_valid():
        raise Http404
    typed = form.cleaned_data["password"]
    password = typed or random_password()
    try:
        set_password(user, password, generated=not typed)
    except UserError as error:
        messages.error(request, error.message)
        return redirect("directory:user", pk=user.pk)
    if typed:
        messages.success(request, _("已为 %(username)s 设置新密码。") % {"username": user.username})
        return redirect("directory:user", pk=user.pk)
    return _once(request, user, password, _("已重置密码"))


@office_only
@require_POST
def user_active(request: SignedInRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    active = request.POST.get("active") == "1"
    try:
        set_active(user, active, acting=request.user)
    except UserError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, (_("已启用用户 %(username)s。") if active else _("已停用用户 %(username)s：不能再登录，也不再收到通知。"))
                         % {"username": user.username})
    return redirect("directory:user", pk=user.pk)


# ----------------------------------------------------------------------------- units and departments

KINDS = {
    "units": {"model": Unit, "form": UnitForm, "save": records.save_unit, "list": "directory/units.html",
              "fields": records.UNIT_FIELDS},
    "departments": {"model": Department, "form": DepartmentForm, "save": records.save_department,
                    "list": "directory/departments.html", "fields": records.DEPARTMENT_FIELDS},
}


def _kind(kind: str) -> dict[str, Any]:
    if kind not in KINDS:
        raise Http404
    return KINDS[kind]


@office_only
def record_list(request: SignedInRequest, kind: str) -> HttpResponse:
    spec = _kind(kind)
    rows = spec["model"].objects.order_by("-active", "position", "code")
    query = request.GET.get("q", "").strip()[:100]
    if query:
        rows = rows.filter(Q(code__icontains=query) | Q(name__icontains=query))
    if kind == "units" and request.GET.get("category") in dict(Unit.CATEGORIES):
        rows = rows.filter(category=request.GET["category"])
    return render(request, spec["list"], {"page": _page(request, rows), "q": query, "tab": kind, "kind": kind,
                                          "categories": Unit.CATEGORIES, "category": request.GET.get("category", "")})


@office_only
@require_http_methods(["GET", "POST"])
def record_edit(request: SignedInRequest, kind: str, code: str | None = None) -> HttpResponse:
    spec = _kind(kind)
    record = get_object_or_404(spec["model"], code=code) if code is not None else None
    initial = {key: getattr(record, key) for key in spec["fields"]} if record is not None else {}
    form = spec["form"](request.POST or None, initial=initial, editing=record)
    if request.method == "POST" and form.is_valid():
        values = {key: str(form.cleaned_data.get(key) or "") for key in spec["fields"]}
        if record is not None:
            values["code"] = record.code
        try:
            changed = spec["save"](record, values)
        except records.RecordError as error:
            add_record_errors(form, error.errors)
            if record is not None:
                record.refresh_from_db()
        else:
            name = values["name"]
            messages.success(request, (_("已保存“%(name)s”。") if changed or record is None else _("“%(name)s”没有变化。"))
                             % {"name": name})
            return redirect(f"directory:{kind}")
    return render(request, "directory/record_form.html", {"form": form, "record": record, "kind": kind, "tab": kind})


@office_only
@require_POST
def record_active(request: SignedInRequest, kind: str, code: str) -> HttpResponse:
    spec = _kind(kind)
    record = get_object_or_404(spec["model"], code=code)
    active = request.POST.get("active") == "1"
    records.set_active(record, active)
    messages.success(request, (_("已启用“%(name)s”。") if active else _("已停用“%(name)s”：新的考核周期不再提供它；已开始的考核周期不受影响。"))
                     % {"name": record.name})
    return redirect(f"directory:{kind}_edit", code=record.code)


# ----------------------------------------------------------------------------- rosters


@office_only
def roster_template(request: SignedInRequest, kind: str) -> HttpResponse:
    roster = ROSTERS.get(kind)
    if roster is None:
        raise Http404
    response = HttpResponse(write_template(roster), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename=\"{kind}.xlsx\"; filename*=UTF-8''{quote(roster.title)}.xlsx"
    return response


@office_only
@require_http_methods(["GET", "POST"])
def roster_import(request: SignedInRequest, kind: str) -> HttpResponse:
    roster = ROSTERS.get(kind)
    if roster is None:
        raise Http404
    form = RosterForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form, "roster": roster, "kind": kind, "tab": kind,
                               "template_url": reverse("directory:template", args=[kind])}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            form.add_error("file", _("文件超过 %(mb)d MB。") % {"mb": MAX_BYTES // 1024 // 1024})
        else:
            try:
                rows = read_roster(upload.read(MAX_BYTES + 1), roster, upload.name)
            except FormatError as error:
                form.add_error("file", str(error))
            else:
                outcome = imports.IMPORTERS[kind](rows)
                context.update(outcome=outcome, rows=len(rows))
                status = 200 if outcome.ok else 422
                return render(request, "directory/import.html", context, status=status)
    return render(request, "directory/import.html", context, status=422 if form.errors else 200)


app_name = "directory"
urlpatterns = [
    path("users/", user_list, name="users"),
    path("users/new/", user_create, name="user_create"),
    path("users/<int:pk>/", user_edit, name="user"),
    path("users/<int:pk>/password/", user_password, name="user_password"),
    path("users/<int:pk>/active/", user_active, name="user_active"),
    path("units/", record_list, {"kind": "units"}, name="units"),
    path("units/new/", record_edit, {"kind": "units"}, name="units_create"),
    path("units/<slug:code>/edit/", record_edit, {"kind": "units"}, name="units_edit"),
    path("units/<slug:code>/active/", record_active, {"kind": "units"}, name="units_active"),
    path("departments/", record_list, {"kind": "departments"}, name="departments"),
    path("departments/new/", record_edit, {"kind": "departments"}, name="departments_create"),
    path("departments/<slug:code>/edit/", record_edit, {"kind": "departments"}, name="departments_edit"),
    path("departments/<slug:code>/active/", record_active, {"kind": "departments"}, name="departments_active"),
    path("import/<slug:kind>/", roster_import, name="import"),
    path("template/<slug:kind>.xlsx", roster_template, name="template"),
]
