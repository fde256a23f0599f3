"""The 平时考核台账's quarterly report (季度通报): `LedgerReport` (report.py), written as a workbook
(workbook.py) and as a 公文 in Word on the frame of kaohe.formats.gongwen (notice.py)."""

from kaohe.formats.ledger_report.notice import NoticeText, default_opening, default_title, standings_docx
from kaohe.formats.ledger_report.report import LedgerReport, ReportEntry
from kaohe.formats.ledger_report.workbook import standings_xlsx

__all__ = ["LedgerReport", "NoticeText", "ReportEntry", "default_opening", "default_title", "standings_docx",
           "standings_xlsx"]
