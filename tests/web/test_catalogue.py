"""The catalogue: every page, as every role, in Chinese and in English, shows no untranslated text.

A seeded year (`build_year`: the demo's open cycle with scores, claims and evidence, a draft
cycle, one under review, one locked with adjustments, one published twice with objections, a
draft scheme and one with checker errors) is rendered page by page. Each page's visible text
(text nodes, and the attributes a user reads: title, placeholder, alt, aria-label, button
values, confirm prompts) is checked:

- in Chinese, no English word or code (`objection.confirm`, `upheld`, `adjusted`): every run of
  Latin letters must be on the short allow-list `ALLOWED` (proper names, units, file types);
- in English, no Chinese: every Chinese character must belong to the seeded year's own data
  (unit, department and indicator names, reasons, file names — data is never translated).

Text inside an element marked `translate="no"` (an identifier a user typed: a log-in name, a
scheme's file name) or `lang="…"` of another language (the language menu's "English") is data,
not interface, and is not checked.

Which pages: the URL patterns are discovered from kaohe.web.urls (the JSON API under /api/v1/
and Django's admin and set_language are outside the catalogue; the admin is tested in
test_error_pages). Each pattern's parameters are filled by name from the year (`PARAMETERS`):
`pk` is a cycle's, once per cycle of the year (draft, open, review, locked, published), or, under
schemes/ and surveys/, each scheme's and survey's of the year (`Year.collections`); `unit_code`
is the demo unit, and so on. Every role (anonymous, office, scorer, head, scorer2, unit, leader)
asks for every filled URL with GET; whatever comes back — the page, the site's 403/404 page,
a plain-text answer — is checked (JSON and file downloads are not pages). Redirects are not
followed: their targets are pages of their own.

How a new page is covered: nothing to do if its parameters are named as in `PARAMETERS`. A new
parameter name gets its filler there; a page that needs a query string, a POST body or other
objects is declared in `PAGES` (one entry: `Page(...)`, see the class). A pattern whose URL
cannot be built fails `test_every_page_has_a_way_to_build_its_url`, naming it.

While working on some pages, check only those: KAOHE_CATALOGUE_PAGES=results:,audit:list pytest
tests/web/test_catalogue.py (URL names starting with any of the comma-separated prefixes).
"""

from __future__ import annotations

import datetime
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import pytest
import yaml
from django.apps import apps
from django.conf import settings
from django.core.signals import request_finished
from django.db import close_old_connections, models, transaction
from django.db.models import OuterRef, Subquery
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

ROLES = ("anonymous", "office", "scorer", "head", "scorer2", "unit", "leader")
LANGUAGES = ("zh-hans", "en")
UNIT = "yanshi"  # 偃师市, the demo unit's own
DEPARTMENT = "swzzb"  # 市委组织部: scorer and head
OUTSIDE_CATALOGUE = ("admin/", "i18n/", "api/v1/")  # Django's admin, set_language; the JSON API and its docs

# Latin words a Chinese page may show: proper names, units, file types. Case-insensitive.
ALLOWED = frozenset(word.lower() for word in (
    "Kaohe", "API", "Excel", "Word", "PDF", "YAML", "CSV", "xlsx", "xls", "docx", "doc", "pdf", "csv", "yaml",
    "png", "jpg", "jpeg", "zip", "txt", "ofd", "yml", "KB", "MB", "GB", "SHA", "WPS",
    "Enter", "Tab", "Esc", "Shift", "Ctrl", "Alt",
))

# A word of Latin letters, not the letter of a variant's code (3.1.4a, 3.1.4b.2)
LATIN = re.compile(r"(?<![0-9A-Za-z])[A-Za-z]+(?![A-Za-z])")
CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


# -- the pages a pattern stands for ------------------------------------------------------------

@dataclass(frozen=True)
class Page:
    """How to ask for a page beyond filling its parameters from `PARAMETERS`:

    - `queries`: query strings to ask with (each one is a page of its own), e.g. ["department=swzzb"];
    - `method`/`data`: "POST" with a form body (a refused body shows the page's error messages;
      a redirect after a POST is followed, so the message it leaves is read on the next page);
    - `htmx`: send the HX-Request header, as the page's own scripts do;
    - `cycles`: the cycle states to render it for (default: every state where it can be filled);
    - `download`: the answer is a file, not a page (its text is not checked here);
    - `why`: a page left out of the catalogue says why (and is then never requested).
    """

    queries: tuple[str, ...] = ("",)
    method: str = "GET"
    data: dict[str, Any] = field(default_factory=dict)
    htmx: bool = False
    cycles: tuple[str, ...] = ()
    download: bool = False
    why: str = ""


# fmt: off
PAGES: dict[str, list[Page]] = {
    "login": [Page(), Page(method="POST", data={"username": "office", "password": "wrong"})],
    "logout": [Page(method="POST")],
    # what the pages answer to refused input: a cell, a row, a message
    "cycles:save_score": [Page(), Page(method="POST", htmx=True, data={"points": "半分", "reason": "", "version": 1},
                                       cycles=("open",)),
                          Page(method="POST", htmx=True, data={"points": "1", "reason": "", "version": 0},
                               cycles=("open",))],
    "claims:save": [Page(), Page(method="POST", htmx=True, data={"points": "半分", "explanation": "", "version": 0},
                                 cycles=("open",)),
                    Page(method="POST", data={"points": "99", "explanation": "", "version": 0}, cycles=("open",))],
    "objections:file": [Page(), Page(method="POST", data={"reason": ""}, cycles=("published",))],
    "cycles:start_review": [Page(), Page(method="POST", cycles=("draft",))],
    "results:publish": [Page(), Page(method="POST", cycles=("open",))],
    "cycles:scoring": [Page(queries=("", f"department={DEPARTMENT}"))],
    "cycles:sheet_download": [Page(queries=(f"department={DEPARTMENT}",), download=True)],
    "schemes:export_xlsx": [Page(download=True)],
    "schemes:export_yaml": [Page(download=True)],
    "schemes:diff": [Page(queries=("", "old={draft_scheme}&new={broken_scheme}"))],
    "claims:download": [Page(download=True)],
    "audit:export_csv": [Page(download=True)],
    "audit:export_xlsx": [Page(download=True)],
    "results:export": [Page(download=True)],
    "ledger:new": [Page(), Page(method="POST", data={"unit": UNIT, "kind": "deduction", "points": "99", "reason": ""},
                                cycles=("open",))],
    "ledger:file": [Page(download=True)],
    "ledger:standings_xlsx": [Page(download=True)],
    "ledger:standings_docx": [Page(download=True)],
    "ledger:template": [Page(download=True)],
    "ledger:standings_notice": [Page(), Page(method="POST", data={"issuer": "", "number": "", "day": "明天"})],
    "results:version_download": [Page(download=True)],
    "results:scorecard_file": [Page(download=True)],
    "results:template_file": [Page(download=True)],
    "objections:scorecard_pdf": [Page(download=True)],
    "schemes:export_pdf": [Page(download=True)],
    "results:notice": [Page(), Page(method="POST", data={"issuer": "", "number": "", "day": "明天"},
                                    cycles=("published",))],
    "results:templates": [Page(), Page(method="POST", data={"kind": "notice", "scope": "cycle"})],
    "results:template_reset": [Page(method="POST", data={"kind": "notice", "scope": "cycle"})],
}
# fmt: on


# -- the seeded year -----------------------------------------------------------------------------

BROKEN_SCHEME = """
kaohe-scheme: 1
name: broken-2019
title: 有错误的指标体系(2019年度)
year: 2019
total: 10
units: [偃师市, 孟津县]
departments: [市委组织部]
dimensions:
  - title: 政治建设
    points: 10
    indicators:
      - title: 指标一
        points: 8
        criteria:
          - title: 标准甲
            points: 6
            departments: [市委组织部]
            items:
              - {title: 内容1, points: 4}
              - {title: 内容2, points: 1}
"""


@dataclass
class Year:
    """The seeded year: cycles by state, the other objects pages are about (by the URL prefix of
    their pages: schemes/, surveys/), and the objects each of them needs in its URLs."""

    cycles: dict[str, Any]
    collections: dict[str, dict[str, Any]]  # URL prefix → name → object, e.g. "schemes/" → {"draft": …}
    objects: dict[str, dict[str, Any]]  # cycle state (or a collection's name) → parameter name → value

    @property
    def schemes(self) -> dict[str, Any]:
        return self.collections["schemes/"]


def _full_marks(cycle) -> None:
    from kaohe.cycles.models import Score
    from kaohe.schemes.models import Node

    maximum = Node.objects.filter(pk=OuterRef("node_id")).values("points")[:1]
    Score.objects.filter(cycle=cycle).update(points=Subquery(maximum))


def _cycle(name: str, scheme, office, state: str):
    """A county cycle of all units moved to `state` (draft, open, review, locked), fully scored
    beyond draft, its departments locked when the cycle is locked."""
    from kaohe.cycles.lifecycle import create_cycle, lock_cycle, open_cycle, start_review
    from kaohe.cycles.models import Submission
    from kaohe.orgs.models import Unit

    codes = list(Unit.objects.filter(scheme_name=scheme.name).values_list("code", flat=True))
    cycle = create_cycle(name=name, scheme=scheme, unit_codes=codes, step=Decimal("0.1"),
                         scoring_deadline=datetime.date(2019, 1, 15), review_deadline=datetime.date(2019, 1, 31),
                         created_by=office)
    if state == "draft":
        return cycle
    open_cycle(cycle)
    _full_marks(cycle)
    if state == "open":
        return cycle
    start_review(cycle)
    if state == "locked":
        Submission.objects.filter(cycle=cycle).update(state=Submission.State.LOCKED)
        lock_cycle(cycle)
    cycle.refresh_from_db()
    return cycle


def build_year() -> Year:
    """Build the seeded year on top of the demo (kaohe.ops.demo), as the people of a year would."""
    from kaohe.accounts.models import User
    from kaohe.audit.context import acting_as
    from kaohe.claims import rules as claims
    from kaohe.cycles import review
    from kaohe.cycles.models import Cycle, Score, Submission
    from kaohe.cycles.scoring import Entry, save_score
    from kaohe.formats.yaml_scheme import loads_yaml
    from kaohe.objections import flow
    from kaohe.ops.demo import DEMO_CYCLE, build_demo
    from kaohe.results import service
    from kaohe.schemes import store
    from kaohe.schemes.models import SchemeRecord

    build_demo()
    users = {u.username: u for u in User.objects.all()}
    office, scorer, head, unit_user = users["office"], users["scorer"], users["head"], users["unit"]
    county = SchemeRecord.objects.get(name="luoyang-2018-county")
    objects: dict[str, dict[str, Any]] = {}

    # the open cycle (the demo's): some scores with a deduction, the unit's claims and evidence,
    # 市委组织部's scores submitted
    open_ = Cycle.objects.get(name=DEMO_CYCLE)
    with acting_as(scorer):
        tasks = list(Score.objects.filter(cycle=open_, department__code=DEPARTMENT, unit__code=UNIT)
                     .select_related("node").order_by("node__position")[:3])
        for number, task in enumerate(tasks):
            points = task.node.points - (Decimal("0.5") if number == 0 else 0)
            save_score(scorer, open_, UNIT, task.node.code,
                       Entry(points=str(points), reason="台账不全" if number == 0 else "", version=task.version))
    with acting_as(unit_user):
        criteria = claims.criteria(open_, open_.units.get(code=UNIT))
        for criterion in criteria[:2]:
            claims.save_claim(unit_user, open_, UNIT, criterion.code, str(criterion.maximum), "已按要求完成", 0)
        evidence = claims.upload_evidence(unit_user, open_, UNIT, [("会议记录.pdf", b"%PDF-1.4\n%%EOF\n")],
                                          [criteria[0].code])[0]
    objects["open"] = {"evidence_id": evidence.pk, "criterion": criteria[0].code, "item": tasks[0].node.code,
                       **_ledger(open_, users, tasks[1])}

    with acting_as(office):
        draft_scheme = store.clone(county, name="luoyang-2019-county", year=2019)
        broken, _findings = store.save_scheme(loads_yaml(BROKEN_SCHEME, "broken-2019.yaml"))
        draft = _cycle("2019年度县(市、区)党建工作综合考核", county, office, "draft")
        in_review = _cycle("2018年度县(市、区)党建工作综合考核（复核）", county, office, "review")
        locked = _cycle("2018年度县(市、区)党建工作综合考核（已锁定）", county, office, "locked")
        published = _cycle("2018年度县(市、区)党建工作综合考核（已发布）", county, office, "locked")

    # under review: 市委组织部 submitted and approved, the others still scoring
    submission = Submission.objects.get(cycle=in_review, department__code=DEPARTMENT)
    with acting_as(scorer):
        review.submit(scorer, submission)
    with acting_as(head):
        review.approve(head, submission)

    # locked: adjustments of every kind, not yet published
    with acting_as(office):
        for cycle in (locked, published):
            service.add_adjustment(cycle, office, UNIT, "bonus", Decimal(2), "获省级表彰", document="洛党建〔2018〕9号")
            service.add_adjustment(cycle, office, "mengjin", "penalty", Decimal(1), "发生违纪案件")
            service.add_adjustment(cycle, office, "xinan", "grade_cap", None, "约谈整改", cap="较好")
        adjustment = locked.adjustments.first()

    # published: version 1, an objection answered with a change and confirmed (version 2), a
    # second objection waiting for the department
    published.objection_deadline = timezone.localdate() + datetime.timedelta(days=7)
    published.save(update_fields=["objection_deadline"])
    with acting_as(office):
        service.publish(published, office)
    items = list(Score.objects.filter(cycle=published, unit__code=UNIT, department__code=DEPARTMENT)
                 .select_related("node").order_by("node__position")[:2])
    with acting_as(unit_user):
        first = flow.file(unit_user, published, UNIT, [items[0].node.code], "已按要求开展，扣分依据不足",
                          [("整改报告.pdf", b"%PDF-1.4\n%%EOF\n")])
    with acting_as(scorer):
        flow.answer(scorer, published, first.pk, items[0].node.code, "changed",
                    str(items[0].node.points - Decimal("0.5")), "核实后部分扣分")
    with acting_as(office):
        flow.confirm(office, published, first.pk, "同意部门意见")
    with acting_as(unit_user):
        second = flow.file(unit_user, published, UNIT, [items[1].node.code], "该项工作已完成")
    objects["review"] = {"code": DEPARTMENT}
    objects["locked"] = {"adjustment": adjustment.pk, "code": DEPARTMENT}
    objects["published"] = {"objection_id": second.pk, "closed_objection": first.pk, "version": 2,
                            "item": items[1].node.code, "evidence_id": first.evidence.first().pk,
                            "code": DEPARTMENT}
    survey = _survey(open_)
    objects["survey"] = {"group": survey.groups.order_by("pk").first().pk}
    for cycle in (open_, draft, in_review, locked, published):
        cycle.refresh_from_db()
    return Year(
        cycles={"draft": draft, "open": open_, "review": in_review, "locked": locked, "published": published},
        collections={"schemes/": {"published": county, "draft": draft_scheme, "broken": broken},
                     "surveys/": {"survey": survey}},
        objects=objects,
    )


def _ledger(cycle, users, task) -> dict[str, int]:
    """The open cycle's 平时考核台账: a confirmed deduction with its file, disputed by the unit and
    answered, its proposal accepted; a bonus; an entry sent back; a voided one."""
    from kaohe.audit.context import acting_as
    from kaohe.ledger import proposals, rules
    from kaohe.ledger.rules import Typed

    scorer, head, office, unit_user = users["scorer"], users["head"], users["office"], users["unit"]
    item = task.node.code
    with acting_as(scorer):
        entry = rules.record(scorer, cycle, Typed(UNIT, item, "deduction", f"{cycle.scheme.year}-03-12", "0.5",
                                                  "未按时报送党建工作季度报告", "洛督〔2018〕12号"),
                             [("督查通报.pdf", b"%PDF-1.4\n%%EOF\n")])
        bonus = rules.record(scorer, cycle, Typed(UNIT, "", "bonus", f"{cycle.scheme.year}-05-06", "1",
                                                  "获评全省先进基层党组织", ""))
        returned = rules.record(scorer, cycle, Typed("mengjin", item, "note", f"{cycle.scheme.year}-04-02", "",
                                                     "约谈提醒", ""))
        voided = rules.record(scorer, cycle, Typed("mengjin", item, "deduction", f"{cycle.scheme.year}-04-03", "1",
                                                   "重复登记的一条", ""))
    with acting_as(head):
        rules.confirm(head, cycle, [entry.pk, bonus.pk, voided.pk])
        rules.send_back(head, cycle, returned.pk, "请补充约谈记录")
    with acting_as(office):
        rules.void(office, cycle, voided.pk, "与另一条重复")
    with acting_as(unit_user):
        rules.dispute(unit_user, cycle, entry.pk, "报告已于3月10日报送")
    with acting_as(scorer):
        rules.answer(scorer, cycle, entry.pk, "changed", "0.3", "报送略有延迟，减轻扣分")
        task.refresh_from_db()
        proposals.accept(scorer, cycle, task_id=task.pk, version=task.version)
    return {"entry_id": entry.pk, "file_id": entry.evidence.get().pk, "task_id": task.pk}


def _survey(cycle):
    """The 民主测评 of the open cycle, open for voting, with its codes made."""
    from kaohe.core.survey import DEFAULT_OPTIONS
    from kaohe.survey import codes
    from kaohe.survey.definition import GroupInput, QuestionInput, SurveyInput, save_survey

    opens = timezone.now() - datetime.timedelta(minutes=5)
    survey = save_survey(cycle, None, SurveyInput(
        name="2018年度民主测评", opens_at=opens, closes_at=opens + datetime.timedelta(hours=2),
        groups=[GroupInput("市级领导", Decimal("0.4"), 6), GroupInput("干部群众代表", Decimal("0.6"), 8)],
        questions=[QuestionInput("总体评价", Decimal(1), DEFAULT_OPTIONS)], targets=[UNIT, "mengjin", "xinan"],
        min_group_size=5, abstain_allowed=True))
    for group in survey.groups.all():
        codes.add_codes(group)
    return survey


# -- filling URL parameters ----------------------------------------------------------------------

Filler = Callable[[Year, str, str], Any]  # (year, route, cycle state) → value, or None: not for this cycle


def _object(name: str) -> Filler:
    return lambda year, route, state: year.objects.get(state, {}).get(name)


def _code(year: Year, route: str, state: str) -> Any:
    """A criterion (claims), an item (objections' answers) or a department (review)."""
    found = year.objects.get(state, {})
    if "/claims/" in route:
        return found.get("criterion")
    if "/items/" in route:
        return found.get("item")
    return found.get("code")


# URL parameter name → filler. `pk` is the page's own object: a cycle (each state in turn), or
# an object of the year's collections for pages under their prefix (schemes/, surveys/).
PARAMETERS: dict[str, Filler] = {
    "unit_code": lambda year, route, state: UNIT if state != "draft" else None,
    "item_code": _object("item"),
    "code": _code,
    "evidence_id": _object("evidence_id"),
    "objection_id": _object("objection_id"),
    "adjustment": _object("adjustment"),
    "version": lambda year, route, state: year.objects.get(state, {}).get("version"),
    "kind": lambda year, route, state: "notice" if "templates/" in route else "ranking",
    "suffix": lambda year, route, state: "pdf" if "scorecard/" in route else "xlsx",
    "which": lambda year, route, state: "default",
    "group": _object("group"),
    "entry_id": _object("entry_id"),
    "file_id": _object("file_id"),
    "task_id": _object("task_id"),
    "quarter": lambda year, route, state: 1,
}


def _walk(patterns: list, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), namespace + (pattern.name or "")


def page_routes() -> dict[str, str]:
    """URL name → route for every page of kaohe.web.urls outside `OUTSIDE_CATALOGUE`."""
    routes = {}
    for route, name in _walk(get_resolver("kaohe.web.urls").url_patterns):
        if not route.startswith(OUTSIDE_CATALOGUE):
            assert name, f"the URL pattern {route!r} has no name: name it, so the catalogue can say which page it is"
            routes[name] = route
    return routes


def parameters_of(route: str) -> list[str]:
    return re.findall(r"<(?:\w+:)?(\w+)>", route)


@dataclass(frozen=True)
class Request:
    name: str
    url: str
    page: Page
    state: str  # the cycle's state, or the scheme's, or "" for pages of neither


def requests_for(name: str, route: str, year: Year) -> list[Request]:
    """Every URL the pattern stands for in the year, with how to ask for it."""
    pages = PAGES.get(name, [Page()])
    found = []
    for page in pages:
        if page.why:
            continue
        names = parameters_of(route)
        collection = next((c for prefix, c in year.collections.items() if route.startswith(prefix)), None)
        owners = collection if collection is not None else {
            state: cycle for state, cycle in year.cycles.items() if not page.cycles or state in page.cycles}
        states = {} if names else {"": {}}
        for state, owner in owners.items() if names else ():
            values = {n: owner.pk if n == "pk" else PARAMETERS[n](year, route, state) for n in names}
            if all(v is not None for v in values.values()):
                states[state] = values
        for state, values in states.items():
            path = reverse(name, kwargs=values)
            for query in page.queries:
                query = query.format(draft_scheme=year.schemes["draft"].name, broken_scheme=year.schemes["broken"].name)
                found.append(Request(name, path + (f"?{query}" if query else ""), page, state))
    return found


# -- what a page shows -----------------------------------------------------------------------------

SHOWN_ATTRIBUTES = ("title", "placeholder", "alt", "aria-label", "data-confirm", "label")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class ShownText(HTMLParser):
    """The text a person reads on an HTML page, skipping scripts, styles and data marked as such
    (translate="no", or a lang other than the page's)."""

    def __init__(self, language: str) -> None:
        super().__init__(convert_charrefs=True)
        self.language = language
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped)
        self.texts: list[str] = []

    @property
    def skipping(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        lang = values.get("lang", "").lower()
        skipped = (self.skipping or tag in ("script", "style", "template") or values.get("translate") == "no"
                   or (tag != "html" and lang != "" and not lang.startswith(self.language[:2])))
        if not skipped:
            for name in SHOWN_ATTRIBUTES:
                if values.get(name):
                    self.texts.append(values[name])
            if tag == "input" and values.get("type") in ("submit", "button", "reset") and values.get("value"):
                self.texts.append(values["value"])
        if tag not in VOID:
            self.stack.append((tag, skipped))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, -1, -1):  # tolerate unclosed tags (<p>, <li>)
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        if not self.skipping and data.strip():
            self.texts.append(" ".join(data.split()))


def shown_texts(content: str, content_type: str, language: str) -> list[str]:
    if content_type.startswith("text/plain"):
        return [line.strip() for line in content.splitlines() if line.strip()]
    parser = ShownText(language)
    parser.feed(content)
    parser.close()
    return parser.texts


class Data:
    """The year's data that contains Chinese (every text value in the database): an English page
    shows it untranslated, as it was written. `uncovered(text)` is what is left of the text once
    every occurrence of data is taken out."""

    def __init__(self, values: set[str]) -> None:
        self.single = {v for v in values if len(v) == 1}
        self.by_start: dict[str, list[str]] = {}
        for value in sorted((v for v in values if len(v) > 1), key=len, reverse=True):
            self.by_start.setdefault(value[:2], []).append(value)

    @classmethod
    def from_database(cls) -> Data:
        """Every text value in the database, and what the catalogue's requests type into forms."""
        values: set[str] = {str(v) for pages in PAGES.values() for page in pages for v in page.data.values()}
        for model in apps.get_models():
            names = [f.name for f in model._meta.concrete_fields
                     if isinstance(f, models.CharField | models.TextField | models.JSONField)]
            for name in names:
                for value in model._default_manager.values_list(name, flat=True).distinct().iterator():
                    _collect(value, values)
        return cls({v for v in values if CHINESE.search(v)})

    def uncovered(self, text: str) -> str:
        left, index = [], 0
        while index < len(text):
            candidates = self.by_start.get(text[index:index + 2], ())
            cut = text.find("…", index)  # data shortened to fit ("…党建述职评议台账…")
            for value in candidates:
                if text.startswith(value, index):
                    index += len(value)
                    left.append(" ")
                    break
                if cut > index and value.startswith(text[index:cut]):
                    index = cut + 1
                    left.append(" ")
                    break
            else:
                if text[index] not in self.single:
                    left.append(text[index])
                index += 1
        return "".join(left)


def _collect(value: Any, into: set[str]) -> None:
    if isinstance(value, str) and value.startswith("kaohe-scheme:"):  # a scheme's YAML: its texts are data
        _collect(yaml.safe_load(value), into)
    elif isinstance(value, str):
        into.add(value.strip())
        into.update(line.strip() for line in value.splitlines())
    elif isinstance(value, dict):
        for key, item in value.items():
            _collect(key, into)
            _collect(item, into)
    elif isinstance(value, list | tuple):
        for item in value:
            _collect(item, into)


def untranslated(texts: list[str], language: str, data: Data) -> list[tuple[str, str]]:
    """The pieces of `texts` that are not in `language`, each with the text it is in: Latin words
    off the allow-list on a Chinese page, Chinese that is not the year's data on an English one."""
    found = []
    for text in texts:
        if language == "zh-hans":
            words = [w for w in LATIN.findall(text) if w.lower() not in ALLOWED]
            if words:
                found.append((" ".join(dict.fromkeys(words)), text[:120]))
        else:
            left = data.uncovered(text)
            if CHINESE.search(left):
                found.append(("".join(CHINESE.findall(left))[:40], text[:120]))
    return found


# -- the tests ----------------------------------------------------------------------------------------

def test_every_page_has_a_way_to_build_its_url():
    """A new URL pattern is covered by the catalogue, or fails here saying what it lacks."""
    unknown = {}
    for name, route in page_routes().items():
        pages = PAGES.get(name, [Page()])
        if all(page.why for page in pages):
            continue
        missing = [p for p in parameters_of(route) if p not in PARAMETERS and p != "pk"]
        if missing:
            unknown[name] = missing
    assert not unknown, (
        f"URL patterns whose parameters the catalogue cannot fill: {unknown}; give each parameter a filler "
        "in PARAMETERS of tests/web/test_catalogue.py, or declare the page in PAGES (see the module's docstring)")
    assert set(PAGES) <= set(page_routes()), f"PAGES names patterns that no longer exist: {set(PAGES) - set(page_routes())}"


def test_the_allow_list_and_the_checks_catch_what_they_should():
    data = Data({"偃师市", "市委组织部", "台账不全", "县"})
    page = ('<p title="Save">保存 <b>upheld</b> 共 3 MB 的 PDF</p><span translate="no">luoyang-2018</span>'
            '<option lang="en">English</option><script>var x = "adjusted";</script>'
            '<input type="submit" value="确定"><button data-confirm="Really?">删除</button>')
    texts = shown_texts(page, "text/html", "zh-hans")
    assert untranslated(texts, "zh-hans", data) == [
        ("Save", "Save"), ("upheld", "upheld"), ("Really", "Really?")]
    english = '<p>偃师市: 台账不全 (县)</p><p>Scores of 市委组织部 已提交</p><span lang="zh-hans">简体中文</span>'
    assert untranslated(shown_texts(english, "text/html", "en"), "en", data) == [
        ("已提交", "Scores of 市委组织部 已提交")]
    assert untranslated(["403 Forbidden", "3.1.4a 标题"], "zh-hans", data) == [("Forbidden", "403 Forbidden")]
    message = report({"已提交": {"Scores of 市委组织部 已提交": {"/cycles/1/ [cycles:detail] as office (200)"}}}, "en")
    assert "'已提交' on 1 pages, e.g. /cycles/1/ [cycles:detail] as office (200)" in message
    assert "in the text 'Scores of 市委组织部 已提交'" in message and "make messages" in message


@pytest.fixture
def year(db) -> Year:
    return build_year()


def _client(role: str, users: dict, language: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(users[role])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _close(response) -> None:
    """Close a file download without the request_finished signal closing the test's database
    connection (what the test client's close would do)."""
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


class _Rollback(Exception):
    pass


def _ask(client: Client, request: Request, role: str, users: dict, language: str):
    """GET with the role's client; a POST with a client of its own, its changes rolled back, so
    that it changes nothing the next request sees (a log-out, a publication)."""
    headers = {"HTTP_HX_REQUEST": "true"} if request.page.htmx else {}
    if request.page.method != "POST":
        return client.get(request.url, **headers)
    try:
        with transaction.atomic():
            response = _client(role, users, language).post(request.url, request.page.data, follow=True, **headers)
            raise _Rollback
    except _Rollback:
        return response


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_as_every_role_is_in_one_language(year, users, language):
    data = Data.from_database()
    clients = {role: _client(role, users, language) for role in ROLES}
    problems: dict[str, dict[str, set[str]]] = {}  # what → {the text it is in → where}
    shown: dict[str, set[int]] = {}
    only = tuple(p for p in os.environ.get("KAOHE_CATALOGUE_PAGES", "").split(",") if p)
    routes = {name: route for name, route in sorted(page_routes().items()) if not only or name.startswith(only)}
    routes[""] = "no-such-page/"  # the 404 page of an address that is no page at all
    for name, route in routes.items():
        requests = requests_for(name, route, year) if name else [Request("", "/no-such-page/", Page(), "")]
        for request in requests:
            for role, client in clients.items():
                response = _ask(client, request, role, users, language)
                status = response.status_code
                shown.setdefault(name, set()).add(status)
                assert status < 500, f"{request.url} as {role}: {status}"
                content_type = response.get("Content-Type", "")
                if response.streaming or not content_type.startswith(("text/html", "text/plain")):
                    _close(response)
                    continue
                content = response.content.decode()
                for what, text in untranslated(shown_texts(content, content_type, language), language, data):
                    where = f"{request.url} [{name or '404'}] as {role} ({status})"
                    problems.setdefault(what, {}).setdefault(text, set()).add(where)
    # a page, or a refusal of the catalogue's own input (409, 422), counts as seen; a form's target
    # that only answers POST (405 to everyone's GET) shows its outcome on the page it returns to
    unseen = sorted(name for name, statuses in shown.items()
                    if name and not any(status < 400 or status in (409, 422) for status in statuses)
                    and statuses != {405})
    assert not unseen, f"pages nobody got to see (fill their URL so a role may open them): {unseen}"
    assert not problems, report(problems, language)


HOW_TO_FIX = {
    "zh-hans": (
        "An English word or code is shown as text on a Chinese page. Show its label instead (a "
        "{% translate %} string, a model's choices, the app's registered event/field labels), or mark "
        "data a user typed with translate=\"no\". Only a proper name, a unit or a file type goes on "
        "ALLOWED in tests/web/test_catalogue.py."),
    "en": (
        "Chinese is shown on an English page and it is not the year's data. If the string is marked for "
        "translation, write its English in kaohe/locale/en/LC_MESSAGES/django.po (msgstr of that msgid; "
        "djangojs.po for scripts) and run `make messages`; if it is not marked, mark it "
        "({% translate %}, gettext/gettext_lazy, or a label registered by the app) and then do so."),
}


def report(problems: dict[str, dict[str, set[str]]], language: str) -> str:
    """What is untranslated, where (URL, URL name, role, status) and how to fix it."""
    lines = [f"{len(problems)} untranslated pieces on {language} pages. {HOW_TO_FIX[language]}"]
    for what, texts in sorted(problems.items()):
        pages = sorted({where for places in texts.values() for where in places})
        lines.append(f"- {what!r} on {len(pages)} pages, e.g. {pages[0]}")
        for text in sorted(texts)[:3]:
            lines.append(f"    in the text {text!r}")
    return "\n".join(lines)
