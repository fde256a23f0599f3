"""The 季度通报's details and document (the office's), on the 公文 frame as the results notice:

- `notice_details(cycle, quarter)`: what the office saved for that quarter's notice, or the
  defaults (`notice_defaults`: the title and opening from the cycle and the quarter, today as the
  date, the 发文机关, 主送, 抄送 and 印发机关 of the office's latest 季度通报, else of its latest
  results notice; a 发文字号 is never guessed);
- `save_notice(cycle, quarter, user, values)`: cleaned by the results notice's rules
  (`kaohe.results.documents.clean_notice`: the one text rule, the date parsed), all or nothing,
  audited;
- `notice_docx(cycle, quarter)`: the document, refused with a `LedgerError` naming what to fill
  in while the 发文机关 or the 发文字号 is missing (never half-empty).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kaohe.audit.record import record
from kaohe.core.points import format_points
from kaohe.cycles.models import Cycle
from kaohe.formats.gongwen.frame import Frame
from kaohe.formats.ledger_report.notice import NoticeText, default_opening, default_title, standings_docx
from kaohe.ledger import standings
from kaohe.ledger.models import StandingsNotice
from kaohe.ledger.rules import LedgerError
from kaohe.results.documents import NOTICE_FIELDS, clean_notice
from kaohe.results.models import NoticeDetails
from kaohe.results.service import settings_for


def notice_defaults(cycle: Cycle, quarter: int) -> dict[str, Any]:
    year = cycle.scheme.year
    last: StandingsNotice | NoticeDetails | None = (
        StandingsNotice.objects.order_by("-updated_at", "-pk").first()
        or NoticeDetails.objects.order_by("-updated_at", "-pk").first())
    return {
        "issuer": last.issuer if last else "",
        "number": "",
        "title": default_title(year, quarter),
        "recipients": last.recipients if last else "各被考核单位",
        "copies": last.copies if last else "",
        "printer": last.printer if last else "",
        "day": timezone.localdate(),
        "opening": default_opening(cycle.name, year, quarter, format_points(settings_for(cycle).bonus_cap)),
        "closing": "",
    }


def notice_details(cycle: Cycle, quarter: int) -> StandingsNotice:
    """The quarter's saved details, or an unsaved instance with the defaults."""
    found = StandingsNotice.objects.filter(cycle=cycle, quarter=quarter).first()
    return found if found is not None else StandingsNotice(cycle=cycle, quarter=quarter,
                                                           **notice_defaults(cycle, quarter))


def details_json(details: StandingsNotice) -> dict[str, Any]:
    return {name: (getattr(details, name).isoformat() if name == "day" else getattr(details, name))
            for name in NOTICE_FIELDS}


@transaction.atomic
def save_notice(cycle: Cycle, quarter: int, user: Any, values: Mapping[str, Any]) -> StandingsNotice:
    """Save the quarter's details (fields not given keep their value); nothing is saved when any
    is refused. Audited."""
    cleaned, problems = clean_notice(values)
    if problems:
        raise LedgerError(LedgerError.INVALID, problems[0])
    details = notice_details(cycle, quarter)
    old = None if details._state.adding else details_json(details)
    for name, value in cleaned.items():
        setattr(details, name, value)
    details.updated_by = user if getattr(user, "pk", None) else None
    details.save()
    record("ledger.notice", "ledger_notice", f"cycle:{cycle.pk}/quarter:{quarter}", cycle=cycle, old=old,
           new=details_json(details))
    return details


def missing_fields(details: StandingsNotice) -> list[str]:
    return [str(label) for name, label in (("issuer", _("发文机关")), ("number", _("发文字号")))
            if not str(getattr(details, name)).strip()]


def notice_docx(cycle: Cycle, quarter: int) -> bytes:
    """The quarter's 季度通报 as a Word document on the 公文 frame."""
    details = notice_details(cycle, quarter)
    missing = missing_fields(details)
    if missing:
        raise LedgerError(LedgerError.INVALID, _("请先填写季度通报的%(fields)s，再生成通报。") % {
            "fields": _("、").join(missing)})
    frame = Frame(issuer=details.issuer, number=details.number, title=details.title, recipients=details.recipients,
                  day=details.day, copies=details.copies, printer=details.printer)
    with translation.override(settings.LANGUAGE_CODE):  # the document is Chinese, as its entries' kinds
        report = standings.report(cycle, quarter)
    return standings_docx(report, NoticeText(frame, details.opening, details.closing))
