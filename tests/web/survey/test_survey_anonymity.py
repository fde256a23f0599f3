"""Anonymity of the 民主测评, as issue 17 states it and docs/decisions/2026-12-06-survey-anonymity.md
explains: someone who reads the whole database and the logs after the vote, and knows which code
went to whom, must not learn how anyone voted.

- The schema: no column, foreign key, trigger or time joins a ballot to a code; ballot ids are not
  a sequence. Inspected from the database itself (both SQLite and PostgreSQL).
- Order: ballots cast with codes in a known order cannot be put back in that order — not from
  the rows as read back, their ids, SQLite's rowid, nor PostgreSQL's hidden xmin and ctid.
- The audit trail and the server's log of a vote hold no code.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from kaohe.audit.models import Event
from kaohe.survey.models import Ballot, Code

POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
BALLOTS, CODES = Ballot._meta.db_table, Code._meta.db_table


def columns(table: str) -> dict[str, str]:
    with connection.cursor() as cursor:
        return {c.name: (c.type_code if POSTGRES else str(c.type_code))
                for c in connection.introspection.get_table_description(cursor, table)}


def test_the_schema_has_no_link_between_ballots_and_codes(db):
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        relations = {table: connection.introspection.get_relations(cursor, table) for table in tables}
    ballot, code = columns(BALLOTS), columns(CODES)
    assert set(ballot) == {"id", "group_id", "answers"}  # a random id, its group, its answers
    assert set(code) == {"id", "group_id", "code", "serial", "used", "voided"}  # no time, no ballot
    assert set(ballot) & set(code) == {"id", "group_id"}  # the group is shared by design
    # ids that cannot join: the ballot's is a random UUID, the code's an integer
    id_type = Ballot._meta.pk.db_type(connection)
    assert id_type.lower() in ("uuid", "char(32)")
    ballot_links = {target for _column, (_field, target) in relations[BALLOTS].items()}
    code_links = {target for _column, (_field, target) in relations[CODES].items()}
    assert ballot_links == code_links == {"survey_ratergroup"}
    for table, links in relations.items():  # no table points at a ballot, nor at both
        targets = {target for _column, (_field, target) in links.items()}
        assert BALLOTS not in targets, table
    for table in (BALLOTS, CODES):  # no column of any time type, nor a sequence on the ballots
        for name in columns(table):
            field = next(f for f in (Ballot if table == BALLOTS else Code)._meta.concrete_fields if f.column == name)
            assert field.get_internal_type() not in ("DateTimeField", "DateField", "TimeField", "AutoField",
                                                    "BigAutoField") or (table == CODES and name == "id"), (table, name)
    with connection.cursor() as cursor:  # no trigger could copy one into the other
        if POSTGRES:
            cursor.execute("SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                           "WHERE c.relname IN (%s, %s) AND NOT t.tgisinternal", [BALLOTS, CODES])
        else:
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN (%s, %s)",
                           [BALLOTS, CODES])
        assert cursor.fetchone()[0] == 0
        if POSTGRES:  # no sequence owned by the ballots
            cursor.execute("SELECT count(*) FROM pg_depend d JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S' "
                           "JOIN pg_class t ON t.oid = d.refobjid WHERE t.relname = %s", [BALLOTS])
            assert cursor.fetchone()[0] == 0


VOTES = 12


def test_ballots_cast_in_a_known_order_cannot_be_put_back_in_it(cycle, survey_kit):
    """Each vote rates 偃师市 with a different option pattern, so the test knows which ballot is
    which; the stored rows must not give that order back by any ordering the database offers."""
    kit = survey_kit
    survey = kit.make_survey(cycle, groups=(("干部群众代表", "1", VOTES),), min_group_size=1)
    patterns = [{"yanshi": str(i % 4), "mengjin": str(i // 4), "xinan": "0"} for i in range(VOTES)]
    order = {(int(p["yanshi"]), int(p["mengjin"])): i for i, p in enumerate(patterns)}
    for code, options in zip(kit.fresh_codes(survey, "干部群众代表"), patterns, strict=True):
        assert kit.vote(Client(), code, options).status_code == 200
    keys = ["id"] + (["xmin::text::bigint", "ctid"] if POSTGRES else ["rowid"])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(keys)}, answers FROM {BALLOTS}")  # fixed names
        rows = cursor.fetchall()
    assert len(rows) == VOTES

    def vote_number(row: tuple) -> int:
        answers = row[-1] if isinstance(row[-1], dict) else __import__("json").loads(row[-1])
        return order[(answers["yanshi"][0], answers["mengjin"][0])]

    as_read = [vote_number(row) for row in rows]
    assert as_read != list(range(VOTES)) and as_read != list(range(VOTES))[::-1]
    for index, key in enumerate(keys):
        ranked = [vote_number(row) for row in sorted(rows, key=lambda row: str(row[index]) if key == "id" else row[index])]
        if key.startswith("xmin"):
            assert len({row[index] for row in rows}) == 1  # one transaction stamp for the whole group
        else:
            assert ranked != list(range(VOTES)) and ranked != list(range(VOTES))[::-1], key
    if POSTGRES:  # the used codes carry the same stamp as the ballots: nothing pairs one with one
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT DISTINCT xmin::text FROM {CODES} WHERE used")
            stamps = {row[0] for row in cursor.fetchall()}
        assert stamps == {str(rows[0][1])}


def test_the_audit_trail_of_a_survey_holds_counts_and_never_a_code(cycle, survey_kit, client_for):
    kit = survey_kit
    survey = kit.make_survey(cycle, min_group_size=1)
    all_codes = list(Code.objects.filter(group__survey=survey).values_list("code", flat=True))
    for code in kit.fresh_codes(survey, "市级领导")[:3]:
        kit.vote(Client(), code, {"yanshi": "0", "mengjin": "1", "xinan": "2"})
    client_for("office").post(f"/surveys/{survey.pk}/groups/{kit.group(survey, '市级领导').pk}/void/", {"serials": "5"})
    trail = " ".join(str((e.action, e.object_key, e.old, e.new, e.reason)) for e in Event.objects.all())
    assert "survey.codes.add" in trail and "survey.codes.void" in trail
    for code in all_codes:
        assert code not in trail and code[:4] + "-" not in trail


@pytest.mark.skipif(POSTGRES, reason="one run against the server `make run` starts (SQLite) is enough")
def test_the_server_log_of_a_vote_holds_no_code(tmp_path, survey_kit):
    """A real `kaohe runserver` with its access log: a rater opens the voting page (the QR link's
    fragment stays on the phone), the page posts the code, the ballot is cast. The log shows every
    request, and no code."""
    with survey_kit.Server(tmp_path) as server:
        code = server.codes[0]
        post = server.session()
        assert "a:yanshi:q1" in post("/vote/", {"code": code})[1]
        assert "选票已提交" in post("/vote/ballot/", {"code": code, "a:yanshi:q1": "0"})[1]
        assert server.logged('"POST /vote/ballot/ HTTP/1.1" 200')
    text = server.log.read_text()
    assert '"POST /vote/ HTTP/1.1" 200' in text
    assert code not in text and f"{code[:4]}-{code[4:8]}" not in text
