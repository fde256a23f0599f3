"""The 平时考核台账's quarterly report (季度通报): `LedgerReport` (report.py), written as a workbook
(workbook.py) and as a 公文 in Word on the frame of kaohe.formats.gongwen (notice.py). Callers import
the module they need, so reading standings (a page, the cockpit) loads no spreadsheet or Word library.
"""
