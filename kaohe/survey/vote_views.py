"""The voting page, for raters without an account, on a phone.

GET /vote/ shows a field for the code. The slip's QR code opens /vote/#CODE: the part after `#`
never leaves the phone, and the page's script moves it into the form, removes it from the address
bar and sends it in the body of a POST — so no URL, access log or browser history holds a code.
POST /vote/ with the code shows the ballot (the code rides along as a hidden field); POST
/vote/ballot/ casts it (kaohe.survey.voting.cast) and shows the thanks page, which names no code.
Every answer carries `Cache-Control: no-store`.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from kaohe.audit.middleware import client_address
from kaohe.core.survey import ABSTAIN, field_name, format_code
from kaohe.survey.refusals import Refused
from kaohe.survey.voting import Found, cast, find

MAX_FIELDS = 1200  # a ballot's answer fields: targets × questions is at most 1000


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"  # the ballot page holds the code: never kept in a cache
    return response


def _code_page(request: HttpRequest, error: Refused | None = None, code: str = "") -> HttpResponse:
    status = error.status if error is not None else 200
    return _private(render(request, "survey/vote_code.html", {"error": error, "code": code}, status=status))


def _ballot_page(request: HttpRequest, found: Found, error: Refused | None = None) -> HttpResponse:
    definition = found.definition
    chosen = request.POST if error is not None else {}
    rows = []
    for target in definition.targets:
        questions = []
        for question in definition.questions:
            name = field_name(target.code, question.key)
            questions.append({"name": name, "text": question.text, "value": chosen.get(name, ""),
                              "options": [(str(i), o.label) for i, o in enumerate(question.options)]})
        rows.append({"target": target, "questions": questions})
    return _private(render(request, "survey/vote_ballot.html", {
        "survey": found.survey, "group": found.group, "definition": definition, "rows": rows,
        "code": format_code(found.code), "error": error, "abstain": ABSTAIN,
        "single": len(definition.questions) == 1,
    }, status=error.status if error is not None else 200))


@never_cache
@require_http_methods(["GET", "POST"])
def vote(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _code_page(request)
    try:
        found = find(request.POST.get("code", ""), client_address(request))
    except Refused as refused:
        return _code_page(request, refused)
    return _ballot_page(request, found)


@never_cache
@require_POST
def ballot(request: HttpRequest) -> HttpResponse:
    text = request.POST.get("code", "")
    fields = {key: str(request.POST.get(key, "")) for key in request.POST if key.startswith("a:")}
    if len(fields) > MAX_FIELDS:
        return _code_page(request, Refused(_("选票过大。"), status=400))
    try:
        survey = cast(text, fields, client_address(request))
    except Refused as refused:
        if refused.keep_code:
            try:  # the ballot was refused, not the code: show the ballot again with the reasons
                return _ballot_page(request, find(text, client_address(request)), refused)
            except Refused as later:
                refused = later
        return _code_page(request, refused)
    return _private(render(request, "survey/vote_done.html", {"survey": survey}))


urlpatterns = [
    path("", vote, name="vote"),
    path("ballot/", ballot, name="ballot"),
]
