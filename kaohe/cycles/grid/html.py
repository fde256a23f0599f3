"""The grid's HTML: a cell (a tiny form, or read-only text), a row of cells and a row of the units'
claims, written as f-strings rather than a template or format_html: the grid has a thousand cells,
and this is some twenty times faster. The rule that keeps it safe: every value goes through `e()`
(the standard library's html.escape, which Django's escape also uses), quotes included, except
numbers, the fixed words (escaped once in `_words`) and URLs (quote()d codes). The templates call
these through the filters of kaohe.cycles.templatetags.grid_html.
"""

from __future__ import annotations

import html
from datetime import datetime
from functools import lru_cache

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kaohe.core.points import format_points
from kaohe.core.text import SCORE_REASON
from kaohe.cycles.grid.data import Cell, Row


@lru_cache(maxsize=4096)
def _local(moment: datetime, zone: str) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _when(moment: datetime | None) -> str:
    """When a score was saved, in local time; cached, since a page shows many of the same minute."""
    return _local(moment, timezone.get_current_timezone_name()) if moment else "—"


@lru_cache(maxsize=8)
def _words(language: str) -> dict[str, str]:
    """The grid's fixed words, translated and escaped once per language rather than once per cell."""
    words = {"max": _("满分"), "reason": _("扣分理由"), "unscored": _("未评"), "unsaved": _("未保存："),
             "empty": _("（空）"), "changed": _("该评分已被他人修改。"), "yours": _("您输入："),
             "saved": _("已保存："), "mine": _("用我的覆盖"), "theirs": _("采用已保存的"), "na": _("不适用"),
             "separator": _("；"), "ledger": _("台账"), "proposal": _("建议得分"), "accept": _("采纳建议"),
             "ledger_changed": _("评分后台账有变化"), "as_proposed": _("与建议一致")}
    return {key: html.escape(word) for key, word in words.items()}


@lru_cache(maxsize=8)
def _formats(language: str) -> dict[str, str]:
    """The grid's texts with values in them (not escaped: the values are put in first)."""
    return {"cell": _("%(cell)s（满分%(max)s）"), "with_reason": _("%(points)s（%(reason)s）"),
            "by": _("（%(who)s，%(when)s）"), "entries": _("%(count)s条台账记录"),
            "finding": _("%(date)s %(kind)s：%(reason)s"), "deduction": _("%(date)s %(kind)s %(points)s分：%(reason)s"),
            "document": _("%(text)s（%(document)s）")}


def render_cell(cell: Cell) -> SafeString:
    """The HTML of one cell, for the page and for the answer to a save."""
    return mark_safe(_cell_html(cell, _words(get_language())))  # _cell_html escapes


def _cell_html(cell: Cell, words: dict[str, str]) -> str:
    """An editable cell is a form (points, reason, version) that grid.js saves and the server's answer
    replaces; data-saved-* hold what is stored, so the page can tell what is not saved yet.
    """
    e = html.escape
    who = f' title="{e(cell.by)} {_when(cell.at)}"' if cell.by else ""
    if not cell.editable:
        missing = "" if cell.stored_points is not None else " missing"
        out = f'<div class="cell ro{" has-error" if cell.closed else ""}"{who}>' \
              f'<span class="ro-points{missing}">{cell.saved_points or words["unscored"]}</span>'
        if cell.stored_reason:
            out += f'<span class="ro-reason">{e(cell.stored_reason)}</span>'
        if cell.closed:
            unsaved = words["unsaved"] + e(cell.points or html.unescape(words["empty"])) \
                if cell.points != cell.saved_points else ""
            out += f'<p class="cell-msg" role="alert">{e(cell.closed)}{unsaved}</p>'
        return out + _proposal_html(cell, words, editable=False) + "</div>"

    classes = "cell"
    classes += " has-error" if cell.error else ""
    classes += " has-conflict" if cell.conflict else ""
    classes += " just-saved" if cell.saved else ""
    classes += " dirty" if cell.points != cell.saved_points or cell.reason != cell.stored_reason else ""
    label = e(cell.label)
    invalid_points = ' aria-invalid="true"' if cell.error_field == "points" else ""
    invalid_reason = ' aria-invalid="true"' if cell.error_field == "reason" else ""
    hidden = "" if cell.shows_reason else " hidden"
    reason = e(cell.reason) if cell.reason else ""
    stored_reason = e(cell.stored_reason) if cell.stored_reason else ""
    typed = cell.points or ""
    out = (
        f'<form class="{classes}" data-url="{cell.url}" data-max="{cell.maximum}" '
        f'data-saved-points="{cell.saved_points}" data-saved-reason="{stored_reason}"{who}>'
        f'<input type="hidden" name="version" value="{cell.version:d}">'
        f'<input id="p{cell.pk:d}" name="points" value="{e(typed)}" inputmode="decimal" autocomplete="off" '
        f'aria-label="{e(_formats(get_language())["cell"] % {"cell": cell.label, "max": cell.maximum})}"{invalid_points}>'
        f'<textarea id="r{cell.pk:d}" name="reason" rows="2" maxlength="{SCORE_REASON.limit:d}" '
        f'placeholder="{words["reason"]}" '
        f'aria-label="{label} {words["reason"]}"{invalid_reason}{hidden}>{reason}</textarea>'
    )
    if cell.error:
        out += f'<p class="cell-msg" role="alert">{e(cell.error)}</p>'
    if cell.conflict:
        empty = html.unescape(words["empty"])
        formats = _formats(get_language())
        yours = formats["with_reason"] % {"points": cell.points or empty, "reason": cell.reason} if cell.reason \
            else (cell.points or empty)
        theirs = formats["with_reason"] % {"points": cell.saved_points or empty, "reason": cell.stored_reason} \
            if cell.stored_reason else (cell.saved_points or empty)
        by = formats["by"] % {"who": cell.by or "—", "when": _when(cell.at)}
        out += (f'<div class="cell-msg conflict" role="alert"><p>{words["changed"]}</p>'
                f'<p>{words["yours"]}{e(yours)}{words["separator"]}{words["saved"]}{e(theirs)}{e(by)}</p>'
                f'<button type="button" data-choice="mine">{words["mine"]}</button> '
                f'<button type="button" class="secondary" data-choice="theirs">{words["theirs"]}</button></div>')
    return out + _proposal_html(cell, words, editable=True) + "</form>"


def _proposal_html(cell: Cell, words: dict[str, str], editable: bool) -> str:
    """The cell's proposal (kaohe.cycles.proposals): the proposed score, whether the findings
    changed since the task was decided, the findings themselves (folded), and, in an editable
    cell whose score is not the proposal yet, the button that accepts it (htmx, with the cell's
    version, answered with the new cell)."""
    proposal = cell.proposal
    if proposal is None:
        return ""
    e = html.escape
    proposed = format_points(proposal.points)
    as_proposed = cell.stored_points == proposal.points and cell.stored_reason == proposal.reason
    out = f'<div class="ledger{" changed" if proposal.changed else ""}"><p>'
    out += f'<a href="{e(proposal.url)}">{words["ledger"]}</a> '
    out += f'<span class="ledger-proposal">{words["proposal"]} <b>{proposed}</b></span>'
    if proposal.changed:
        out += f' <span class="ledger-changed" role="status">{words["ledger_changed"]}</span>'
    elif as_proposed:
        out += f' <span class="ledger-same">✓ {words["as_proposed"]}</span>'
    if editable and (proposal.changed or not as_proposed):
        out += (f' <button type="button" class="ledger-accept" hx-post="{e(proposal.accept_url)}" '
                f'hx-target="closest form" hx-swap="outerHTML">{words["accept"]}</button>')
    out += "</p>"
    if proposal.entries:
        formats = _formats(get_language())
        lines = []
        for f in proposal.entries:
            values = {"date": f.date.isoformat(), "kind": f.kind_label, "reason": f.reason,
                      "points": format_points(f.points) if f.points is not None else ""}
            line = formats["deduction" if f.points is not None else "finding"] % values
            if f.document:
                line = formats["document"] % {"text": line, "document": f.document}
            lines.append(f"<li>{e(line)}</li>")
        count = e(formats["entries"] % {"count": len(proposal.entries)})
        out += f'<details><summary>{count}</summary><ul>{"".join(lines)}</ul></details>'
    return out + "</div>"


def row_cells(row: Row) -> SafeString:
    """The row's <td>s: a cell each, or a dash where the item does not apply to the unit."""
    words = _words(get_language())
    na = f'<td class="na" title="{words["na"]}">—</td>'
    return mark_safe("".join(f"<td>{_cell_html(cell, words)}</td>" if cell else na  # escaped
                             for cell in row.cells))


def row_claims(row: Row) -> SafeString:
    """The row's <td>s of claims, one per column; every value escaped."""
    e = html.escape
    out = []
    for column, claim in zip(row.columns, row.claims or [], strict=True):
        if claim is None:
            out.append(f'<td class="claim" data-unit="{e(column.code)}"></td>')
            continue
        files = "".join(f'<a href="{e(url)}">{e(name)}</a>' for url, name in claim.files)
        out.append(f'<td class="claim" data-unit="{e(column.code)}"><div class="claim-cell">'
                   f'<span class="claim-points">{e(claim.points) or "—"}</span>'
                   + (f'<span class="claim-text">{e(claim.explanation)}</span>' if claim.explanation else "")
                   + (f'<span class="claim-files">{files}</span>' if files else "") + "</div></td>")
    return mark_safe("".join(out))  # escaped above
