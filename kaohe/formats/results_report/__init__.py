"""The office's result reports (issue 5), the generator + formatters shape of django-oscar's
reports: the results app gathers one `report.ResultsReport` for a cycle (kaohe.results.exports), and
each writer turns it into a file: `ranking` (the ranking workbook, XlsxWriter), `detail` (the detail
matrix, openpyxl) and `notice` (the 通报, python-docx). Pure: no Django and no I/O; every writer
returns the file as bytes. `report` also holds what the writers say alike: the groups in rank
order, the titles and the rules in words.

Every text cell of the workbooks goes through `kaohe.formats.cells.write_text` (openpyxl) or
`literal_text` (XlsxWriter: a string cell, quote-prefixed when it looks like a formula).
"""
