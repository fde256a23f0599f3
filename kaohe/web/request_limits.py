"""Every request bounded by the application before its body is read (issue 19).

`RequestLimitMiddleware` comes first in MIDDLEWARE, so it acts before anything reads the body:

- the route decides the kind of request (`UPLOADS`; everything else is `FORM`), and the kind its
  total size (`Limit.total`, from the settings) and how many files it may carry: a body whose
  Content-Length is larger is answered 413 without being read (Django never reads past the
  Content-Length, and reads nothing without one);
- a multipart body is then parsed here, through `BoundedUploadHandler`, which counts the files as
  they arrive and stops at the first one too many, before its content is read; every file is
  streamed to a temporary file (`TemporaryFileUploadHandler`), so the memory a request holds does
  not grow with its files;
- path parameters are checked: an id (`pk`, `…_id`) beyond a 64-bit integer, or any parameter
  holding a control character or a lone surrogate, is 404 — no such object — before any query;
  so is an integer query parameter (`version`, `page`, `per_page`, `…_id`) beyond a 64-bit
  integer; NUL or a lone surrogate in any query or form value is 400 (no database stores NUL, and
  UTF-8 cannot encode a lone surrogate; JSON bodies get the same check in `kaohe.api.body`).

The refusal is JSON `{code, message}` under /api/, a short page elsewhere. The limits are the
same for `make run` (Django's server) and for gunicorn behind nginx: the README's default
installation is as safe as the production one (docs/limits.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from kaohe.formats.gongwen.template import MAX_TEMPLATE_BYTES

MB = 1024 * 1024
CHUNK = 64 * 1024
ENVELOPE = 64 * 1024  # a file upload's form fields, part headers and boundaries
INT64 = 2**63 - 1
_ID = re.compile(r"(^pk$|_id$|^id$)")
_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_NOT_TEXT = re.compile("[\x00\ud800-\udfff]")


@dataclass(frozen=True)
class Limit:
    kind: str
    total: int  # bytes of the whole body
    files: int  # file parts
    shown: int  # the limit people are told: the files' (the form around them is ENVELOPE more)


FORM, SHEET, SCHEME, EVIDENCE, TEMPLATE = "form", "sheet", "scheme", "evidence", "template"
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
INTEGER_QUERY = {"version", "page", "per_page"}  # query parameters the views read as integers

# Routes (as the URL resolver spells them) that take files, and their kind; any other request is
# a FORM (a page's form or an API call's JSON), without files.
UPLOADS = {
    "cycles/<int:pk>/sheet/upload/": SHEET,
    "api/v1/cycles/<cycle_id>/sheet": SHEET,
    "schemes/import/": SCHEME,
    "cycles/<int:pk>/self/<str:unit_code>/evidence/": EVIDENCE,
    "cycles/<int:pk>/objections/new/": EVIDENCE,
    "cycles/<int:pk>/ledger/new/": EVIDENCE,
    "cycles/<int:pk>/ledger/<int:entry_id>/edit/": EVIDENCE,
    "cycles/<int:pk>/ledger/<int:entry_id>/files/": EVIDENCE,
    "cycles/<int:pk>/ledger/<int:entry_id>/dispute/": EVIDENCE,
    "cycles/<int:pk>/ledger/import/": SHEET,
    "api/v1/cycles/<cycle_id>/ledger": EVIDENCE,
    "api/v1/cycles/<cycle_id>/ledger/<entry_id>/dispute": EVIDENCE,
    "api/v1/cycles/<cycle_id>/evidence": EVIDENCE,
    "api/v1/cycles/<cycle_id>/objections": EVIDENCE,
    "results/<int:pk>/templates/": TEMPLATE,
    "directory/import/<slug:kind>/": SHEET,  # a roster of users, units or departments (kaohe.formats.roster)
}


def limits() -> dict[str, Limit]:
    """The limit of each kind, from the settings (docs/limits.md)."""
    form, upload = settings.KAOHE_MAX_FORM_BYTES, settings.MAX_UPLOAD_BYTES
    evidence = settings.KAOHE_MAX_EVIDENCE_REQUEST_MB * MB
    return {
        FORM: Limit(FORM, form, 0, form),
        SHEET: Limit(SHEET, upload + ENVELOPE, 1, upload),
        SCHEME: Limit(SCHEME, upload + ENVELOPE, 1, upload),
        EVIDENCE: Limit(EVIDENCE, evidence + ENVELOPE, settings.KAOHE_MAX_EVIDENCE_FILES_PER_REQUEST, evidence),
        TEMPLATE: Limit(TEMPLATE, MAX_TEMPLATE_BYTES + ENVELOPE, 1, MAX_TEMPLATE_BYTES),
    }


class Refused(Exception):
    def __init__(self, status: int, message: str):
        self.status, self.message = status, message
        super().__init__(message)


class BoundedUploadHandler(TemporaryFileUploadHandler):
    """The one upload handler (FILE_UPLOAD_HANDLERS): every file is spooled to a temporary file,
    and a file part beyond the request's allowance is refused before any of its bytes are read
    (the files spooled so far are closed, so removed, at once)."""

    def __init__(self, request: HttpRequest | None = None):
        super().__init__(request)
        self.spooled: list[TemporaryUploadedFile] = []

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        limit: Limit = getattr(self.request, "kaohe_limit", None) or limits()[FORM]
        if len(self.spooled) >= limit.files:
            for spooled in self.spooled:
                spooled.close()
            if limit.files == 0:
                raise Refused(400, _("这个页面不接受上传文件。"))
            raise Refused(413, _("一次最多上传 %(count)d 个文件，请分批上传。") % {"count": limit.files})
        super().new_file(*args, **kwargs)
        self.spooled.append(self.file)


def _size(n: int) -> str:
    return f"{n / MB:.0f} MB" if n >= MB else f"{n // 1024} KB"


class RequestLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            self.check(request)
        except Refused as refused:
            close_spooled(request)
            discard_in_chunks(request)
            return refusal(request, refused.status, refused.message)
        response = self.get_response(request)
        if "_files" in request.__dict__:
            request.close()  # the spooled files go now, not when (or if) the server closes the response
        return response

    def check(self, request: HttpRequest) -> None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            match = None
        if match is not None:
            check_path_parameters(match.kwargs)
        check_query(request)
        kind = UPLOADS.get(match.route, FORM) if match is not None and request.method == "POST" else FORM
        limit = limits()[kind]
        request.kaohe_limit = limit  # type: ignore[attr-defined]  # read by BoundedUploadHandler
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit.total:
            raise Refused(413, _("请求内容过大（%(size)s，上限 %(limit)s）。") % {
                "size": _size(length), "limit": _size(limit.shown)})
        if request.method == "POST" and request.content_type in FORM_TYPES:
            try:
                fields = request.POST  # parsed here, files through BoundedUploadHandler
            except (TooManyFilesSent, TooManyFieldsSent, RequestDataTooBig):
                raise Refused(413, _("请求的字段或文件过多，或内容过大。")) from None
            except MultiPartParserError:
                raise Refused(400, _("请求内容无法解析（multipart 格式错误）。")) from None
            for name, values in fields.lists():
                if _NOT_TEXT.search(name) or any(_NOT_TEXT.search(value) for value in values):
                    raise Refused(400, _("提交的内容含有无效字符。"))


def check_query(request: HttpRequest) -> None:
    """NUL or a lone surrogate anywhere: 400; an integer parameter beyond a 64-bit integer: 404."""
    for name, values in request.GET.lists():
        if _NOT_TEXT.search(name) or any(_NOT_TEXT.search(value) for value in values):
            raise Refused(400, _("请求参数含有无效字符。"))
        if name in INTEGER_QUERY or _ID.search(name):
            for value in values:
                number = value.strip().lstrip("+-")
                if number.isdecimal() and (len(number) > 19 or int(number) > INT64):
                    raise Refused(404, _("没有这个对象。"))


def check_path_parameters(kwargs: dict[str, object]) -> None:
    """An id beyond a 64-bit integer, or a parameter with a character no text may hold: 404."""
    for name, value in kwargs.items():
        if isinstance(value, int) and not 0 <= value <= INT64:
            raise Refused(404, _("没有这个对象。"))
        if isinstance(value, str):
            if _INVALID.search(value):
                raise Refused(404, _("没有这个对象。"))
            if _ID.search(name) and value.isdecimal() and (len(value) > 19 or int(value) > INT64):
                raise Refused(404, _("没有这个对象。"))


def refusal(request: HttpRequest, status: int, message: str) -> HttpResponse:
    if request.path_info.startswith("/api/"):
        code = {400: "invalid", 404: "not_found", 413: "too_large"}.get(status, "invalid")
        return JsonResponse({"code": code, "message": message}, status=status)
    page = render_to_string("refused.html", {"status": status, "message": message}, request=request)
    return HttpResponse(page, status=status)


def close_spooled(request: HttpRequest) -> None:
    """A refused request's spooled files closed (so removed) now, those a parse broke off in the
    middle of too: Django closes only the files it completed."""
    for handler in request.__dict__.get("_upload_handlers", []):
        for spooled in getattr(handler, "spooled", ()):
            spooled.close()


def discard_in_chunks(request: HttpRequest) -> None:
    """A body refused unread is still drained by Django's development server (`make run`) after
    the response, in one `read()` of everything left: a body that announces 1.4 GB would be held in
    memory whole. Its stream is made to drain in CHUNK pieces instead, so the refusal costs the
    server no memory (gunicorn behind nginx, which buffers and limits the body, never drains)."""
    stream = request.environ.get("wsgi.input")  # type: ignore[attr-defined]  # a WSGIRequest
    read = getattr(stream, "read", None)
    if read is None:
        return

    def drain(size: int | None = -1, /) -> bytes:
        if size is None or size < 0:
            while read(CHUNK):
                pass
            return b""
        return read(size)

    try:
        stream.read = drain  # this request's stream only
    except AttributeError:
        pass
