"""The results' documents (issue 15), for pages, the API and the command line alike.

- **Per published version** (`ResultSnapshot`): the report of its figures (`version_report`: the
  snapshot's rules and rows, the adjustments kept with it), the notice's details the office fills in
  (`notice_details`, `save_notice`: 发文机关, 发文字号, 标题, 主送, 抄送, 印发机关, 成文日期, opening
  and closing, with defaults from the cycle and the office's last notice), and the notice
  (`notice_docx`, `notice_pdf`), refused while the 发文字号 or the 发文机关 is missing.
- **The current results** (before publishing, or the office's look at them): `current_report`.
- **Scorecards**: one unit's (`scorecard_context`, every item, as Word or PDF), every unit's in one
  PDF written batch by batch (`write_scorecards_pdf`: each unit's figures and the items that lost
  points, `compact_scorecard`; memory does not grow with the number of units).
- **Word templates** (`template_for`, `store_template`, `reset_template`): the office's own,
  for the installation or one cycle; an upload is rendered with sample values before it is stored,
  and refused with the reason when it does not render (the previous one stays in use).
- **File names** (`download_name`): "{cycle}-{content}-第2版-{date}.{suffix}", Beijing time.

PDFs come from the HTML print templates under `documents/` rendered by WeasyPrint
(kaohe.formats.pdf; docs/decisions/2026-12-06-official-documents.md).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, BinaryIO

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.audit.record import record
from kaohe.core import text as free_text
from kaohe.core.points import two_places
from kaohe.core.results import Component, GradeBand, Quota, Rules, UnitResult
from kaohe.cycles.models import Cycle, CycleUnit
from kaohe.formats import scorecard as scorecard_format
from kaohe.formats.download import file_name
from kaohe.formats.gongwen.frame import Frame
from kaohe.formats.gongwen.style import css_variables
from kaohe.formats.gongwen.template import TemplateError, check_template, render_docx
from kaohe.formats.pdf import PdfJoiner, font_configuration, html_pages_to_pdf, html_to_pdf
from kaohe.formats.results_report import notice as notice_format
from kaohe.formats.results_report.report import (
    NO_GROUP,
    AdjustmentLine,
    ResultsReport,
    grouped,
    results_title,
    rules_rows,
)
from kaohe.results import service
from kaohe.results.models import Adjustment, DocumentTemplate, NoticeDetails, ResultSnapshot
from kaohe.results.scorecard import scorecard_rows
from kaohe.results.service import ResultsError

SCORECARD_BATCH = 20  # units rendered by WeasyPrint at a time into the all-units PDF
DEFAULT_CLOSING = ("希望考核结果为好等次的单位再接再厉、争创一流；其他单位要对照考核中发现的问题，"
                   "认真研究整改措施，切实抓好整改落实，不断提高党的建设质量。")
NOTICE_FIELDS = ("issuer", "number", "title", "recipients", "copies", "printer", "day", "opening", "closing")
_TEXT_RULES = {"issuer": free_text.NOTICE_ISSUER, "number": free_text.NOTICE_NUMBER, "title": free_text.NOTICE_TITLE,
               "recipients": free_text.NOTICE_RECIPIENTS, "copies": free_text.NOTICE_COPIES,
               "printer": free_text.NOTICE_PRINTER, "opening": free_text.NOTICE_OPENING,
               "closing": free_text.NOTICE_CLOSING}


# ----------------------------------------------------------------------------- names and times


def local(moment: datetime) -> datetime:
    """A stored time in Beijing time (the installation's TIME_ZONE, Asia/Shanghai)."""
    return timezone.localtime(moment)


def version_label(snapshot: ResultSnapshot | None) -> str:
    if snapshot is None:
        return _("当前计算结果（未发布）")
    return _("第%(version)d版（%(time)s发布）") % {"version": snapshot.version,
                                               "time": f"{local(snapshot.published_at):%Y-%m-%d %H:%M}"}


def download_name(cycle: Cycle, content: str, suffix: str, snapshot: ResultSnapshot | None = None) -> str:
    """"2018年度县(市、区)党建工作综合考核-排名-第2版-20190120.xlsx": the version's publication
    day; "…-排名-未发布-{today}.xlsx" for the current results."""
    if snapshot is None:
        return file_name([cycle.name, content, "未发布"], suffix, timezone.localdate())
    return file_name([cycle.name, content, f"第{snapshot.version}版"], suffix, local(snapshot.published_at).date())


# ----------------------------------------------------------------------------- a version's report


def rules_from_json(data: Mapping[str, Any]) -> Rules:
    """The core's Rules of a published rules JSON (service.rules_json)."""
    quota = data.get("top_quota") or None
    return Rules(
        components=tuple(Component(key=str(c["key"]), label=str(c.get("label") or c["key"]),
                                   weight=Decimal(str(c["weight"]))) for c in data.get("components", [])),
        bonus_cap=Decimal(str(data.get("bonus_cap", "5"))),
        grades=tuple(GradeBand(name=str(g["name"]), threshold=Decimal(str(g["threshold"])))
                     for g in data.get("grades", [])),
        top_quota=None if quota is None else (Quota(share=Decimal(str(quota["share"]))) if quota.get("share") is not None
                                              else Quota(count=int(quota["count"]))),
        rank_places=int(data.get("rank_places", 2)),
    )


def result_from_row(row: Mapping[str, Any]) -> UnitResult:
    """A published row (service.result_row) as the core's UnitResult, every figure as published."""
    figure = lambda key: Decimal(str(row[key]))  # noqa: E731
    return UnitResult(
        str(row["code"]), str(row["name"]), str(row["group"]), figure("obtained"), figure("maximum"), figure("percent"),
        (), figure("bonus"), figure("penalty"), figure("adjusted"),
        {str(k): Decimal(str(v)) for k, v in row.get("components", {}).items()}, figure("final"), int(row["rank"]),
        str(row["grade"]), bool(row["complete"]), tuple(row.get("explanation", ())))


def adjustment_lines(rows: Iterable[Mapping[str, Any]]) -> list[AdjustmentLine]:
    return [AdjustmentLine(str(r.get("name") or r["unit"]), str(r["kind"]), Decimal(str(r["points"])), str(r["reason"]),
                           str(r.get("document") or ""), str(r.get("cap") or "")) for r in rows]


def version_report(snapshot: ResultSnapshot) -> ResultsReport:
    """The figures of a published version, as every document of that version states them."""
    cycle = snapshot.cycle
    kept = snapshot.adjustments if snapshot.adjustments is not None else service.adjustments_json(cycle)
    return ResultsReport(cycle.name, rules_from_json(snapshot.rules), [result_from_row(r) for r in snapshot.results],
                         published=_("第%(version)d版，%(time)s") % {
                             "version": snapshot.version, "time": f"{local(snapshot.published_at):%Y-%m-%d %H:%M}"},
                         adjustments=adjustment_lines(kept), version=snapshot.version)


def current_report(cycle: Cycle) -> ResultsReport:
    """The current results (not published), with the cycle's adjustments."""
    return ResultsReport(cycle.name, service.rules_for(cycle), service.compute_cycle(cycle),
                         published=_("未发布（%(time)s计算）") % {"time": f"{local(timezone.now()):%Y-%m-%d %H:%M}"},
                         adjustments=adjustment_lines(service.adjustments_json(cycle)))


# ----------------------------------------------------------------------------- the notice's details


def _scheme_source(cycle: Cycle) -> tuple[str, str]:
    """The scheme's title and the document it was issued by (its YAML's `source`, e.g. 洛党建〔2018〕4号)."""
    try:
        scheme = cycle.scheme.core()
    except Exception:  # a stored scheme always parses; the notice must not fail on it anyway
        return cycle.scheme.title, ""
    source = (getattr(scheme, "source", "") or "").split(" ")[0]
    return scheme.title, source


def notice_defaults(snapshot: ResultSnapshot) -> dict[str, Any]:
    """What a new notice starts with: the title and opening from the cycle and its scheme, the
    publication day as the date, and the 发文机关, 主送, 抄送 and 印发机关 of the office's latest
    notice of any cycle (a 发文字号 is never guessed)."""
    cycle = snapshot.cycle
    last = NoticeDetails.objects.order_by("-updated_at", "-pk").first()
    title, source = _scheme_source(cycle)
    reference = f"《{title}》（{source}）" if source else f"《{title}》"
    return {
        "issuer": last.issuer if last else "",
        "number": "",
        "title": f"关于{results_title(cycle.name)}的通报",
        "recipients": last.recipients if last else "各被考核单位",
        "copies": last.copies if last else "",
        "printer": last.printer if last else "",
        "day": local(snapshot.published_at).date(),
        "opening": (f"根据{reference}和有关考核办法，经各考核单位评分、审核汇总，{results_title(cycle.name)}已经确定。"
                    "现将有关情况通报如下。"),
        "closing": DEFAULT_CLOSING,
    }


def notice_details(snapshot: ResultSnapshot) -> NoticeDetails:
    """The version's saved details, or an unsaved instance with the defaults."""
    found = NoticeDetails.objects.filter(snapshot=snapshot).first()
    return found if found is not None else NoticeDetails(snapshot=snapshot, **notice_defaults(snapshot))


def details_json(details: NoticeDetails) -> dict[str, Any]:
    return {name: (getattr(details, name).isoformat() if name == "day" else getattr(details, name))
            for name in NOTICE_FIELDS}


def clean_notice(values: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The values by the one text rule, the date parsed; the problems, every one."""
    cleaned: dict[str, Any] = {}
    problems: list[str] = []
    for name, rule in _TEXT_RULES.items():
        if name not in values:
            continue
        try:
            cleaned[name] = free_text.clean(str(values[name] or ""), rule)
        except free_text.TextError as error:
            problems.append(error.message(_))
    if "day" in values:
        day = values["day"]
        if isinstance(day, date):
            cleaned["day"] = day
        else:
            try:
                cleaned["day"] = date.fromisoformat(str(day).strip())
            except ValueError:
                problems.append(_("成文日期应为“2019-01-20”这样的日期：%(value)s") % {"value": str(day)[:40]})
    return cleaned, problems


@transaction.atomic
def save_notice(snapshot: ResultSnapshot, user: Any, values: Mapping[str, Any]) -> NoticeDetails:
    """Save the notice's details for the version (fields not given keep their value); nothing is
    saved when any is refused. Audited."""
    cleaned, problems = clean_notice(values)
    if problems:
        raise ResultsError(problems[0], problems)
    details = notice_details(snapshot)
    old = None if details._state.adding else details_json(details)
    for name, value in cleaned.items():
        setattr(details, name, value)
    details.updated_by = user if getattr(user, "pk", None) else None
    details.save()
    record("results.notice", "results", f"cycle:{snapshot.cycle_id}/results:v{snapshot.version}/notice",
           cycle=snapshot.cycle, old=old, new=details_json(details))
    return details


def missing_fields(details: NoticeDetails) -> list[str]:
    return [str(label) for name, label in (("issuer", _("发文机关")), ("number", _("发文字号")))
            if not str(getattr(details, name)).strip()]


def notice_text(details: NoticeDetails) -> notice_format.NoticeText:
    """The notice's text; a ResultsError naming what to fill in when the 发文机关 or the 发文字号 is
    missing (the notice is never made half-empty)."""
    missing = missing_fields(details)
    if missing:
        raise ResultsError(_("请先填写通报的%(fields)s，再生成通报。") % {"fields": _("、").join(missing)}, missing)
    frame = Frame(issuer=details.issuer, number=details.number, title=details.title, recipients=details.recipients,
                  day=details.day, copies=details.copies, printer=details.printer)
    return notice_format.NoticeText(frame, details.opening, details.closing)


# ----------------------------------------------------------------------------- templates


TEMPLATES: dict[str, tuple[Any, Any, Any, tuple[tuple[str, str], ...]]] = {
    # kind → (default template, sample values, known placeholders, their documentation)
    DocumentTemplate.Kind.NOTICE: (notice_format.notice_template, notice_format.sample_context,
                                   notice_format.KNOWN, notice_format.PLACEHOLDERS),
    DocumentTemplate.Kind.SCORECARD: (scorecard_format.scorecard_template,
                                      lambda: scorecard_format.word_context(scorecard_format.sample_context()),
                                      scorecard_format.KNOWN, scorecard_format.PLACEHOLDERS),
}


def template_in_use(kind: str, cycle: Cycle | None) -> DocumentTemplate | None:
    """The newest template of the cycle, else of the installation; None: the default."""
    if cycle is not None:
        found = DocumentTemplate.objects.filter(kind=kind, cycle=cycle).order_by("-uploaded_at", "-pk").first()
        if found is not None:
            return found
    return DocumentTemplate.objects.filter(kind=kind, cycle__isnull=True).order_by("-uploaded_at", "-pk").first()


def template_bytes(kind: str, cycle: Cycle | None) -> bytes:
    found = template_in_use(kind, cycle)
    return bytes(found.content) if found is not None else TEMPLATES[kind][0]()


@transaction.atomic
def store_template(kind: str, cycle: Cycle | None, user: Any, name: str, data: bytes) -> DocumentTemplate:
    """Check the upload (bounded, a Word document, every placeholder known, renders with sample
    values) and store it as the one in use; refused with the reason otherwise (nothing stored)."""
    if kind not in TEMPLATES:
        raise ResultsError(_("未知的文书：%(kind)s") % {"kind": kind})
    _default, sample, known, _doc = TEMPLATES[kind]
    try:
        check_template(data, sample(), known)
    except TemplateError as error:
        raise ResultsError(_("模板未采用：%(reason)s") % {"reason": error.message(_)}) from None
    try:
        shown = free_text.clean(name or "template.docx", free_text.EVIDENCE_NAME)
    except free_text.TextError:
        shown = "template.docx"
    stored = DocumentTemplate.objects.create(kind=kind, cycle=cycle, name=shown or "template.docx", content=data,
                                             size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                                             uploaded_by=user if getattr(user, "pk", None) else None)
    record("results.template", "results", f"template:{kind}:{cycle.pk if cycle else 'installation'}",
           cycle=cycle, new={"name": stored.name, "size": stored.size, "sha256": stored.sha256})
    return stored


@transaction.atomic
def reset_template(kind: str, cycle: Cycle | None, user: Any) -> int:
    """Back to the installation's template (for a cycle) or the default (for the installation)."""
    found = DocumentTemplate.objects.filter(kind=kind, cycle=cycle) if cycle else \
        DocumentTemplate.objects.filter(kind=kind, cycle__isnull=True)
    count = found.count()
    found.delete()
    if count:
        record("results.template.reset", "results", f"template:{kind}:{cycle.pk if cycle else 'installation'}",
               cycle=cycle, old={"templates": count})
    return count


# ----------------------------------------------------------------------------- the notice


def notice_context(snapshot: ResultSnapshot) -> dict[str, Any]:
    return notice_format.notice_context(version_report(snapshot), notice_text(notice_details(snapshot)))


def notice_docx(snapshot: ResultSnapshot) -> bytes:
    """The version's notice from the template in use; ResultsError when details are missing or the
    template no longer renders."""
    context = notice_format.word_context(notice_context(snapshot))
    try:
        return render_docx(template_bytes(DocumentTemplate.Kind.NOTICE, snapshot.cycle), context)
    except TemplateError as error:
        raise ResultsError(_("通报模板无法使用：%(reason)s") % {"reason": error.message(_)}) from None


def _html(template: str, context: Mapping[str, Any]) -> str:
    return render_to_string(template, {**context, "css": css_variables()})


def notice_pdf(snapshot: ResultSnapshot) -> bytes:
    return html_to_pdf(_html("documents/notice.html", notice_context(snapshot)))


# ----------------------------------------------------------------------------- the ranking


def ranking_pdf(report: ResultsReport) -> bytes:
    """The ranking as an A4 landscape PDF: per group a table, then the rules in force."""
    groups = [{"name": group or NO_GROUP, "heading": f"{results_title(report.title)}（{group or NO_GROUP}）",
               "rows": [{"rank": r.rank, "name": r.name, "ratio": f"{r.obtained.normalize():f}/{r.maximum.normalize():f}",
                         "percent": two_places(r.percent), "bonus": two_places(r.bonus),
                         "penalty": two_places(r.penalty), "adjusted": two_places(r.adjusted),
                         "components": [two_places(r.components.get(c.key, Decimal(0))) for c in _extra(report.rules)],
                         "final": two_places(r.final), "grade": r.grade, "note": "；".join(r.explanation)}
                        for r in members]}
              for group, members in grouped(report.results).items()]
    return html_to_pdf(_html("documents/ranking.html", {
        "title": results_title(report.title), "published": report.published, "groups": groups,
        "components": [{"label": c.label, "weight": c.weight} for c in _extra(report.rules)],
        "rules": rules_rows(report.rules, report.published,
                            {group: len(members) for group, members in grouped(report.results).items()}),
        "printed": f"{local(timezone.now()):%Y-%m-%d %H:%M}",
    }))


def _extra(rules: Rules) -> list[Component]:
    return [c for c in rules.components if c.key != service.ADJUSTED]


# ----------------------------------------------------------------------------- scorecards


def _figures(row: Mapping[str, Any], group_size: int) -> dict[str, Any]:
    return {
        "obtained": row["obtained"], "maximum": row["maximum"], "percent": two_places(row["percent"]),
        "bonus": two_places(row["bonus"]), "penalty": two_places(row["penalty"]),
        "adjusted": two_places(row["adjusted"]), "final": two_places(row["final"]), "rank": row["rank"],
        "group_size": group_size, "grade": row["grade"], "explanation": list(row["explanation"]),
        "complete": row["complete"],
    }


def _display_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    shown = []
    for row in rows:
        if row["kind"] == "heading":
            shown.append({"kind": "heading", "level": row["level"], "code": row["code"], "title": row["title"],
                          "points": row["obtained"], "maximum": row["maximum"], "department": "", "reason": "",
                          "deducted": False})
        else:
            reason = f"−{row['lost']} {row['reason'] or '—'}" if row["deducted"] else (row["reason"] or "")
            shown.append({"kind": "item", "level": "item", "code": row["code"], "title": row["title"],
                          "points": row["points"] if row["points"] is not None else "未评分",
                          "maximum": row["maximum"], "department": row["department"] or "", "reason": reason,
                          "deducted": row["deducted"], "unscored": row["points"] is None})
    return shown


def compact_scorecard(context: Mapping[str, Any]) -> dict[str, Any]:
    """The scorecard as the all-units file shows it: the figures, the dimensions and the
    adjustments as on the unit's own, and of its items only those that lost points, with how many
    were scored in full and how many not yet (a unit's every item, some 300 rows and a dozen pages
    in the 2018 scheme, is its own scorecard's)."""
    items = [row for row in context["rows"] if row["kind"] == "item"]
    deducted = [row for row in items if row["deducted"]]
    unscored = sum(1 for row in items if row.get("unscored"))
    return {**context, "rows": deducted, "compact": {
        "items": len(items), "deducted": len(deducted), "unscored": unscored,
        "full": len(items) - len(deducted) - unscored}}


def scorecard_context(cycle: Cycle, unit: CycleUnit, row: Mapping[str, Any] | None, group_size: int,
                      rows: list[dict[str, Any]], adjustments: Iterable[Mapping[str, Any]],
                      rules: Mapping[str, Any], snapshot: ResultSnapshot | None) -> dict[str, Any]:
    """The scorecard's values (kaohe.formats.scorecard) from a result row (service.result_row or a
    snapshot's), the unit's item rows (results.scorecard.scorecard_rows), its adjustments
    (adjustment JSON) and the rules JSON."""
    components = [{"label": c["label"], "weight": c["weight"],
                   "value": two_places((row or {}).get("components", {}).get(c["key"], "0"))}
                  for c in rules.get("components", []) if c["key"] != service.ADJUSTED]
    kinds = dict(Adjustment.Kind.choices)
    return {
        "cycle": cycle.name, "version": version_label(snapshot), "unit": unit.name, "unit_code": unit.code,
        "group": (row or {}).get("group") or unit.category or NO_GROUP,
        "printed": f"{local(timezone.now()):%Y-%m-%d %H:%M}",
        "summary": _figures(row, group_size) if row else None,
        "components": components if row else [],
        "dimensions": [{**d, "percent": two_places(d["percent"])} for d in (row or {}).get("dimensions", [])
                       if Decimal(str(d["maximum"])) > 0],
        "adjustments": [{"kind": str(kinds.get(a["kind"], a["kind"])) + (f"（{a['cap']}）" if a.get("cap") else ""),
                         "points": a["points"] if a["kind"] in ("bonus", "penalty") else "—",
                         "reason": a["reason"], "document": a.get("document") or "—"} for a in adjustments],
        "rows": _display_rows(rows),
    }


def scorecard_docx(cycle: Cycle, context: Mapping[str, Any]) -> bytes:
    try:
        return render_docx(template_bytes(DocumentTemplate.Kind.SCORECARD, cycle), scorecard_format.word_context(context))
    except TemplateError as error:
        raise ResultsError(_("得分表模板无法使用：%(reason)s") % {"reason": error.message(_)}) from None


def scorecards_html(contexts: list[Mapping[str, Any]]) -> str:
    return _html("documents/scorecard.html", {"cards": contexts})


def scorecard_pdf(context: Mapping[str, Any]) -> bytes:
    return html_to_pdf(scorecards_html([context]))


def current_scorecards(cycle: Cycle, only: CycleUnit | None = None) -> Iterator[dict[str, Any]]:
    """Every unit's scorecard of the current results (or only `only`'s), one at a time: the results
    computed once, then one query per unit for its items."""
    units = list(CycleUnit.objects.filter(cycle=cycle).order_by("position", "code"))
    settings = service.settings_for(cycle)
    rules = service.rules_for(cycle, settings)
    results = service.compute_cycle(cycle, settings, units)
    sizes: dict[str, int] = {}
    for result in results:
        sizes[result.group] = sizes.get(result.group, 0) + 1
    by_code = {r.code: r for r in results}
    rules_json = service.rules_json(rules, service.groups_for(settings))
    adjustments: dict[str, list[dict[str, Any]]] = {}
    for row in service.adjustments_json(cycle):
        adjustments.setdefault(row["unit"], []).append(row)
    for unit in units if only is None else [only]:
        found = by_code.get(unit.code)
        rows, _items = scorecard_rows(cycle.pk, cycle.scheme_id, unit.pk)
        yield scorecard_context(cycle, unit, service.result_row(found) if found else None,
                                sizes.get(found.group, 0) if found else 0, rows, adjustments.get(unit.code, []),
                                rules_json, None)


def write_scorecards_pdf(contexts: Iterable[Mapping[str, Any]], out: BinaryIO, batch: int = SCORECARD_BATCH) -> int:
    """Every unit's scorecard (`compact_scorecard`: its figures and the items that lost points) in
    one PDF written to `out`, a page break before each unit: rendered `batch` units at a time and
    joined as they come (kaohe.formats.pdf.PdfJoiner), so memory holds one batch. Returns the
    number of pages."""
    joiner = PdfJoiner(out)
    fonts = font_configuration()
    waiting: list[Mapping[str, Any]] = []
    for context in contexts:
        waiting.append(compact_scorecard(context))
        if len(waiting) >= batch:
            joiner.add(html_pages_to_pdf(scorecards_html(waiting), fonts))
            waiting = []
    if waiting or not joiner.pages:
        joiner.add(html_pages_to_pdf(scorecards_html(waiting), fonts))
    joiner.close()
    return joiner.pages
