"""Rate limiting of code guesses per client address, the log-in lock-out's approach (counts kept
in the database, so every app process sees them): after KAOHE_SURVEY_FAILURE_LIMIT refused codes
from one address within KAOHE_SURVEY_LOCKOUT_MINUTES, that address is refused without its code
being looked at until the oldest failure leaves the window. A meeting behind one address (the
room's Wi-Fi) shares the count, so the limit allows for typing mistakes; the voting page's check
symbol catches most of those before they are sent. Only the address and the time are kept.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.survey.models import CodeAttempt
from kaohe.survey.refusals import Refused


def _window() -> timedelta:
    return timedelta(minutes=settings.KAOHE_SURVEY_LOCKOUT_MINUTES)


def check(address: str | None) -> None:
    """Refuse (429) an address with too many refused codes lately."""
    since = timezone.now() - _window()
    if CodeAttempt.objects.filter(address=address, at__gte=since).count() >= settings.KAOHE_SURVEY_FAILURE_LIMIT:
        raise Refused(_("输入无效测评码的次数过多，请%(minutes)d分钟后再试，或联系工作人员。") % {
            "minutes": settings.KAOHE_SURVEY_LOCKOUT_MINUTES}, status=429)


def failed(address: str | None) -> None:
    """Count one refused code from `address`; failures older than the window are dropped."""
    now = timezone.now()
    CodeAttempt.objects.filter(at__lt=now - _window()).delete()
    CodeAttempt.objects.create(address=address, at=now)
