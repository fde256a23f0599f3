"""The UI language: Chinese by default (whatever the browser asks for), English after the user
chooses it with the switch in the header (Django's set_language view and its cookie), Chinese
again after switching back, and for a cookie naming a language we do not offer.

The English catalogue (kaohe/locale/en/LC_MESSAGES/django.po) is checked by parsing it here, so
the checks never depend on gettext being installed: every entry translated, nothing fuzzy, the
placeholders kept, the committed .mo compiled from the committed .po, and every string marked for
translation in the templates and the Python code present in the catalogue.
"""

from __future__ import annotations

import ast
import gettext
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation.template import templatize

import kaohe

PACKAGE = Path(kaohe.__file__).resolve().parent
CATALOGUE = PACKAGE / "locale" / "en" / "LC_MESSAGES" / "django.po"
COMPILED = CATALOGUE.with_suffix(".mo")
SCRIPTS_CATALOGUE = CATALOGUE.with_name("djangojs.po")  # the messages of Kaohe's own scripts
CATALOGUES = [CATALOGUE, SCRIPTS_CATALOGUE]
TEMPLATES = PACKAGE / "web" / "templates"
SCRIPTS = PACKAGE / "web" / "static" / "kaohe"
HOW_TO_UPDATE = ("run `make messages` from the repository root, translate the new entries, "
                 "then `make messages` again to compile them")

# Words of the header's navigation and of the three pages' headings, in both languages.
NAV = {"zh-hans": ["待办", "指标体系", "考核周期", "审计记录", "修改密码", "退出"],
       "en": ["To do", "Schemes", "Cycles", "Audit trail", "Change password", "Log out"]}
PAGES = {  # path: (Chinese words, English words)
    "/": (["<h1>待办事项</h1>", "<h2>考核周期</h2>", "评分截止"],
          ["<h1>To-do list</h1>", "<h2>Cycles</h2>", "Scoring deadline", "<th>Scheme</th>"]),
    "/cycles/": (["<h1>考核周期</h1>", "新建考核周期", "评分进度"],
                 ["<h1>Cycles</h1>", "New cycle", "Scoring progress", "<th>Scheme</th>"]),
    "/schemes/": (["<h1>指标体系</h1>", "导入指标体系", "比较两个指标体系"],
                  ["<h1>Schemes</h1>", "Import a scheme", "Compare two schemes"]),
}


@pytest.fixture(autouse=True)
def _chinese_afterwards():
    """The middleware activates the request's language in this thread and leaves it there: put
    the default back so that later tests calling gettext directly get Chinese."""
    yield
    translation.deactivate()


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def choose(client, language: str, next_url: str = "/") -> None:
    response = client.post("/i18n/setlang/", {"language": language, "next": next_url})
    assert response.status_code == 302 and response["Location"] == next_url
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == language


def nav(body: str) -> str:
    return body.split("<nav>", 1)[1].split("</nav>", 1)[0]


def assert_chinese(body: str) -> None:
    assert '<html lang="zh-hans">' in body
    links = nav(body)
    assert all(f">{word}<" in links or word in body for word in NAV["zh-hans"]), links
    assert not any(f">{word}<" in links for word in NAV["en"]), links


def assert_english(body: str) -> None:
    assert '<html lang="en">' in body
    links = nav(body)
    for word in ["To do", "Schemes", "Cycles", "Audit trail"]:
        assert f">{word}</a>" in links, (word, links)
    assert ">Change password</a>" in body and ">Log out</button>" in body
    assert not any(f">{word}<" in links for word in NAV["zh-hans"]), links


# --- choosing the language ----------------------------------------------------------------------

@pytest.mark.parametrize("path", list(PAGES))
def test_the_ui_is_chinese_by_default_even_when_the_browser_asks_for_english(client_for, path):
    response = client_for("office").get(path, HTTP_ACCEPT_LANGUAGE="en")
    body = text(response)
    assert_chinese(body)
    assert all(word in body for word in PAGES[path][0])
    assert not any(word in body for word in PAGES[path][1])
    assert response["Content-Language"] == "zh-hans"


def test_after_choosing_english_the_pages_are_in_english(client_for):
    client = client_for("office")
    choose(client, "en")
    for path, (chinese, english) in PAGES.items():
        response = client.get(path)
        body = text(response)
        assert_english(body)
        assert all(word in body for word in english), (path, [w for w in english if w not in body])
        assert not any(word in body for word in chinese), (path, [w for w in chinese if w in body])
        assert response["Content-Language"] == "en"


def test_switching_back_to_chinese_shows_chinese_again(client_for):
    client = client_for("office")
    choose(client, "en", "/cycles/")
    assert_english(text(client.get("/cycles/")))
    choose(client, "zh-hans", "/cycles/")
    for path, (chinese, _english) in PAGES.items():
        body = text(client.get(path))
        assert_chinese(body)
        assert all(word in body for word in chinese), path


@pytest.mark.parametrize("cookie", ["fr", "en-gb", "", "../../etc/passwd"])
def test_a_language_cookie_we_do_not_offer_falls_back_to_chinese(client_for, cookie):
    client = client_for("office")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = cookie
    response = client.get("/")
    assert_chinese(text(response))
    assert response["Content-Language"] == "zh-hans"


def test_choosing_an_unknown_language_changes_nothing(client_for):
    client = client_for("office")
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert_chinese(text(client.get("/")))


def test_the_log_in_page_can_be_english_before_logging_in(client_for):
    client = client_for(None)
    choose(client, "en", "/accounts/login/")
    body = text(client.get("/accounts/login/"))
    assert '<html lang="en">' in body
    assert "<h1>Log in</h1>" in body and ">Username</label>" in body and ">Password</label>" in body


def test_the_scoring_grid_and_its_keyboard_help_are_english(client_for, cycle):
    client = client_for("scorer")
    choose(client, "en")
    body = text(client.get(f"/cycles/{cycle.pk}/scoring/"))
    assert '<html lang="en">' in body
    assert "· Scoring" in body and "<summary>Keyboard shortcuts</summary>" in body
    assert "Tab / Shift+Tab: next / previous cell" in body and "Submit for review" in body
    assert 'placeholder="Reason for deduction"' in body  # a cell, rendered in Python
    assert "键盘操作" not in body and "扣分理由" not in body


def test_the_office_sees_the_cycle_and_review_pages_in_english(client_for, cycle):
    client = client_for("office")
    choose(client, "en")
    detail = text(client.get(f"/cycles/{cycle.pk}/"))
    assert "Next step" in detail and "Departments" in detail and "Assessed units" in detail and "Status history" in detail
    review = text(client.get(f"/cycles/{cycle.pk}/review/"))
    assert "<h1>Review" in review and "Assessing department" in review
    audit = text(client.get("/audit/"))
    assert "<h1>Audit trail</h1>" in audit and "Export CSV" in audit


# --- strings from the Python code: choices, form labels, messages, service and API errors --------

def grid_task(cycle):
    """The first of 市委组织部's tasks (scorer and head); its item is worth 2 points."""
    from kaohe.cycles.models import Score

    score = (Score.objects.select_related("node", "unit").filter(cycle=cycle, department__code="swzzb")
             .order_by("node__position", "unit__position").first())
    assert score.node.points == 2
    return score


def test_a_cycles_status_label_follows_the_language(client_for, cycle):
    client = client_for("office")
    assert '<span class="badge cycle-open">评分中</span>' in text(client.get("/cycles/"))
    choose(client, "en", "/cycles/")
    body = text(client.get("/cycles/"))
    assert '<span class="badge cycle-open">Scoring</span>' in body and "评分中" not in body
    detail = text(client.get(f"/cycles/{cycle.pk}/"))
    assert '<span class="badge cycle-open">Scoring</span>' in detail
    assert "Awaiting the head&#x27;s review" not in detail  # nothing submitted yet: every department scores
    assert '<span class="badge submission-draft">Scoring</span>' in detail


@pytest.mark.parametrize(("name", "chinese", "english"), [
    ("office", "考核办管理员", "Office administrator"),
    ("scorer", "考核部门评分人", "Department scorer"),
    ("head", "考核部门负责人", "Department head"),
    ("unit", "被考核单位用户", "Unit user"),
    ("leader", "领导（只读）", "Leader (read-only)"),
])
def test_the_role_in_the_header_follows_the_language(client_for, users, name, chinese, english):
    """The header names the user and their role, once each: the office's demo account is called
    after its role (考核办管理员), and its header says so once, not "考核办管理员 · 考核办管理员"."""
    client = client_for(name)
    who = who_is(text(client.get("/")))
    assert who.startswith(str(users[name])) and who.count(chinese) == 1, who
    choose(client, "en")
    who = who_is(text(client.get("/")))
    assert who.startswith(f"{users[name]} · {english}") and (chinese not in who or chinese == str(users[name])), who


def who_is(body: str) -> str:
    return re.sub(r"<[^>]+>", "", body.split('<div class="who">', 1)[1].split("</span>", 1)[0]).strip()


def test_the_home_to_do_list_is_english(client_for, cycle):
    client = client_for("scorer")
    assert f"{cycle.name}：还有" in text(client.get("/"))
    choose(client, "en")
    body = text(client.get("/"))
    assert f"{cycle.name}: items still to score: " in body and "项待评分" not in body


def test_a_scoring_error_in_the_grid_is_english(client_for, cycle):
    score = grid_task(cycle)
    url = f"/cycles/{cycle.pk}/scores/{score.unit.code}/{score.node.code}/"
    data = {"points": "9", "reason": "", "version": score.version}
    chinese = client_for("scorer").post(url, data, HTTP_HX_REQUEST="true")
    assert chinese.status_code == 422 and "得分必须在0到2分之间。" in chinese.content.decode()
    client = client_for("scorer")
    choose(client, "en", f"/cycles/{cycle.pk}/scoring/")
    response = client.post(url, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    body = response.content.decode()
    assert "The score must be between 0 and 2." in body and "得分必须" not in body
    assert 'placeholder="Reason for deduction"' in body and 'value="9"' in body  # the cell, typed value kept
    # an error without a cell to show is plain text, English too
    other = client_for("scorer2")
    choose(other, "en")
    refused = other.post(url, data, HTTP_HX_REQUEST="true")
    assert refused.status_code == 403
    assert refused.content.decode() == "This item is not scored by your assessing department."


def test_an_api_error_is_english(client_for, cycle):
    score = grid_task(cycle)
    url = f"/api/v1/cycles/{cycle.pk}/scores/{score.unit.code}/{score.node.code}"
    body = json.dumps({"points": "9", "reason": "", "version": score.version})
    chinese = client_for("scorer").put(url, data=body, content_type="application/json")
    assert chinese.status_code == 422 and chinese.json()["message"] == "得分必须在0到2分之间。"
    client = client_for("scorer")
    choose(client, "en")
    response = client.put(url, data=body, content_type="application/json")
    assert response.status_code == 422
    assert response.json() == {"code": "invalid", "message": "The score must be between 0 and 2.",
                               "field": "points"}
    malformed = client.put(url, data="[1]", content_type="application/json")
    assert malformed.status_code == 422
    assert malformed.json()["message"] == "The request body must be a JSON object: {points, reason, version}."
    detail = client.get(f"/api/v1/cycles/{cycle.pk}").json()
    assert detail["status_label"] == "Scoring" and detail["departments"][0]["state_label"] == "Scoring"


def test_a_refused_cycle_step_is_an_english_message(client_for, cycle):
    client = client_for("office")
    choose(client, "en")
    response = client.post(f"/cycles/{cycle.pk}/lock/", follow=True)
    body = text(response)
    assert "Only a cycle in review can be locked." in body and "只有审核中" not in body


def test_form_labels_and_help_texts_are_english(client_for):
    client = client_for("office")
    choose(client, "en")
    form = text(client.get("/cycles/new/"))
    assert ">Scheme</label>" in form and "<legend>Assessed units</legend>" in form
    assert "Greater than 0 and at most 1, with at most 2 decimal places" in form and "大于0" not in form
    audit = text(client.get("/audit/"))
    assert ">Start date</label>" in audit and ">End date</label>" in audit and 'placeholder="Username"' in audit
    refused = text(client.get("/audit/?date_from=2026-02-01&date_to=2026-01-01"))
    assert "The end date cannot be before the start date." in refused


# --- the catalogue -----------------------------------------------------------------------------

@dataclass
class Entry:
    msgid: str
    line: int
    plural: str | None = None
    context: str | None = None
    strings: dict[int, str] = field(default_factory=dict)  # msgstr, or msgstr[n] by n
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False


def unquote(literal: str) -> str:
    """A PO string literal's value (C escapes: \\n, \\t, \\", \\\\)."""
    return ast.literal_eval(literal)


def parse_po(path: Path) -> list[Entry]:
    """The entries of a PO file, the header (msgid "") included. Enough of the format for
    what makemessages writes: comments, flags, msgctxt, msgid, msgid_plural, msgstr[n],
    continuation lines; "#~" obsolete entries are marked as such."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int] | None = None
    flags: set[str] = set()
    keyword = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")\s*$')
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        elif line.startswith("#,"):
            flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if not line or line.startswith("#"):
            continue
        match = keyword.match(line)
        if match:
            name, index, literal = match.groups()
            value = unquote(literal)
            # A new entry starts at msgctxt, or at a msgid that does not follow its msgctxt.
            if name == "msgctxt" or (name == "msgid" and (target is None or target[0] != "context")):
                entry = Entry(msgid="", line=number, flags=flags, obsolete=obsolete)
                entries.append(entry)
                flags = set()
            assert entry is not None, f"{path}:{number}: {name} before msgid"
            if name == "msgctxt":
                entry.context, target = value, ("context", 0)
            elif name == "msgid":
                entry.msgid, entry.line, target = value, number, ("msgid", 0)
            elif name == "msgid_plural":
                entry.plural, target = value, ("plural", 0)
            else:
                n = int(index) if index is not None else 0
                entry.strings[n], target = value, ("msgstr", n)
        elif line.startswith('"') and entry is not None and target is not None:
            value = unquote(line)
            kind, n = target
            if kind == "context":
                entry.context = (entry.context or "") + value
            elif kind == "msgid":
                entry.msgid += value
            elif kind == "plural":
                entry.plural = (entry.plural or "") + value
            else:
                entry.strings[n] += value
        else:
            raise AssertionError(f"{path}:{number}: cannot read {raw!r}")
    return entries


def messages(entries: list[Entry]) -> list[Entry]:
    return [e for e in entries if e.msgid and not e.obsolete]


PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]")


def test_the_po_parser_reads_contexts_plurals_flags_and_continuations(tmp_path):
    po = tmp_path / "t.po"
    po.write_text('msgid ""\nmsgstr ""\n"Language: en\\n"\n\n'
                  '#: a.html:1\n#, fuzzy, python-format\nmsgctxt "nav"\nmsgid "甲%(n)s"\nmsgid_plural ""\n'
                  '"乙%(n)s"\nmsgstr[0] "A %(n)s"\nmsgstr[1] ""\n"B \\"%(n)s\\""\n\n'
                  'msgid "丙"\nmsgstr ""\n\n#~ msgid "旧"\n#~ msgstr "old"\n\nmsgid "丁"\nmsgstr "D"\n',
                  encoding="utf-8")
    header, plural, empty, old, last = parse_po(po)
    assert header.msgid == "" and header.strings == {0: "Language: en\n"}
    assert (plural.context, plural.msgid, plural.plural) == ("nav", "甲%(n)s", "乙%(n)s")
    assert plural.strings == {0: "A %(n)s", 1: 'B "%(n)s"'} and plural.flags == {"fuzzy", "python-format"}
    assert (empty.msgid, empty.strings, empty.flags) == ("丙", {0: ""}, set())
    assert old.obsolete and old.strings == {0: "old"}
    assert not last.obsolete and last.strings == {0: "D"}


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda path: path.name)
def test_the_english_catalogue_translates_every_entry_and_has_nothing_fuzzy(catalogue):
    entries = parse_po(catalogue)
    header = next(e for e in entries if e.msgid == "")
    assert "Language: en\n" in header.strings[0]
    assert "fuzzy" not in header.flags, "the header is marked fuzzy: check it and remove the flag"
    found = messages(entries)
    # the UI: chrome, schemes, cycles, grid, review, sheets, audit, accounts; the grid's script
    assert len(found) > (200 if catalogue == CATALOGUE else 5)
    fuzzy = [e.msgid for e in found if "fuzzy" in e.flags]
    assert not fuzzy, f"fuzzy entries (check them, then remove '#, fuzzy'): {fuzzy}"
    untranslated = [e.msgid for e in found if not e.strings or not all(s.strip() for s in e.strings.values())]
    assert not untranslated, f"untranslated entries in {catalogue}: {untranslated}"
    plurals = [e for e in found if e.plural is not None]
    assert all(sorted(e.strings) == [0, 1] for e in plurals)  # nplurals=2 for English
    assert plurals or catalogue != CATALOGUE
    still_chinese = [e.msgid for e in found if any(re.search(r"[\u4e00-\u9fff]", s) for s in e.strings.values())]
    assert not still_chinese, f"English translations containing Chinese: {still_chinese}"


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda path: path.name)
def test_the_translations_keep_every_placeholder(catalogue):
    for entry in messages(parse_po(catalogue)):
        wanted = sorted(PLACEHOLDER.findall(entry.msgid))
        for n, translated in entry.strings.items():
            assert sorted(PLACEHOLDER.findall(translated)) == wanted, (entry.msgid, n, translated)


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda path: path.name)
def test_the_committed_mo_is_compiled_from_the_committed_po(catalogue):
    compiled_file = catalogue.with_suffix(".mo")
    assert compiled_file.exists(), f"{compiled_file} is missing: run `kaohe compilemessages` from kaohe/"
    with compiled_file.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    expected: dict[object, str] = {}
    for entry in messages(parse_po(catalogue)):
        msgid = entry.msgid if entry.context is None else f"{entry.context}\x04{entry.msgid}"
        if entry.plural is None:
            expected[msgid] = entry.strings[0]
        else:
            expected.update({(msgid, n): s for n, s in entry.strings.items()})
    actual = {key: value for key, value in compiled.items() if key != ""}
    assert actual == expected, f"{compiled_file.name} is out of date with {catalogue.name}: {HOW_TO_UPDATE}"


def marked_in_templates() -> dict[str, str]:
    """Every msgid of {% translate %} / {% blocktranslate %} in the templates, as makemessages
    extracts them (Django's own templatize), with the file that uses it."""
    call = re.compile(r"\b(?:gettext|ngettext|pgettext|npgettext)\(((?:\s*u?'(?:[^'\\]|\\.)*'\s*,?)+)")
    literal = re.compile(r"u?('(?:[^'\\]|\\.)*')")
    found: dict[str, str] = {}
    for path in sorted(TEMPLATES.rglob("*.html")):
        source = templatize(path.read_text(encoding="utf-8"), origin=str(path))
        for match in call.finditer(source):
            strings = [ast.literal_eval(s) for s in literal.findall(match.group(1))]
            keyword = source[match.start():match.start() + 10]
            # pgettext(context, msgid) / npgettext(context, msgid, plural): skip the context
            msgid = strings[1] if keyword.startswith(("pgettext", "npgettext")) else strings[0]
            found.setdefault(msgid, str(path.relative_to(PACKAGE)))
    return found


def marked_in_python() -> dict[str, str]:
    """Every literal msgid passed to gettext & co. in the package's Python code."""
    names = {"_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy",
             "pgettext", "pgettext_lazy", "npgettext", "npgettext_lazy"}
    found: dict[str, str] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            if name not in names:
                continue
            index = 1 if name.startswith(("pgettext", "npgettext")) else 0
            if len(node.args) > index and isinstance(node.args[index], ast.Constant) \
                    and isinstance(node.args[index].value, str):
                found.setdefault(node.args[index].value, f"{path.relative_to(PACKAGE)}:{node.lineno}")
    return found


def test_every_string_marked_for_translation_is_in_the_catalogue():
    catalogue = {e.msgid for e in messages(parse_po(CATALOGUE))}
    in_templates = marked_in_templates()
    assert "待办" in in_templates and "键盘操作" in in_templates  # the extraction itself works
    marked = {**marked_in_python(), **in_templates}
    missing = {msgid: where for msgid, where in marked.items() if msgid not in catalogue}
    assert not missing, f"strings marked for translation but not in {CATALOGUE.name}: {missing}; {HOW_TO_UPDATE}"


def marked_in_scripts() -> dict[str, str]:
    """Every literal msgid passed to gettext()/ngettext() in Kaohe's own scripts."""
    call = re.compile(r"\b(?:gettext|ngettext)\(\s*(\"(?:[^\"\\\\]|\\\\.)*\")")
    found: dict[str, str] = {}
    for path in sorted(SCRIPTS.glob("*.js")):
        for match in call.finditer(path.read_text(encoding="utf-8")):
            found.setdefault(json.loads(match.group(1)), path.name)
    return found


def test_every_string_marked_in_the_scripts_is_in_their_catalogue(client_for):
    catalogue = {e.msgid for e in messages(parse_po(SCRIPTS_CATALOGUE))}
    marked = marked_in_scripts()
    assert "正在保存……还有%s项" in marked  # the extraction itself works
    missing = {msgid: where for msgid, where in marked.items() if msgid not in catalogue}
    assert not missing, f"strings marked in scripts but not in {SCRIPTS_CATALOGUE.name}: {missing}; {HOW_TO_UPDATE}"
    # the pages load the catalogue, in their language
    client = client_for("scorer")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    script = client.get("/i18n/js/?l=en").content.decode()
    assert '"Saving\\u2026 %s left"' in script or '"Saving… %s left"' in script, script[:400]
    assert 'src="/i18n/js/?l=en"' in client.get("/").content.decode()


def test_english_is_offered_and_the_catalogue_is_where_django_looks():
    assert ("en", "English") in settings.LANGUAGES and settings.LANGUAGE_CODE == "zh-hans"
    assert CATALOGUE.parent.parent.parent in [Path(p).resolve() for p in settings.LOCALE_PATHS]
    with translation.override("en"):
        assert translation.gettext("考核周期") == "Cycles"
    with translation.override("zh-hans"):
        assert translation.gettext("考核周期") == "考核周期"
