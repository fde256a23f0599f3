"""What the voting page refuses, and the one message for every code that cannot be used."""

from __future__ import annotations

from django.utils.translation import gettext as _


def unusable_message() -> str:
    """The same words for a malformed, unknown, voided or used code: nothing tells them apart."""
    return _("这个测评码无法使用：可能输入有误、已经使用或已作废。请核对纸条上的测评码；如有疑问，请联系工作人员。")


class Refused(Exception):
    """A code or a ballot that is not accepted; `problems` are for the rater (Chinese)."""

    def __init__(self, message: str, problems: list[str] | None = None, status: int = 400,
                 keep_code: bool = False):
        self.message = message
        self.problems = problems or [message]
        self.status = status
        self.keep_code = keep_code  # the code is fine: the rater may correct the ballot and send it again
        super().__init__(message)
