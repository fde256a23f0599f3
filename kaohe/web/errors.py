"""The site's own error pages: 400, 403, 404, 405 and 500 (and a refused CSRF token) in the site's
frame, in the user's language, with a way back. Django calls the handlers named in kaohe.web.urls;
`ErrorPageMiddleware` gives a 4xx answer that a view left empty (`require_POST`'s 405) the same
page. An htmx request gets the message as plain text, which the page's scripts show in place.

A message given with the exception (`raise PermissionDenied(_("您只能查看本部门的评分。"))`) is
shown when Kaohe's own code raised it; Django's own messages ("No Cycle matches the given query.")
are for developers and are replaced by the page's general text.

The 500 page is rendered without the request's context: no user, no database, no session, so it
renders when those are what failed.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


def _texts() -> dict[int, tuple[str, str]]:
    """status → (title, what it means for the user), in the active language."""
    return {
        400: (_("请求有误"), _("页面收到的数据不完整或格式不对。请返回上一页，刷新后重试。")),
        403: (_("无权访问"), _("您的账号无权打开这个页面或执行这项操作。如需访问，请联系考核办。")),
        404: (_("页面不存在"), _("您要打开的页面不存在，可能已被删除，或者链接有误。")),
        405: (_("不能这样打开"), _("这个地址只接受表单提交，不能直接打开。请返回上一页，用页面上的按钮操作。")),
        500: (_("服务器出错"), _("服务器处理这个请求时出错，错误已记入日志。请稍后重试；如果一再出现，请联系考核办。")),
    }


def _own_message(exception: BaseException | None) -> str:
    """The exception's message when Kaohe's own code raised it with one; else ""."""
    if exception is None or not exception.args or not isinstance(exception.args[0], str):
        return ""
    traceback = exception.__traceback__
    if traceback is None:
        return ""
    while traceback.tb_next is not None:
        traceback = traceback.tb_next
    module = traceback.tb_frame.f_globals.get("__name__", "")
    return str(exception.args[0]) if module.startswith("kaohe.") else ""


def _back(request: HttpRequest) -> str:
    """Where "返回上一页" goes: the page the user came from, if it is on this site."""
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure()):
        return referer
    return ""


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _plain(status: int, title: str, message: str) -> HttpResponse:
    text = _("%(title)s：%(message)s") % {"title": title, "message": message} if message else title
    return HttpResponse(text, status=status,
                        content_type="text/plain; charset=utf-8")


def error_page(request: HttpRequest, status: int, message: str = "") -> HttpResponse:
    """The page for `status` in the site's frame (the header with the user's navigation)."""
    title, general = _texts()[status]
    if _is_htmx(request):
        return _plain(status, title, message or general)
    context: dict[str, Any] = {"status": status, "title": title, "message": message or general,
                               "general": general if message else "", "back": _back(request),
                               "path": request.path}
    try:
        content = loader.render_to_string("errors/page.html", context, request)
    except Exception:  # the frame needs the database (the header's unread count): fall back to the bare frame
        logger.exception("the %s page could not be rendered in the site's frame", status)
        content = loader.render_to_string("errors/500.html", context)
    return HttpResponse(content, status=status)


def bad_request(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    return error_page(request, 400, _own_message(exception))


def permission_denied(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    return error_page(request, 403, _own_message(exception))


def page_not_found(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    return error_page(request, 404, _own_message(exception))


def server_error(request: HttpRequest) -> HttpResponse:
    """Without the request's context: no user, session or database is touched."""
    title, message = _texts()[500]
    if _is_htmx(request):
        return _plain(500, title, message)
    context = {"status": 500, "title": title, "message": message, "general": "", "back": "", "path": request.path}
    return HttpResponse(loader.render_to_string("errors/500.html", context), status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without its valid token: most often a page left open until the session ended."""
    return error_page(request, 403, _("页面已过期或表单已失效，请刷新页面（必要时重新登录）后再提交。"))


class ErrorPageMiddleware:
    """A 4xx answer without a body (`require_POST`'s 405, a bare HttpResponseForbidden) gets the
    site's page for its status instead of an empty one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (response.status_code in (400, 403, 404, 405) and not response.streaming
                and not response.content and not request.path.startswith("/api/")):
            page = error_page(request, response.status_code)
            if response.has_header("Allow"):
                page["Allow"] = response["Allow"]
            return page
        return response
