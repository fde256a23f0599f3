"""Free text that people type: one rule for every field, and every field's maximum length.

The rule (`clean`), the same wherever the text comes from (a page, a scoring sheet, the API):

- the text must be valid Unicode: a lone surrogate (which only JSON's "\\ud800" escapes can carry)
  is refused;
- invisible characters are removed: control characters (C0, DEL, C1) other than line breaks in a
  multi-line field, and format characters (Unicode category Cf: the bidirectional embeddings,
  overrides and isolates such as U+202E, the left-to-right and right-to-left marks, zero-width
  spaces and joiners such as U+200B, the byte order mark, the soft hyphen), and the noncharacters
  U+FFFE and U+FFFF; a text cannot then show something other than what is stored, or hide text;
- CR LF, CR, U+2028 and U+2029 become LF; in a one-line field every line break and tab is a space;
- the result is NFC-normalised and stripped of surrounding blanks (full-width ones too);
- it may hold at most the field's `limit` characters, counted after cleaning; a longer text is
  refused, never cut.

`FIELDS` is the table of limits; docs/limits.md shows it to people and a test keeps the two equal.
Pure: no Django. A refusal is a `TextError`, whose `message(gettext)` is the user's message in
their language (the services pass Django's gettext; the messages are in the catalogue).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass


def _(text: str) -> str:
    """Marks a message for the translation catalogue (`make messages`); translated by the caller."""
    return text


@dataclass(frozen=True)
class FreeText:
    key: str  # where it is stored, "model.field"
    label: str  # what users call it
    limit: int  # characters, after cleaning
    multiline: bool = True


SCORE_REASON = FreeText("score.reason", _("扣分理由"), 500)
CLAIM_EXPLANATION = FreeText("claim.explanation", _("自评说明"), 500)
SELF_ASSESSMENT_REOPEN_REASON = FreeText("selfassessment.reopen_reason", _("退回自评的理由"), 1000)
SUBMISSION_COMMENT = FreeText("submission.comment", _("退回或重新打开的意见"), 1000)
OBJECTION_REASON = FreeText("objection.reason", _("共同的异议理由"), 2000)  # for items without their own
OBJECTION_ITEM_REASON = FreeText("objectionitem.reason", _("异议理由"), 2000)
OBJECTION_ANSWER = FreeText("objectionitem.answer", _("答复理由"), 2000)
OBJECTION_COMMENT = FreeText("objection.office_comment", _("考核办意见"), 2000)
ADJUSTMENT_REASON = FreeText("adjustment.reason", _("加减分理由"), 1000)
ADJUSTMENT_DOCUMENT = FreeText("adjustment.document", _("依据文件"), 200, multiline=False)
CYCLE_NAME = FreeText("cycle.name", _("考核周期名称"), 120, multiline=False)
CYCLE_REOPEN_REASON = FreeText("cycle.reopen_reason", _("重新打开考核周期的理由"), 1000)
EVIDENCE_NAME = FreeText("evidence.name", _("文件名"), 120, multiline=False)
TOKEN_NAME = FreeText("apitoken.name", _("令牌用途"), 100, multiline=False)
# The survey's labels also fold full-width letters and digits and collapse blanks (kaohe.core.survey).
SURVEY_NAME = FreeText("survey.name", _("测评名称"), 120, multiline=False)
SURVEY_GROUP_NAME = FreeText("ratergroup.name", _("测评群体名称"), 60, multiline=False)
SURVEY_QUESTION = FreeText("survey.questions.text", _("测评问题"), 100, multiline=False)
# The 平时考核台账 (kaohe.ledger).
LEDGER_REASON = FreeText("entry.reason", _("台账事由"), 500)
LEDGER_DOCUMENT = FreeText("entry.document", _("依据文件"), 200, multiline=False)
LEDGER_COMMENT = FreeText("entry.comment", _("退回或作废台账的理由"), 1000)
LEDGER_OVERRIDE = FreeText("basis.reason", _("不采纳台账建议的理由"), 500)
DISPUTE_REASON = FreeText("dispute.reason", _("台账异议理由"), 2000)
DISPUTE_ANSWER = FreeText("dispute.answer", _("台账异议答复"), 2000)
DISPUTE_COMMENT = FreeText("dispute.office_comment", _("考核办办结意见"), 2000)

# the results notice (通报) the office fills in per published version
NOTICE_ISSUER = FreeText("noticedetails.issuer", _("发文机关"), 60, multiline=False)
NOTICE_NUMBER = FreeText("noticedetails.number", _("发文字号"), 40, multiline=False)
NOTICE_TITLE = FreeText("noticedetails.title", _("标题"), 200, multiline=False)
NOTICE_RECIPIENTS = FreeText("noticedetails.recipients", _("主送机关"), 500, multiline=False)
NOTICE_COPIES = FreeText("noticedetails.copies", _("抄送机关"), 500, multiline=False)
NOTICE_PRINTER = FreeText("noticedetails.printer", _("印发机关"), 60, multiline=False)
NOTICE_OPENING = FreeText("noticedetails.opening", _("开头段落"), 5000)
NOTICE_CLOSING = FreeText("noticedetails.closing", _("结尾段落"), 5000)
NOTICE_FIELDS = (NOTICE_ISSUER, NOTICE_NUMBER, NOTICE_TITLE, NOTICE_RECIPIENTS, NOTICE_COPIES, NOTICE_PRINTER,
                 NOTICE_OPENING, NOTICE_CLOSING)
# Master data the office types on its own pages or imports from a roster (kaohe.directory).
USER_NAME = FreeText("user.last_name", _("姓名"), 150, multiline=False)
UNIT_NAME = FreeText("unit.name", _("单位名称"), 100, multiline=False)
UNIT_PARTY_ORGANISATION = FreeText("unit.party_organisation", _("党组织类型"), 20, multiline=False)
DEPARTMENT_NAME = FreeText("department.name", _("考核部门名称"), 100, multiline=False)

FIELDS: tuple[FreeText, ...] = (
    SCORE_REASON, CLAIM_EXPLANATION, SELF_ASSESSMENT_REOPEN_REASON, SUBMISSION_COMMENT, OBJECTION_REASON,
    OBJECTION_ITEM_REASON, OBJECTION_ANSWER, OBJECTION_COMMENT, ADJUSTMENT_REASON, ADJUSTMENT_DOCUMENT, CYCLE_NAME, CYCLE_REOPEN_REASON,
    EVIDENCE_NAME, TOKEN_NAME, SURVEY_NAME, SURVEY_GROUP_NAME, SURVEY_QUESTION,
    LEDGER_REASON, LEDGER_DOCUMENT, LEDGER_COMMENT, LEDGER_OVERRIDE, DISPUTE_REASON, DISPUTE_ANSWER, DISPUTE_COMMENT,
    *NOTICE_FIELDS,
    USER_NAME, UNIT_NAME, UNIT_PARTY_ORGANISATION, DEPARTMENT_NAME,
)


class TextError(ValueError):
    """A text the rule refuses: `kind` is "unicode" (not valid Unicode) or "too_long" (`length`
    characters after cleaning, more than the field's limit)."""

    UNICODE, TOO_LONG = "unicode", "too_long"

    def __init__(self, field: FreeText, kind: str, length: int = 0):
        self.field, self.kind, self.length = field, kind, length
        super().__init__(self.message())

    def message(self, translate: Callable[[str], str] = _) -> str:
        label = translate(self.field.label)
        if self.kind == self.UNICODE:
            return translate(_("%(label)s含有无效的字符（不是有效的 Unicode 文字）。")) % {"label": label}
        return translate(_("%(label)s最多%(limit)d个字（现有%(length)d个）。")) % {
            "label": label, "limit": self.field.limit, "length": self.length}


_SURROGATE = re.compile("[\ud800-\udfff]")
_BREAKS = re.compile("\r\n|[\r\u2028\u2029]")
_REMOVED_CATEGORIES = {"Cc", "Cf"}
_NONCHARACTERS = {"\ufffe", "\uffff"}


def _visible(ch: str, keep: str) -> bool:
    if ch in keep:
        return True
    return ch not in _NONCHARACTERS and unicodedata.category(ch) not in _REMOVED_CATEGORIES


def visible(text: str, multiline: bool = True) -> str:
    """The rule's character part: line breaks made LF (or spaces in one line), invisible
    characters removed, NFC, surrounding blanks stripped. Lone surrogates are the caller's to refuse."""
    text = _BREAKS.sub("\n", text)
    if not multiline:
        text = text.replace("\n", " ").replace("\t", " ")
    if not text.isprintable():
        keep = "\n\t" if multiline else ""
        text = "".join(ch for ch in text if _visible(ch, keep))
    return unicodedata.normalize("NFC", text).strip()


def clean(value: str | None, field: FreeText) -> str:
    """The text as it may be stored (see the module's rule); TextError if it may not."""
    text = value or ""
    if len(text) > 4 * field.limit + 1000:  # far beyond the limit whatever cleaning removes
        raise TextError(field, TextError.TOO_LONG, len(text))
    if _SURROGATE.search(text):
        raise TextError(field, TextError.UNICODE)
    text = visible(text, field.multiline)
    if len(text) > field.limit:
        raise TextError(field, TextError.TOO_LONG, len(text))
    return text


def field(key: str) -> FreeText:
    return next(f for f in FIELDS if f.key == key)


def limits() -> dict[str, int]:
    """Each field's limit by its key with "_" for "." ("score_reason"), for templates' maxlength."""
    return {f.key.replace(".", "_"): f.limit for f in FIELDS}
