"""The permission matrix: every page and API operation × every role and anonymous, against an
explicit table of what each may do, plus object-level checks (another department's tasks,
another unit's cycle).

The routes are discovered, not listed: the page URLs from the URL resolver of kaohe.web.urls
(without /admin/ and /i18n/), the API operations (method and path) from the API's OpenAPI schema.
Every discovered route must have its entry in EXPECTED — a new URL without one fails
`test_every_route_has_an_entry`, naming it — and every entry must still match a route.

How to add a route: one dict literal in EXPECTED, keyed by the URL's name ("app:name") or, for
the API, by "METHOD /api/v1/path", with "method" (pages only), optional "query"/"data"/"json"/
"file", then the seven roles in ROLES order, each one of:

- OK: allowed — 2xx, or 3xx not to the log-in page, or a 400/409/422 refusal of the (deliberately
  empty or harmless) body: the permission check let the request through;
- LOGIN: anonymous users are sent to log in (302 to the log-in page with ?next=) or get 401 (API);
- DENIED: 403;
- HIDDEN: 404 (someone else's object is not shown at all).

URL parameters are filled from the demo: the county cycle, its scheme, 市委组织部 (swzzb), 偃师市
(yanshi), item 1.2.1.1 (市委组织部's, applicable to 偃师市), a result adjustment and published
version 1 where a route needs them. Each role's request runs in its own savepoint, rolled back,
so a POST by one role does not change what the next one sees.
"""

from __future__ import annotations

import io
import json
import re
from decimal import Decimal
from urllib.parse import urlsplit

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished
from django.db import close_old_connections, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from kaohe.accounts.models import ApiToken
from kaohe.api.urls import api
from kaohe.audit.context import acting_as
from kaohe.cycles import lifecycle
from kaohe.cycles.models import Cycle, CycleUnit, Score
from kaohe.formats.scoring_sheet import SHEET, read_sheet
from kaohe.results import service
from kaohe.schemes.models import SchemeRecord

ROLES = ("anonymous", "office", "scorer", "head", "scorer2", "unit", "leader")
OK, LOGIN, DENIED, HIDDEN = "ok", "login", "forbidden", "notfound"
SKIPPED_PREFIXES = ("admin/", "i18n/")  # Django's own: the admin (office only, by is_staff) and set_language
API_PREFIX = "/api/v1/"

OWN_DEPARTMENT = "swzzb"  # 市委组织部: scorer and head
OTHER_DEPARTMENT = "swxcb"  # 市委宣传部: scorer2
UNIT = "yanshi"  # 偃师市: the unit user
ITEM = "1.2.1.1"  # 市委组织部 scores it for 偃师市 (2 points)
OTHER_ITEM = "2.1.1.1"  # 市委宣传部 scores it for 偃师市
CRITERION = "1.2.1"  # the criterion over ITEM: 偃师市 claims points for it

# fmt: off
EXPECTED: dict[str, dict[str, object]] = {
    # -- accounts ------------------------------------------------------------------------------
    "home": {"method": "GET",
             "anonymous": LOGIN, "office": OK, "scorer": OK, "head": OK, "scorer2": OK, "unit": OK, "leader": OK},
    "overview": {"method": "GET",  # the leaders' overview (issue 14): the office and leaders read it
                 "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED,
                 "unit": DENIED, "leader": OK},
    "login": {"method": "GET",
              "anonymous": OK, "office": OK, "scorer": OK, "head": OK, "scorer2": OK, "unit": OK, "leader": OK},
    "logout": {"method": "POST",
               "anonymous": OK, "office": OK, "scorer": OK, "head": OK, "scorer2": OK, "unit": OK, "leader": OK},
    "password_change": {"method": "GET",
                        "anonymous": LOGIN, "office": OK, "scorer": OK, "head": OK, "scorer2": OK, "unit": OK,
                        "leader": OK},
    "password_change_done": {"method": "GET",
                             "anonymous": LOGIN, "office": OK, "scorer": OK, "head": OK, "scorer2": OK, "unit": OK,
                             "leader": OK},
    # -- the office's own pages for users, units and departments (kaohe.directory): office only
    "directory:users": {"method": "GET",
        "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED, "leader": DENIED},
    "directory:user_create": {"method": "GET",
        "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED, "leader": DENIED},
    "directory:user": {"method": "GET",
        "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED, "leader": DENIED},
    "directory:user_password": {"method": "POST", "data": {"password": ""},
        "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED, "leader": DENIED},
    "directory:user_active": {"method": "POST", "data": {"active": "1"},
        "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED, "leader": DENIED},
    "directory:units": {"method": "GET",
        "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED, "leader": DENIED},
    "directory:units_create": {"method": "GET",
        "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED, "leader": DENIED},
    "directory:units_edit": {"method": "GET",
        "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED, "leader": DENIED},
    "directory:units_active": {"method": "POST", "data": {"active": "1"},
        "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED, "leader": DENIED},
    "directory:departments": {"method": "GET",
        "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED, "leader": DENIED},
    "directory:departments_create": {"method": "GET",
        "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED, "leader": DENIED},
    "directory:departments_edit": {"method": "GET",
        "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED, "leader": DENIED},
    "directory:departments_active": {"method": "POST", "data": {"active": "1"},
        "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED, "leader": DENIED},
    "directory:import": {"method": "GET",
        "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED, "leader": DENIED},
    "directory:template": {"method": "GET",
        "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED, "leader": DENIED},
    # -- schemes: office changes; office, leader, scorers and heads read; unit users nothing ----
    "schemes:list": {"method": "GET",
                     "anonymous": LOGIN, "office": OK, "scorer": OK, "head": OK, "scorer2": OK, "unit": DENIED,
                     "leader": OK},
    "schemes:import": {"method": "GET",
                       "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED,
                       "unit": DENIED, "leader": DENIED},
    "schemes:diff": {"method": "GET",
                     "anonymous": LOGIN, "office": OK, "scorer": OK, "head": OK, "scorer2": OK, "unit": DENIED,
                     "leader": OK},
    "schemes:detail": {"method": "GET",
                       "anonymous": LOGIN, "office": OK, "scorer": OK, "head": OK, "scorer2": OK, "unit": DENIED,
                       "leader": OK},
    "schemes:publish": {"method": "POST",
                        "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED,
                        "unit": DENIED, "leader": DENIED},
    "schemes:clone": {"method": "POST",
                      "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED,
                      "unit": DENIED, "leader": DENIED},
    "schemes:export_xlsx": {"method": "GET",
                            "anonymous": LOGIN, "office": OK, "scorer": OK, "head": OK, "scorer2": OK,
                            "unit": DENIED, "leader": OK},
    "schemes:export_yaml": {"method": "GET",
                            "anonymous": LOGIN, "office": OK, "scorer": OK, "head": OK, "scorer2": OK,
                            "unit": DENIED, "leader": OK},
    "notifications": {"method": "GET",
                      "anonymous": LOGIN, "office": OK, "scorer": OK, "head": OK, "scorer2": OK, "unit": OK,
                      "leader": OK},
    # -- the units' side: self-assessment and evidence (kaohe.claims) -------------------------------
    "claims:overview": {"method": "GET",  # a unit user is sent on to its own
                        "anonymous": LOGIN, "office": OK, "scorer": OK, "head": OK, "scorer2": OK, "unit": OK,
                        "leader": OK},
    "claims:unit": {"method": "GET",
                    "anonymous": LOGIN, "office": OK, "scorer": OK, "head": OK, "scorer2": OK, "unit": OK,
                    "leader": OK},
    "claims:save": {"method": "POST", "data": {"points:1.2.1": "1", "explanation:1.2.1": "", "version:1.2.1": 0},
                    "anonymous": LOGIN, "office": DENIED, "scorer": DENIED, "head": DENIED, "scorer2": DENIED,
                    "unit": OK, "leader": DENIED},
    "claims:submit": {"method": "POST",
                      "anonymous": LOGIN, "office": DENIED, "scorer": DENIED, "head": DENIED, "scorer2": DENIED,
                      "unit": OK, "leader": DENIED},
    "claims:reopen": {"method": "POST", "data": {"reason": "补充"},
                      "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED,
                      "unit": DENIED, "leader": DENIED},
    "claims:upload": {"method": "POST",
                      "anonymous": LOGIN, "office": DENIED, "scorer": DENIED, "head": DENIED, "scorer2": DENIED,
                      "unit": OK, "leader": DENIED},
    "claims:download": {"method": "GET",
                        "anonymous": LOGIN, "office": OK, "scorer": OK, "head": OK, "scorer2": HIDDEN, "unit": OK,
                        "leader": OK},
    "claims:evidence_criteria": {"method": "POST",
                                 "anonymous": LOGIN, "office": DENIED, "scorer": DENIED, "head": DENIED,
                                 "scorer2": HIDDEN, "unit": OK, "leader": DENIED},
    "claims:evidence_delete": {"method": "POST",
                               "anonymous": LOGIN, "office": DENIED, "scorer": DENIED, "head": DENIED,
                               "scorer2": HIDDEN, "unit": OK, "leader": DENIED},
    "claims:settings": {"method": "GET",
                        "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED,
                        "unit": DENIED, "leader": DENIED},
    # -- the unit's scorecard and objections (kaohe.objections) -------------------------------------
    "objections:scorecard": {"method": "GET",  # the office and leaders are sent to the scorecards of all units
                             "anonymous": LOGIN, "office": OK, "scorer": HIDDEN, "head": HIDDEN, "scorer2": HIDDEN,
                             "unit": OK, "leader": OK},
    "objections:list": {"method": "GET",
                        "anonymous": LOGIN, "office": OK, "scorer": OK, "head": OK, "scorer2": OK, "unit": OK,
                        "leader": OK},
    "objections:file": {"method": "POST", "data": {"items": ITEM, "reason": "有误"},
                        "anonymous": LOGIN, "office": DENIED, "scorer": DENIED, "head": DENIED, "scorer2": DENIED,
                        "unit": OK, "leader": DENIED},
    "objections:detail": {"method": "GET",
                          "anonymous": LOGIN, "office": OK, "scorer": OK, "head": OK, "scorer2": HIDDEN, "unit": OK,
                          "leader": OK},
    # the ledger (kaohe.ledger): <entry_id> is a confirmed deduction of 市委组织部 about 偃师市 on ITEM,
    # with a file and the unit's dispute waiting for the department; <task_id> is 偃师市's ITEM
    "ledger:entries": {"method": "GET",
                       "anonymous": LOGIN, "office": OK, "scorer": OK, "head": OK, "scorer2": OK, "unit": OK,
                       "leader": OK},
    "ledger:new": {"method": "GET",
                   "anonymous": LOGIN, "office": DENIED, "scorer": OK, "head": OK, "scorer2": OK, "unit": DENIED,
                   "leader": DENIED},
    "ledger:confirm": {"method": "POST",
                       "anonymous": LOGIN, "office": DENIED, "scorer": DENIED, "head": OK, "scorer2": DENIED,
                       "unit": DENIED, "leader": DENIED},
    "ledger:entry": {"method": "GET",
                     "anonymous": LOGIN, "office": OK, "scorer": OK, "head": OK, "scorer2": HIDDEN, "unit": OK,
                     "leader": OK},
    "ledger:edit": {"method": "GET",
                    "anonymous": LOGIN, "office": DENIED, "scorer": OK, "head": OK, "scorer2": HIDDEN,
                    "unit": DENIED, "leader": DENIED},
    "ledger:attach": {"method": "POST",
                      "anonymous": LOGIN, "office": DENIED, "scorer": OK, "head": OK, "scorer2": HIDDEN,
                      "unit": DENIED, "leader": DENIED},
    "ledger:file": {"method": "GET",
                    "anonymous": LOGIN, "office": OK, "scorer": OK, "head": OK, "scorer2": HIDDEN, "unit": OK,
                    "leader": OK},
    "ledger:send_back": {"method": "POST", "data": {"comment": "请补充依据"},
                         "anonymous": LOGIN, "office": DENIED, "scorer": DENIED, "head": OK, "scorer2": DENIED,
                         "unit": DENIED, "leader": DENIED},
    "ledger:void": {"method": "POST", "data": {"reason": "重复登记"},
                    "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED,
                    "unit": DENIED, "leader": DENIED},
    "ledger:dispute": {"method": "POST", "data": {"reason": "已按时报送"},
                       "anonymous": LOGIN, "office": DENIED, "scorer": DENIED, "head": DENIED, "scorer2": DENIED,
                       "unit": OK, "leader": DENIED},
    "ledger:answer": {"method": "POST", "data": {"decision": "upheld", "answer": "依据充分"},
                      "anonymous": LOGIN, "office": DENIED, "scorer": OK, "head": OK, "scorer2": HIDDEN,
                      "unit": DENIED, "leader": DENIED},
    "ledger:close": {"method": "POST",
                     "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED,
                     "unit": DENIED, "leader": DENIED},
    "ledger:dispute_send_back": {"method": "POST", "data": {"comment": "请再核实"},
                                 "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED,
                                 "scorer2": DENIED, "unit": DENIED, "leader": DENIED},
    "ledger:proposals": {"method": "GET",
                         "anonymous": LOGIN, "office": OK, "scorer": OK, "head": OK, "scorer2": OK,
                         "unit": DENIED, "leader": OK},
    "ledger:accept_cell": {"method": "POST", "data": {"all": "1"},
                           "anonymous": LOGIN, "office": DENIED, "scorer": OK, "head": OK, "scorer2": OK,
                           "unit": DENIED, "leader": DENIED},
    "ledger:task": {"method": "GET",
                    "anonymous": LOGIN, "office": OK, "scorer": OK, "head": OK, "scorer2": DENIED, "unit": DENIED,
                    "leader": OK},
    "ledger:override": {"method": "POST", "data": {"points": "1.5", "reason": "以实地检查为准"},
                        "anonymous": LOGIN, "office": DENIED, "scorer": OK, "head": OK, "scorer2": HIDDEN,
                        "unit": DENIED, "leader": DENIED},
    "ledger:standings": {"method": "GET",
                         "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED,
                         "unit": DENIED, "leader": OK},
    "ledger:standings_xlsx": {"method": "GET",
                              "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED,
                              "unit": DENIED, "leader": OK},
    "ledger:standings_docx": {"method": "GET",
                              "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED,
                              "unit": DENIED, "leader": OK},
    "ledger:standings_notice": {"method": "GET",
                                "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED,
                                "unit": DENIED, "leader": DENIED},
    "ledger:import": {"method": "GET",
                      "anonymous": LOGIN, "office": DENIED, "scorer": OK, "head": OK, "scorer2": OK, "unit": DENIED,
                      "leader": DENIED},
    "ledger:template": {"method": "GET",
                        "anonymous": LOGIN, "office": DENIED, "scorer": OK, "head": OK, "scorer2": OK,
                        "unit": DENIED, "leader": DENIED},
    "ledger:settings": {"method": "POST", "data": {"dispute_days": "10"},
                        "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED,
                        "unit": DENIED, "leader": DENIED},
    "objections:answer": {"method": "POST", "data": {"decision": "upheld", "answer": "依据充分"},
                          "anonymous": LOGIN, "office": DENIED, "scorer": OK, "head": OK, "scorer2": HIDDEN,
                          "unit": DENIED, "leader": DENIED},
    "objections:confirm": {"method": "POST",
                           "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED,
                           "unit": DENIED, "leader": DENIED},
    "objections:send_back": {"method": "POST", "data": {"comment": "请再核实"},
                             "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED,
                             "unit": DENIED, "leader": DENIED},
    # -- cycles: everyone sees the cycles they take part in; changes are the office's ---------
    "cycles:list": {"method": "GET",
                    "anonymous": LOGIN, "office": OK, "scorer": OK, "head": OK, "scorer2": OK, "unit": OK,
                    "leader": OK},
    "cycles:create": {"method": "GET",
                      "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED,
                      "unit": DENIED, "leader": DENIED},
    "cycles:detail": {"method": "GET",
                      "anonymous": LOGIN, "office": OK, "scorer": OK, "head": OK, "scorer2": OK, "unit": OK,
                      "leader": OK},
    "cycles:open": {"method": "POST",
                    "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED,
                    "unit": DENIED, "leader": DENIED},
    "cycles:start_review": {"method": "POST",
                            "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED,
                            "unit": DENIED, "leader": DENIED},
    "cycles:lock": {"method": "POST",
                    "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED,
                    "unit": DENIED, "leader": DENIED},
    "cycles:reopen": {"method": "POST",
                      "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED,
                      "unit": DENIED, "leader": DENIED},
    "cycles:review": {"method": "GET",
                      "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED,
                      "unit": DENIED, "leader": DENIED},
    "cycles:review_lock": {"method": "POST",
                           "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED,
                           "unit": DENIED, "leader": DENIED},
    "cycles:review_lock_approved": {"method": "POST",
                                    "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED,
                                    "scorer2": DENIED, "unit": DENIED, "leader": DENIED},
    "cycles:unscored": {"method": "GET",
                        "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED,
                        "unit": DENIED, "leader": DENIED},
    "cycles:review_return": {"method": "POST", "data": {"comment": "请核对"},
                             "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED,
                             "unit": DENIED, "leader": DENIED},
    "cycles:review_reopen": {"method": "POST", "data": {"reason": "复核"},
                             "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED,
                             "unit": DENIED, "leader": DENIED},
    # -- the grid: scorers and heads their own department; office and leaders read any --------
    "cycles:scoring": {"method": "GET",
                       "anonymous": LOGIN, "office": OK, "scorer": OK, "head": OK, "scorer2": OK, "unit": DENIED,
                       "leader": OK},
    # item 1.2.1.1 is 市委组织部's: scorer2 (市委宣传部) may not save it
    "cycles:save_score": {"method": "POST", "data": {"points": "", "reason": "", "version": "{version}"},
                          "anonymous": LOGIN, "office": DENIED, "scorer": OK, "head": OK, "scorer2": DENIED,
                          "unit": DENIED, "leader": DENIED},
    "cycles:submit": {"method": "POST",
                      "anonymous": LOGIN, "office": DENIED, "scorer": OK, "head": OK, "scorer2": OK, "unit": DENIED,
                      "leader": DENIED},
    "cycles:approve": {"method": "POST",
                       "anonymous": LOGIN, "office": DENIED, "scorer": DENIED, "head": OK, "scorer2": DENIED,
                       "unit": DENIED, "leader": DENIED},
    "cycles:send_back": {"method": "POST", "data": {"comment": "请修改"},
                         "anonymous": LOGIN, "office": DENIED, "scorer": DENIED, "head": OK, "scorer2": DENIED,
                         "unit": DENIED, "leader": DENIED},
    # scorer2 asking for 市委组织部 gets its own department's sheet (see the object-level test)
    "cycles:sheet_download": {"method": "GET", "query": {"department": OWN_DEPARTMENT},
                              "anonymous": LOGIN, "office": OK, "scorer": OK, "head": OK, "scorer2": OK,
                              "unit": DENIED, "leader": DENIED},
    "cycles:sheet_upload": {"method": "GET",
                            "anonymous": LOGIN, "office": DENIED, "scorer": OK, "head": OK, "scorer2": OK,
                            "unit": DENIED, "leader": DENIED},
    # -- audit: the office only -----------------------------------------------------------------
    "audit:list": {"method": "GET",
                   "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED,
                   "unit": DENIED, "leader": DENIED},
    "audit:export_csv": {"method": "GET",
                         "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED,
                         "unit": DENIED, "leader": DENIED},
    "audit:export_xlsx": {"method": "GET",
                          "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED,
                          "unit": DENIED, "leader": DENIED},
    # -- results: the office and leaders read; the office changes --------------------------------
    "results:page": {"method": "GET",
                     "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED,
                     "unit": DENIED, "leader": OK},
    "results:settings": {"method": "POST",
                         "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED,
                         "unit": DENIED, "leader": DENIED},
    "results:add_adjustment": {"method": "POST",
                               "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED,
                               "scorer2": DENIED, "unit": DENIED, "leader": DENIED},
    "results:delete_adjustment": {"method": "POST",
                                  "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED,
                                  "scorer2": DENIED, "unit": DENIED, "leader": DENIED},
    "results:components": {"method": "POST",
                           "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED,
                           "unit": DENIED, "leader": DENIED},
    "results:publish": {"method": "POST",
                        "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED,
                        "unit": DENIED, "leader": DENIED},
    "results:snapshot": {"method": "GET",
                         "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED,
                         "unit": DENIED, "leader": OK},
    "results:export": {"method": "GET",
                       "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED,
                       "unit": DENIED, "leader": OK},
    "results:dashboard": {"method": "GET",
                          "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED,
                          "unit": DENIED, "leader": OK},
    "results:consistency": {"method": "GET",
                            "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED,
                            "unit": DENIED, "leader": OK},
    "results:scorecards": {"method": "GET",
                           "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED,
                           "unit": DENIED, "leader": OK},
    "results:scorecard": {"method": "GET",
                          "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED,
                          "unit": DENIED, "leader": OK},
    "results:changes": {"method": "GET",
                        "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED,
                        "unit": DENIED, "leader": OK},
    # -- official documents (issue 15): the notice, downloads of a version, templates ------------------
    "results:notice": {"method": "GET",
                       "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED,
                       "unit": DENIED, "leader": DENIED},
    "results:version_download": {"method": "GET",
                                 "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED,
                                 "scorer2": DENIED, "unit": DENIED, "leader": OK},
    "results:scorecard_file": {"method": "GET",
                               "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED,
                               "scorer2": DENIED, "unit": DENIED, "leader": OK},
    "results:templates": {"method": "GET",
                          "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED,
                          "unit": DENIED, "leader": DENIED},
    "results:template_file": {"method": "GET",
                              "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED,
                              "scorer2": DENIED, "unit": DENIED, "leader": DENIED},
    "results:template_reset": {"method": "POST", "data": {"kind": "notice", "scope": "cycle"},
                               "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED,
                               "scorer2": DENIED, "unit": DENIED, "leader": DENIED},
    "objections:scorecard_pdf": {"method": "GET",  # the unit's own published scorecard: none is published here
                                 "anonymous": LOGIN, "office": HIDDEN, "scorer": HIDDEN, "head": HIDDEN,
                                 "scorer2": HIDDEN, "unit": HIDDEN, "leader": HIDDEN},
    "schemes:export_pdf": {"method": "GET",
                           "anonymous": LOGIN, "office": OK, "scorer": OK, "head": OK, "scorer2": OK,
                           "unit": DENIED, "leader": OK},
    "GET /api/v1/cycles/{cycle_id}/results/{version}/notice": {  # leaders read the notice's details
        "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED,
        "leader": OK},
    "PUT /api/v1/cycles/{cycle_id}/results/{version}/notice": {"json": {"number": "洛党建〔2019〕1号"},
        "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED,
        "leader": DENIED},
    "GET /api/v1/cycles/{cycle_id}/results/{version}/{name}": {
        "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED,
        "leader": OK},
    "GET /api/v1/cycles/{cycle_id}/scorecards.pdf": {
        "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED,
        "leader": OK},
    "GET /api/v1/cycles/{cycle_id}/scorecard.pdf": {  # a unit's own (none published here); 404 for other roles
        "anonymous": LOGIN, "office": HIDDEN, "scorer": HIDDEN, "head": HIDDEN, "scorer2": HIDDEN, "unit": HIDDEN,
        "leader": HIDDEN},
    # -- the API's own pages: the schema and its docs are public (they describe, they hold no data)
    "api:openapi-json": {"method": "GET",
                         "anonymous": OK, "office": OK, "scorer": OK, "head": OK, "scorer2": OK, "unit": OK,
                         "leader": OK},
    "api:openapi-view": {"method": "GET",
                         "anonymous": OK, "office": OK, "scorer": OK, "head": OK, "scorer2": OK, "unit": OK,
                         "leader": OK},
    "api:api-root": {"method": "GET",
                     "anonymous": HIDDEN, "office": HIDDEN, "scorer": HIDDEN, "head": HIDDEN, "scorer2": HIDDEN,
                     "unit": HIDDEN, "leader": HIDDEN},
    # -- the API (bearer tokens; anonymous: no token) ------------------------------------------
    "GET /api/v1/ping": {
        "anonymous": LOGIN, "office": OK, "scorer": OK, "head": OK, "scorer2": OK, "unit": OK, "leader": OK},
    "GET /api/v1/cycles": {
        "anonymous": LOGIN, "office": OK, "scorer": OK, "head": OK, "scorer2": OK, "unit": OK, "leader": OK},
    "GET /api/v1/cycles/{cycle_id}": {
        "anonymous": LOGIN, "office": OK, "scorer": OK, "head": OK, "scorer2": OK, "unit": OK, "leader": OK},
    "GET /api/v1/cycles/{cycle_id}/tasks": {"query": {"department": OWN_DEPARTMENT},
        "anonymous": LOGIN, "office": OK, "scorer": OK, "head": OK, "scorer2": DENIED, "unit": DENIED,
        "leader": OK},
    "PUT /api/v1/cycles/{cycle_id}/scores/{unit_code}/{item_code}": {
        "json": {"points": None, "reason": "", "version": "{version}"},
        "anonymous": LOGIN, "office": DENIED, "scorer": OK, "head": OK, "scorer2": DENIED, "unit": DENIED,
        "leader": DENIED},
    "POST /api/v1/cycles/{cycle_id}/submission/submit": {
        "anonymous": LOGIN, "office": DENIED, "scorer": OK, "head": OK, "scorer2": OK, "unit": DENIED,
        "leader": DENIED},
    "POST /api/v1/cycles/{cycle_id}/submission/approve": {
        "anonymous": LOGIN, "office": DENIED, "scorer": DENIED, "head": OK, "scorer2": DENIED, "unit": DENIED,
        "leader": DENIED},
    "POST /api/v1/cycles/{cycle_id}/submission/send-back": {"json": {"comment": "请修改"},
        "anonymous": LOGIN, "office": DENIED, "scorer": DENIED, "head": OK, "scorer2": DENIED, "unit": DENIED,
        "leader": DENIED},
    "POST /api/v1/cycles/{cycle_id}/departments/{code}/return": {"json": {"comment": "请核对"},
        "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED,
        "leader": DENIED},
    # -- the cycle's life (kaohe.api.lifecycle): the office; its status for the office and leaders
    "POST /api/v1/cycles": {"json": {"name": "权限测试周期", "scheme": "luoyang-2018-county", "units": ["yanshi"]},
        "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED,
        "leader": DENIED},
    "POST /api/v1/cycles/{cycle_id}/open": {
        "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED,
        "leader": DENIED},
    "POST /api/v1/cycles/{cycle_id}/start-review": {
        "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED,
        "leader": DENIED},
    "POST /api/v1/cycles/{cycle_id}/lock": {
        "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED,
        "leader": DENIED},
    "POST /api/v1/cycles/{cycle_id}/reopen": {"json": {"reason": "复核"},
        "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED,
        "leader": DENIED},
    "POST /api/v1/cycles/{cycle_id}/departments/lock-approved": {
        "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED,
        "leader": DENIED},
    "GET /api/v1/cycles/{cycle_id}/status": {
        "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED,
        "leader": OK},
    "POST /api/v1/cycles/{cycle_id}/results/publish": {"json": {},
        "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED,
        "leader": DENIED},
    "POST /api/v1/cycles/{cycle_id}/departments/{code}/lock": {
        "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED,
        "leader": DENIED},
    "POST /api/v1/cycles/{cycle_id}/departments/{code}/reopen": {"json": {"reason": "复核"},
        "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED,
        "leader": DENIED},
    "GET /api/v1/cycles/{cycle_id}/sheet": {
        "anonymous": LOGIN, "office": DENIED, "scorer": OK, "head": OK, "scorer2": OK, "unit": DENIED,
        "leader": DENIED},
    "POST /api/v1/cycles/{cycle_id}/sheet": {"file": ("sheet.xlsx", b"not a workbook"),
        "anonymous": LOGIN, "office": DENIED, "scorer": OK, "head": OK, "scorer2": OK, "unit": DENIED,
        "leader": DENIED},
    # -- the units' side (kaohe.claims, kaohe.objections): the unit writes its own; the office, leaders and
    # the cycle's departments read; a department reads evidence and objections of the items it scores ----
    "GET /api/v1/cycles/{cycle_id}/self-assessment": {"query": {"unit": UNIT},
        "anonymous": LOGIN, "office": OK, "scorer": OK, "head": OK, "scorer2": OK, "unit": OK, "leader": OK},
    "PUT /api/v1/cycles/{cycle_id}/self-assessment/claims/{code}": {"query": {"unit": UNIT},
        "json": {"points": "1", "explanation": "", "version": 0},
        "anonymous": LOGIN, "office": DENIED, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": OK,
        "leader": DENIED},
    "POST /api/v1/cycles/{cycle_id}/self-assessment/claims": {"query": {"unit": UNIT},
        "json": {"claims": [{"code": CRITERION, "points": "1", "explanation": "", "version": 0}]},
        "anonymous": LOGIN, "office": DENIED, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": OK,
        "leader": DENIED},
    "POST /api/v1/cycles/{cycle_id}/self-assessment/submit": {"query": {"unit": UNIT},
        "anonymous": LOGIN, "office": DENIED, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": OK,
        "leader": DENIED},
    "POST /api/v1/cycles/{cycle_id}/self-assessment/reopen": {"query": {"unit": UNIT}, "json": {"reason": "补充"},
        "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED,
        "leader": DENIED},
    "GET /api/v1/cycles/{cycle_id}/evidence": {
        "anonymous": LOGIN, "office": OK, "scorer": OK, "head": OK, "scorer2": OK, "unit": OK, "leader": OK},
    "POST /api/v1/cycles/{cycle_id}/evidence": {"query": {"unit": UNIT}, "file": ("证明.pdf", b"%PDF-1.4\n%%EOF\n"),
        "anonymous": LOGIN, "office": DENIED, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": OK,
        "leader": DENIED},
    "GET /api/v1/cycles/{cycle_id}/evidence/{evidence_id}/file": {
        "anonymous": LOGIN, "office": OK, "scorer": OK, "head": OK, "scorer2": HIDDEN, "unit": OK, "leader": OK},
    "PUT /api/v1/cycles/{cycle_id}/evidence/{evidence_id}/criteria": {"json": {"criteria": []},
        "anonymous": LOGIN, "office": DENIED, "scorer": DENIED, "head": DENIED, "scorer2": HIDDEN, "unit": OK,
        "leader": DENIED},
    "DELETE /api/v1/cycles/{cycle_id}/evidence/{evidence_id}": {
        "anonymous": LOGIN, "office": DENIED, "scorer": DENIED, "head": DENIED, "scorer2": HIDDEN, "unit": OK,
        "leader": DENIED},
    # the unit's own published scorecard (nothing is published in this world: the unit gets 404)
    "GET /api/v1/cycles/{cycle_id}/scorecard": {
        "anonymous": LOGIN, "office": DENIED, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": HIDDEN,
        "leader": DENIED},
    "GET /api/v1/cycles/{cycle_id}/objections": {
        "anonymous": LOGIN, "office": OK, "scorer": OK, "head": OK, "scorer2": OK, "unit": OK, "leader": OK},
    "POST /api/v1/cycles/{cycle_id}/objections": {"json": {"items": [ITEM], "reason": "有误"},
        "anonymous": LOGIN, "office": DENIED, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": OK,
        "leader": DENIED},
    "GET /api/v1/cycles/{cycle_id}/objections/{objection_id}": {
        "anonymous": LOGIN, "office": OK, "scorer": OK, "head": OK, "scorer2": HIDDEN, "unit": OK, "leader": OK},
    "POST /api/v1/cycles/{cycle_id}/objections/{objection_id}/items/{code}/answer": {
        "json": {"decision": "upheld", "reason": "依据充分"},
        "anonymous": LOGIN, "office": DENIED, "scorer": OK, "head": OK, "scorer2": HIDDEN, "unit": DENIED,
        "leader": DENIED},
    "POST /api/v1/cycles/{cycle_id}/objections/{objection_id}/confirm": {
        "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED,
        "leader": DENIED},
    "POST /api/v1/cycles/{cycle_id}/objections/{objection_id}/send-back": {"json": {"comment": "请再核实"},
        "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED,
        "leader": DENIED},
    # the ledger: <entry_id> as for the pages (confirmed, with a file, disputed by the unit)
    "GET /api/v1/cycles/{cycle_id}/ledger": {
        "anonymous": LOGIN, "office": OK, "scorer": OK, "head": OK, "scorer2": OK, "unit": OK, "leader": OK},
    "POST /api/v1/cycles/{cycle_id}/ledger": {
        "json": {"unit": UNIT, "item": ITEM, "kind": "deduction", "date": "2018-03-12", "points": "0.5",
                 "reason": "未按时报送"},
        "anonymous": LOGIN, "office": DENIED, "scorer": OK, "head": OK, "scorer2": OK, "unit": DENIED,
        "leader": DENIED},
    "GET /api/v1/cycles/{cycle_id}/ledger/{entry_id}": {
        "anonymous": LOGIN, "office": OK, "scorer": OK, "head": OK, "scorer2": HIDDEN, "unit": OK, "leader": OK},
    "POST /api/v1/cycles/{cycle_id}/ledger/{entry_id}/confirm": {
        "anonymous": LOGIN, "office": DENIED, "scorer": DENIED, "head": OK, "scorer2": DENIED, "unit": DENIED,
        "leader": DENIED},
    "POST /api/v1/cycles/{cycle_id}/ledger/{entry_id}/send-back": {"json": {"comment": "请补充"},
        "anonymous": LOGIN, "office": DENIED, "scorer": DENIED, "head": OK, "scorer2": DENIED, "unit": DENIED,
        "leader": DENIED},
    "POST /api/v1/cycles/{cycle_id}/ledger/{entry_id}/void": {"json": {"reason": "重复"},
        "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED,
        "leader": DENIED},
    "POST /api/v1/cycles/{cycle_id}/ledger/{entry_id}/dispute": {"json": {"reason": "已按时报送"},
        "anonymous": LOGIN, "office": DENIED, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": OK,
        "leader": DENIED},
    "POST /api/v1/cycles/{cycle_id}/ledger/{entry_id}/answer": {"json": {"decision": "upheld", "reason": "属实"},
        "anonymous": LOGIN, "office": DENIED, "scorer": OK, "head": OK, "scorer2": HIDDEN, "unit": DENIED,
        "leader": DENIED},
    "POST /api/v1/cycles/{cycle_id}/ledger/{entry_id}/close": {
        "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED,
        "leader": DENIED},
    "POST /api/v1/cycles/{cycle_id}/ledger/{entry_id}/dispute-send-back": {"json": {"comment": "请再核实"},
        "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED,
        "leader": DENIED},
    "POST /api/v1/cycles/{cycle_id}/ledger/accept": {"json": {"all": True},
        "anonymous": LOGIN, "office": DENIED, "scorer": OK, "head": OK, "scorer2": OK, "unit": DENIED,
        "leader": DENIED},
    "POST /api/v1/cycles/{cycle_id}/ledger/override": {
        "json": {"unit": UNIT, "item": ITEM, "points": "2", "reason": "经复核", "version": "{version}"},
        "anonymous": LOGIN, "office": DENIED, "scorer": OK, "head": OK, "scorer2": HIDDEN, "unit": DENIED,
        "leader": DENIED},
    "GET /api/v1/cycles/{cycle_id}/results": {
        "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED,
        "leader": OK},
    # -- the 民主测评 (kaohe.survey): the office manages; leaders read results; a unit its own row once
    # published; raters vote without an account. The survey here is closed and published (_survey).
    "survey:list": {"method": "GET",
                    "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED,
                    "unit": DENIED, "leader": OK},
    "survey:create": {"method": "POST", "data": {"cycle": "{cycle_id}"}, "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED, "leader": DENIED},
    "survey:detail": {"method": "GET", "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED, "leader": DENIED},
    "survey:edit": {"method": "GET", "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED, "leader": DENIED},
    "survey:codes": {"method": "POST", "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED, "leader": DENIED},
    "survey:void": {"method": "POST", "data": {"serials": "1"}, "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED, "leader": DENIED},
    "survey:slips": {"method": "GET", "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED, "leader": DENIED},
    "survey:window": {"method": "POST", "data": {"action": "close"}, "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED, "leader": DENIED},
    "survey:publish": {"method": "POST", "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED, "leader": DENIED},
    "survey:results": {"method": "GET",
                       "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED,
                       "unit": OK, "leader": OK},
    "vote:vote": {"method": "GET",
                  "anonymous": OK, "office": OK, "scorer": OK, "head": OK, "scorer2": OK, "unit": OK, "leader": OK},
    "vote:ballot": {"method": "POST",
                    "anonymous": OK, "office": OK, "scorer": OK, "head": OK, "scorer2": OK, "unit": OK, "leader": OK},
    "GET /api/v1/surveys": {
        "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED,
        "leader": OK},
    "POST /api/v1/surveys": {
        "json": {"cycle": "{cycle_id}", "name": "权限测评", "opens_at": "2026-12-10T09:00:00+08:00",
                 "closes_at": "2026-12-10T10:00:00+08:00", "groups": [{"name": "甲", "weight": "1", "codes": 5}]},
        "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED, "leader": DENIED},
    "GET /api/v1/surveys/{survey_id}": {"anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED, "leader": DENIED},
    "POST /api/v1/surveys/{survey_id}/groups/{group_id}/codes": {"anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED, "leader": DENIED},
    "POST /api/v1/surveys/{survey_id}/groups/{group_id}/void": {"json": {"serials": [1]}, "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED, "leader": DENIED},
    "GET /api/v1/surveys/{survey_id}/groups/{group_id}/slips.pdf": {"anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED, "leader": DENIED},
    "POST /api/v1/surveys/{survey_id}/close": {"anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED, "leader": DENIED},
    "GET /api/v1/surveys/{survey_id}/results": {
        "anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": OK,
        "leader": OK},
    "POST /api/v1/surveys/{survey_id}/publish": {"anonymous": LOGIN, "office": OK, "scorer": DENIED, "head": DENIED, "scorer2": DENIED, "unit": DENIED, "leader": DENIED},
}
# fmt: on

PAGE_KEYS = {"method", "query", "data"}
API_KEYS = {"query", "json", "file"}
METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


# -- discovering the routes ----------------------------------------------------------------------

def _walk(patterns: list, prefix: str = "", namespace: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), namespace + (pattern.name or "")


def _as_api_path(route: str) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def api_operations() -> dict[str, str]:
    """'METHOD /api/v1/path' → operation id, from the API's OpenAPI schema."""
    schema = api.get_openapi_schema()
    return {f"{method.upper()} {path}": operation.get("operationId", "")
            for path, operations in schema["paths"].items() for method, operation in operations.items()}


def page_routes() -> dict[str, str]:
    """URL name (or the route itself when unnamed) → route, for every page of kaohe.web.urls."""
    api_paths = {key.split(" ", 1)[1] for key in api_operations()}
    routes: dict[str, str] = {}
    for route, name in _walk(get_resolver("kaohe.web.urls").url_patterns):
        if route.startswith(SKIPPED_PREFIXES) or _as_api_path(route) in api_paths:
            continue
        routes[name or route] = route
    return routes


def discovered() -> list[str]:
    return sorted(page_routes()) + sorted(api_operations())


# -- the world the requests run in ---------------------------------------------------------------

@pytest.fixture(autouse=True)
def _evidence_dir(settings, tmp_path):
    settings.EVIDENCE_DIR = tmp_path / "evidence"  # uploads made by the requests go to a temporary folder


@pytest.fixture
def world(db, users, cycle):
    """URL parameters and the request bodies' placeholders, from the demo. A new kind of URL
    parameter gets its value here (or, when it needs an object made first, in `_parameters`)."""
    score = Score.objects.get(cycle=cycle, unit__code=UNIT, node__code=ITEM)
    return {"cycle_id": cycle.pk, "scheme": cycle.scheme_id, "code": OWN_DEPARTMENT, "unit_code": UNIT,
            "item_code": ITEM, "version": score.version, "kind": "ranking", "quarter": 1}


def _published_version(cycle: Cycle, office) -> int:
    """Publish version 1 (the cycle is locked for it, then opened again so scoring routes behave
    as in an open cycle)."""
    status = cycle.status
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.LOCKED)
    cycle.refresh_from_db()
    with acting_as(office):
        snapshot = service.publish(cycle, office, confirm_incomplete=True)
    Cycle.objects.filter(pk=cycle.pk).update(status=status)
    return snapshot.version


def _evidence(cycle: Cycle, users: dict) -> int:
    """A file of 偃师市 for CRITERION (which 市委组织部 scores)."""
    from kaohe.claims import rules

    return rules.upload_evidence(users["unit"], cycle, UNIT, [("证明.pdf", b"%PDF-1.4\n%%EOF\n")], [CRITERION])[0].pk


def _objection(cycle: Cycle, users: dict) -> int:
    """An objection of 偃师市 to ITEM (which 市委组织部 scored), waiting for the department."""
    from kaohe.objections.models import Objection, ObjectionItem

    objection = Objection.objects.create(cycle=cycle, unit=CycleUnit.objects.get(cycle=cycle, code=UNIT), version=1,
                                         reason="有误", filed_by=users["unit"])
    ObjectionItem.objects.create(objection=objection, score=Score.objects.get(cycle=cycle, unit__code=UNIT,
                                                                              node__code=ITEM))
    return objection.pk


def _ledger_entry(cycle: Cycle, users: dict):
    """A confirmed deduction of 市委组织部 about 偃师市 on ITEM, with a file, disputed by the unit."""
    from kaohe.ledger import rules

    entry = rules.record(users["scorer"], cycle, rules.Typed(UNIT, ITEM, "deduction", f"{cycle.scheme.year}-03-12",
                                                             "0.5", "未按时报送", "洛督〔2018〕12号"),
                         [("通报.pdf", b"%PDF-1.4\n%%EOF\n")])
    rules.confirm(users["head"], cycle, [entry.pk])
    rules.dispute(users["unit"], cycle, entry.pk, "已按时报送")
    return entry


def _survey(cycle: Cycle, users: dict) -> int:
    """A closed, published survey of the cycle rating 偃师市, its codes made (one used)."""
    from datetime import timedelta

    from django.utils import timezone

    from kaohe.core.survey import DEFAULT_OPTIONS
    from kaohe.survey import codes, outcome, voting
    from kaohe.survey.definition import GroupInput, QuestionInput, SurveyInput, save_survey
    from kaohe.survey.models import Survey

    now = timezone.now()
    with acting_as(users["office"]):
        survey = save_survey(cycle, users["office"], SurveyInput(
            name="权限矩阵测评", opens_at=now - timedelta(hours=1), closes_at=now + timedelta(hours=1),
            groups=[GroupInput("甲", Decimal(1), 3)], questions=[QuestionInput("总体评价", Decimal(1), DEFAULT_OPTIONS)],
            targets=[UNIT]))
        group = survey.groups.get()
        codes.add_codes(group)
        voting.cast(group.codes.first().code, {f"a:{UNIT}:q1": "0"}, None)
        Survey.objects.filter(pk=survey.pk).update(closes_at=now - timedelta(minutes=1))
        survey.refresh_from_db()
        outcome.publish(survey, users["office"])
    return survey.pk


def _parameters(route: str, world: dict, cycle: Cycle, users: dict) -> dict[str, object]:
    names = re.findall(r"<(?:\w+:)?(\w+)>", route)
    values: dict[str, object] = {}
    for name in names:
        if (name == "pk" and route.startswith("surveys/")) or name == "survey_id":
            values[name] = _survey(cycle, users)
        elif name in ("group", "group_id"):
            from kaohe.survey.models import RaterGroup

            values[name] = RaterGroup.objects.filter(survey__cycle=cycle).values_list("pk", flat=True).first()
        elif name == "pk" and route.startswith("directory/"):  # a user the office manages
            values[name] = users["leader"].pk
        elif name == "kind" and route.startswith("directory/"):
            values[name] = "units"
        elif name == "code" and route.startswith("directory/units/"):
            values[name] = UNIT
        elif name == "pk":
            values[name] = world["scheme"] if route.startswith("schemes/") else world["cycle_id"]
        elif name == "kind" and "/templates/" in route:  # a Word template
            values[name] = "notice"
        elif name == "which":
            values[name] = "default"
        elif name == "suffix":
            values[name] = "xlsx" if "/v/" in route else "docx"
        elif name == "name":  # a published version's file through the API
            values[name] = "ranking.xlsx"
        elif name == "version":
            values[name] = _published_version(cycle, users["office"])
        elif name == "adjustment":
            with acting_as(users["office"]):
                values[name] = service.add_adjustment(cycle, users["office"], UNIT, "bonus", Decimal(1), "表彰").pk
        elif name == "code" and "claims/" in route:  # a criterion of the unit, scored by 市委组织部
            values[name] = CRITERION
        elif name == "code" and "items/" in route:  # an item of the objection
            values[name] = ITEM
        elif name == "evidence_id":
            values[name] = _evidence(cycle, users)
        elif name == "objection_id":
            values[name] = _objection(cycle, users)
        elif name in ("entry_id", "file_id"):
            entry = values.get("_entry") or _ledger_entry(cycle, users)
            values["_entry"] = entry
            values[name] = entry.pk if name == "entry_id" else entry.evidence.get().pk
        elif name == "task_id":
            values[name] = Score.objects.get(cycle=cycle, unit__code=UNIT, node__code=ITEM).pk
        elif name in world:
            values[name] = world[name]
        else:
            pytest.fail(f"no value for the URL parameter <{name}> of {route}: add one to `world` or `_parameters`")
    values.pop("_entry", None)
    return values


def _fill(value: object, world: dict) -> object:
    if isinstance(value, str):
        filled = value.format(**world)
        return int(filled) if value == "{version}" else filled
    if isinstance(value, dict):
        return {key: _fill(item, world) for key, item in value.items()}
    return value


def outcome(response, api_call: bool) -> str:
    status = response.status_code
    if status >= 500:
        return f"server error {status}"
    if api_call and status == 401:
        return LOGIN
    if status in (301, 302, 303, 307, 308):
        target = urlsplit(response["Location"])
        if target.path == reverse("login") and "next=" in target.query:
            return LOGIN
        return OK
    if status == 403:
        return DENIED
    if status == 404:
        return HIDDEN
    if status in (401, 405):
        return f"status {status}"
    return OK


def close_response(response) -> None:
    """Close a response (a file download holds a temporary file until then) without the
    request_finished signal closing the test's database connection, as the test client does."""
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(users):
    return {name: ApiToken.issue(user)[1] for name, user in users.items()}


def _request(role: str, key: str, entry: dict, url: str, world: dict, users: dict, tokens: dict):
    client = Client()
    if key.split(" ", 1)[0] in METHODS:  # an API operation: a bearer token
        method, _path = key.split(" ", 1)
        headers = {} if role == "anonymous" else {"HTTP_AUTHORIZATION": f"Bearer {tokens[role]}"}
        query = entry.get("query")
        if query:
            url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
        if "file" in entry:
            name, content = entry["file"]
            return client.post(url, {"file": SimpleUploadedFile(name, content)}, **headers)
        body = json.dumps(_fill(entry.get("json", {}), world))
        return client.generic(method, url, body, content_type="application/json", **headers)
    if role != "anonymous":
        client.force_login(users[role])
    if entry["method"] == "GET":
        return client.get(url, entry.get("query", {}))
    return client.post(url, _fill(entry.get("data", {}), world))


# -- the tests -----------------------------------------------------------------------------------

def test_every_route_has_an_entry():
    missing = [key for key in discovered() if key not in EXPECTED]
    assert not missing, ("routes without an entry in EXPECTED (add one dict per route with the expected "
                         f"outcome for each of {ROLES}): {missing}")


def test_every_entry_is_a_route_and_names_every_role_in_order():
    known = set(discovered())
    stale = [key for key in EXPECTED if key not in known]
    assert not stale, f"entries in EXPECTED for routes that no longer exist: {stale}"
    for key, entry in EXPECTED.items():
        roles = tuple(name for name in entry if name in ROLES)
        assert roles == ROLES, f"{key}: roles must be {ROLES}, in that order; got {roles}"
        options = set(entry) - set(ROLES)
        allowed = API_KEYS if key.split(" ", 1)[0] in METHODS else PAGE_KEYS
        assert options <= allowed, f"{key}: unknown keys {options - allowed}"
        assert {entry[role] for role in ROLES} <= {OK, LOGIN, DENIED, HIDDEN}, key
        if allowed is PAGE_KEYS:
            assert entry.get("method") in METHODS, f"{key}: needs a method"


@pytest.mark.parametrize("key", discovered())
def test_route_outcome_per_role(key, world, cycle, users, tokens):
    if key not in EXPECTED:
        pytest.fail(f"{key} has no entry in EXPECTED")
    entry = EXPECTED[key]
    routes = page_routes()
    if key in routes:
        parameters = _parameters(routes[key], world, cycle, users)
        url = "/" + routes[key] if key == routes[key] else reverse(key, kwargs=parameters)
    else:
        path = key.split(" ", 1)[1]
        parameters = _parameters(path.replace("{", "<").replace("}", ">"), world, cycle, users)
        url = path.format(**parameters)
    got: dict[str, str] = {}
    for role in ROLES:
        with transaction.atomic():
            response = _request(role, key, entry, url, world, users, tokens)
            got[role] = outcome(response, key not in routes)
            close_response(response)
            transaction.set_rollback(True)
    wrong = {role: f"expected {entry[role]}, got {got[role]}" for role in ROLES if got[role] != entry[role]}
    assert not wrong, f"{key} ({url}): {wrong}"


# -- object level: another department's tasks ----------------------------------------------------

def _score(cycle: Cycle, unit: str, item: str) -> Score:
    return Score.objects.get(cycle=cycle, unit__code=unit, node__code=item)


def test_a_scorer_cannot_read_another_departments_tasks(client_for, cycle, tokens):
    scorer2 = client_for("scorer2")
    grid = scorer2.get(f"/cycles/{cycle.pk}/scoring/", {"department": OWN_DEPARTMENT})
    assert grid.status_code == 403
    own_grid = scorer2.get(f"/cycles/{cycle.pk}/scoring/").content.decode()
    assert f"/scores/{UNIT}/{OTHER_ITEM}/" in own_grid and f"/scores/{UNIT}/{ITEM}/" not in own_grid

    sheet = scorer2.get(f"/cycles/{cycle.pk}/sheet.xlsx", {"department": OWN_DEPARTMENT})
    assert sheet.status_code == 200
    disposition = sheet["Content-Disposition"]
    assert "%E5%AE%A3%E4%BC%A0" in disposition or "宣传" in disposition  # 市委宣传部's own sheet
    assert "%E7%BB%84%E7%BB%87" not in disposition and "组织" not in disposition

    api = Client()
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {tokens['scorer2']}"}
    for query in (f"department={OWN_DEPARTMENT}", f"unit={UNIT}&item={ITEM}&department={OWN_DEPARTMENT}"):
        response = api.get(f"/api/v1/cycles/{cycle.pk}/tasks?{query}", **bearer)
        assert response.status_code == 403, query
    mine = api.get(f"/api/v1/cycles/{cycle.pk}/tasks?item={ITEM}", **bearer).json()
    assert mine == []  # narrowing its own list to another department's item shows nothing
    own_sheet = api.get(f"/api/v1/cycles/{cycle.pk}/sheet", **bearer)["Content-Disposition"]
    assert "%E7%BB%84%E7%BB%87" not in own_sheet and "组织" not in own_sheet


def test_a_scorer_cannot_write_another_departments_tasks(client_for, cycle, tokens, users):
    before = _score(cycle, UNIT, ITEM)
    body = {"points": "1", "reason": "篡改", "version": str(before.version)}
    response = client_for("scorer2").post(f"/cycles/{cycle.pk}/scores/{UNIT}/{ITEM}/", body, HTTP_HX_REQUEST="true")
    assert response.status_code == 403

    api = Client()
    response = api.put(f"/api/v1/cycles/{cycle.pk}/scores/{UNIT}/{ITEM}",
                       json.dumps({"points": "1", "reason": "篡改", "version": before.version}),
                       content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {tokens['scorer2']}")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"

    # a sheet of 市委组织部, downloaded by its scorer and filled in, uploaded by scorer2
    sheet = client_for("scorer").get(f"/cycles/{cycle.pk}/sheet.xlsx").content
    cell = next(c for c in read_sheet(sheet, "sheet.xlsx").cells if (c.unit_code, c.item_code) == (UNIT, ITEM))
    workbook = openpyxl.load_workbook(io.BytesIO(sheet))
    workbook[SHEET][cell.points_cell.split("!")[1]] = 1
    workbook[SHEET][cell.reason_cell.split("!")[1]] = "篡改"
    buffer = io.BytesIO()
    workbook.save(buffer)
    filled = buffer.getvalue()
    page = client_for("scorer2").post(f"/cycles/{cycle.pk}/sheet/upload/",
                                      {"file": SimpleUploadedFile("组织部.xlsx", filled)})
    assert page.status_code == 200 and "市委组织部" in page.content.decode()
    response = api.post(f"/api/v1/cycles/{cycle.pk}/sheet", {"file": SimpleUploadedFile("组织部.xlsx", filled)},
                        HTTP_AUTHORIZATION=f"Bearer {tokens['scorer2']}")
    assert response.status_code == 422 and response.json()["errors"]

    after = _score(cycle, UNIT, ITEM)
    assert (after.points, after.reason, after.version) == (before.points, before.reason, before.version)


# -- object level: another unit's cycle ----------------------------------------------------------

@pytest.fixture
def other_cycle(users):
    """An open cycle that 偃师市 does not take part in."""
    scheme = SchemeRecord.objects.get(name="luoyang-2018-county")
    with acting_as(users["office"]):
        other = lifecycle.create_cycle(name="孟津县专项考核", scheme=scheme, unit_codes=["mengjin"],
                                       created_by=users["office"])
        lifecycle.open_cycle(other)
    return other


def test_a_unit_user_cannot_reach_another_units_cycle_by_changing_ids(client_for, other_cycle, cycle, tokens):
    unit = client_for("unit")
    pk = other_cycle.pk
    for url in (f"/cycles/{pk}/", f"/cycles/{pk}/scoring/", f"/cycles/{pk}/sheet.xlsx",
                f"/cycles/{pk}/sheet/upload/"):
        assert unit.get(url).status_code in (403, 404), url
    assert unit.get(f"/cycles/{pk}/").status_code == 404
    assert other_cycle.name not in unit.get("/cycles/").content.decode()
    assert other_cycle.name not in unit.get("/").content.decode()
    for url in (f"/results/{pk}/", f"/results/{pk}/scorecard/mengjin/", f"/results/{pk}/scorecards/",
                f"/results/{cycle.pk}/scorecard/mengjin/", f"/results/{cycle.pk}/scorecard/{UNIT}/"):
        assert unit.get(url).status_code == 403, url  # results are not the unit's to read at all

    api = Client()
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {tokens['unit']}"}
    assert api.get(f"/api/v1/cycles/{pk}", **bearer).status_code == 404
    for path in ("tasks", "sheet", "results"):
        assert api.get(f"/api/v1/cycles/{pk}/{path}", **bearer).status_code in (403, 404), path
    listed = [c["id"] for c in api.get("/api/v1/cycles", **bearer).json()]
    assert cycle.pk in listed and pk not in listed
    # the unit's own cycle shows no department's progress or comments through the API
    assert api.get(f"/api/v1/cycles/{cycle.pk}", **bearer).json()["departments"] == []
    for path in (f"tasks?unit={UNIT}", f"tasks?department={OWN_DEPARTMENT}&unit={UNIT}"):
        assert api.get(f"/api/v1/cycles/{cycle.pk}/{path}", **bearer).status_code == 403, path
