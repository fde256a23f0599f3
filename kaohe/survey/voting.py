"""Voting with a one-time code: find the code, then cast the ballot.

`cast` marks the code used and stores the ballot in one transaction, under a lock on the code's
group, so that of any number of submits of one code, at once or later, exactly one stores a ballot.
In the same transaction the group's ballots are written again with new random ids, in the order of
those ids (new row positions, one shared transaction stamp), and its used codes are stamped again: afterwards neither
the rows as read back, nor their ids, nor PostgreSQL's hidden row columns (xmin, ctid) or
SQLite's rowid say which ballot came last or which code went with it. The work grows with the
group's ballots so far (bounded by MAX_CODES_PER_GROUP); BENCHMARKS.md has the figures.

Every refusal of a code is the same `UNUSABLE` message whatever the reason (malformed, unknown,
voided, used) and counts against the client's address (`kaohe.survey.throttle`); a code of a
survey outside its window gets the window's message. A ballot the rules refuse (unknown targets,
missing answers) leaves the code unused. Nothing here logs or records a code.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.core.survey import BallotError, Definition, normalize_code, read_ballot
from kaohe.survey import throttle
from kaohe.survey.definition import definition_of
from kaohe.survey.models import Ballot, Code, PublishedSurvey, RaterGroup, Survey
from kaohe.survey.refusals import Refused, unusable_message


@dataclass(frozen=True)
class Found:
    code: str  # the normalized code, to send back with the ballot
    group: RaterGroup
    survey: Survey
    definition: Definition


def _window_refusal(survey: Survey) -> Refused | None:
    state = survey.state()
    local = timezone.localtime
    if state == "draft":
        return Refused(_("测评尚未开始，开始时间：%(time)s。") % {"time": local(survey.opens_at).strftime("%Y-%m-%d %H:%M")},
                       status=403)
    if state == "closed" or PublishedSurvey.objects.filter(survey=survey).exists():
        return Refused(_("测评已经结束（%(time)s）。") % {"time": local(survey.closes_at).strftime("%Y-%m-%d %H:%M")},
                       status=403)
    return None


def find(text: str | None, address: str | None) -> Found:
    """The usable code `text` with its group, survey and definition; else Refused."""
    throttle.check(address)
    normalized = normalize_code(text)
    code = None
    if normalized is not None:
        code = (Code.objects.select_related("group__survey").filter(code=normalized, used=False, voided=False)
                .first())
    if normalized is None or code is None:
        throttle.failed(address)
        raise Refused(unusable_message())
    refusal = _window_refusal(code.group.survey)
    if refusal is not None:
        raise refusal
    survey = code.group.survey
    return Found(normalized, code.group, survey, definition_of(survey))


def cast(text: str | None, fields: Mapping[str, str], address: str | None) -> Survey:
    """Store one ballot for the code `text` and mark the code used, in one transaction."""
    found = find(text, address)
    try:
        answers = read_ballot(found.definition, fields)
    except BallotError as error:
        raise Refused(_("选票未提交，请修改："), list(error.problems), status=422, keep_code=True) from None
    with transaction.atomic():
        group = RaterGroup.objects.select_for_update().get(pk=found.group.pk)
        survey = Survey.objects.get(pk=group.survey_id)
        refusal = _window_refusal(survey)
        if refusal is not None:
            raise refusal
        marked = Code.objects.filter(code=found.code, group=group, used=False, voided=False).update(used=True)
        if marked == 1:
            _store(group, answers)
    if marked != 1:  # a second submit of the code, at once or later
        throttle.failed(address)
        raise Refused(unusable_message())
    return survey


# A fresh random id per row, from the database's strong random source: PostgreSQL's
# gen_random_uuid() (pg_strong_random), SQLite's randomblob() (its ChaCha20 generator seeded by the OS).
_NEW_ID = {"postgresql": "gen_random_uuid()", "sqlite": "lower(hex(randomblob(16)))"}
_BATCH = 500


def _store(group: RaterGroup, answers: dict[str, list[int]]) -> None:
    """The new ballot among the group's ballots, all written again with new random ids in the order
    of those ids (a fresh random order), and the group's used codes stamped again — inside the
    caller's transaction, without the ballots' answers leaving the database."""
    Ballot.objects.create(id=uuid.uuid4(), group=group, answers=answers)
    old = list(Ballot.objects.filter(group=group).values_list("id", flat=True))
    table = connection.ops.quote_name(Ballot._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (id, group_id, answers) SELECT new_id, group_id, answers FROM "
            f"(SELECT {_NEW_ID[connection.vendor]} AS new_id, group_id, answers FROM {table} WHERE group_id = %s) "
            "AS copied ORDER BY new_id", [group.pk])
        # the old rows, by their ids (raw: Django's delete would first load every row, as the audit
        # trail listens to deletions)
        prepared = [Ballot._meta.pk.get_db_prep_value(id_, connection) for id_ in old]
        for start in range(0, len(prepared), _BATCH):
            batch = prepared[start:start + _BATCH]
            cursor.execute(f"DELETE FROM {table} WHERE id IN ({', '.join(['%s'] * len(batch))})", batch)
    Code.objects.filter(group=group, used=True).update(used=True)
