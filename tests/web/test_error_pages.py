"""The site's own error pages (kaohe.web.errors): 400, 403, 404, 405 and 500 in the site's frame and
the user's language, with a way back; plain readable text for htmx; the 500 page without the
database or the user; a refused CSRF token explained."""

from __future__ import annotations

import re
import sys
import types

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.test import Client, RequestFactory
from django.urls import path
from django.utils.functional import SimpleLazyObject

from kaohe.results import service
from kaohe.web import errors


def in_language(client: Client, language: str) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def nav(body: str) -> str:
    return body.split("<nav>", 1)[1].split("</nav>", 1)[0] if "<nav>" in body else ""


def visible(body: str) -> str:
    body = re.sub(r"<(script|style)\b.*?</\1>", "", body, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())


@pytest.fixture
def published(cycle, users):
    """The demo cycle locked and published twice (a changes page exists for version 2)."""
    from kaohe.audit.context import acting_as
    from kaohe.cycles.models import Cycle

    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.LOCKED)
    cycle.refresh_from_db()
    with acting_as(users["office"]):
        service.publish(cycle, users["office"], confirm_incomplete=True)
        service.add_adjustment(cycle, users["office"], "yanshi", "bonus", service.Decimal(1), "表彰")
        service.publish(cycle, users["office"], confirm_incomplete=True)
    return cycle


@pytest.mark.parametrize(("language", "title", "home", "words"), [
    ("zh-hans", "无权访问", "回到首页", ["待办", "考核周期", "偃师市用户"]),
    ("en", "Access denied", "Go to the home page", ["To do", "Cycles", "偃师市用户"]),
])
def test_a_unit_opening_a_page_it_may_not_see_gets_the_sites_403_page(client_for, published, language, title,
                                                                      home, words):
    client = in_language(client_for("unit"), language)
    response = client.get(f"/results/{published.pk}/v/2/changes/", HTTP_REFERER="http://testserver/")
    assert response.status_code == 403
    body = response.content.decode()
    assert f'<html lang="{language}">' in body and f"<h1>{title}</h1>" in body
    assert all(word in nav(body) or word in body for word in words)  # the frame: navigation, the user
    assert '<a class="button" href="/">' + home in body  # a way back
    assert 'href="http://testserver/"' in body  # and back where they came from
    assert "Forbidden" not in visible(body) or language == "en" and "403 Forbidden" not in body


@pytest.mark.parametrize(("language", "title", "general"), [
    ("zh-hans", "页面不存在", "您要打开的页面不存在"), ("en", "Page not found", "The page you asked for does not exist")])
def test_an_unknown_address_gets_the_sites_404_page_without_djangos_words(client_for, cycle, language, title,
                                                                           general):
    client = in_language(client_for("scorer"), language)
    for url in ["/no-such-page/", "/cycles/999999/", "/schemes/999999/"]:
        response = client.get(url)
        body = response.content.decode()
        assert response.status_code == 404 and f"<h1>{title}</h1>" in body and general in body, url
        assert "No Cycle matches" not in body and "not found on this server" not in body
        assert nav(body) and '<a class="button" href="/">' in body


def test_a_message_of_kaohes_own_is_shown_on_the_403_page(client_for, cycle):
    # scorer2 (市委宣传部) asking for 市委组织部's grid: the grid says why
    body = client_for("scorer2").get(f"/cycles/{cycle.pk}/scoring/?department=swzzb").content.decode()
    assert "<h1>无权访问</h1>" in body and "您只能查看本部门的评分。" in body


def test_an_anonymous_visitor_gets_the_frame_without_navigation(client_for):
    body = client_for(None).get("/no-such-page/").content.decode()
    assert "<h1>页面不存在</h1>" in body and not nav(body) and "考核 Kaohe" in body


def test_a_post_only_address_opened_in_the_browser_gets_a_page_not_a_blank(client_for, cycle):
    response = client_for("office").get(f"/cycles/{cycle.pk}/lock/")
    assert response.status_code == 405 and response["Allow"] == "POST"
    body = response.content.decode()
    assert "<h1>不能这样打开</h1>" in body and "只接受表单提交" in body and nav(body)


@pytest.mark.parametrize(("language", "text"), [("zh-hans", "无权访问："), ("en", "Access denied: ")])
def test_htmx_gets_the_refusal_as_plain_readable_text(client_for, published, language, text):
    client = in_language(client_for("unit"), language)
    response = client.get(f"/results/{published.pk}/v/2/changes/", HTTP_HX_REQUEST="true")
    assert response.status_code == 403 and response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode().startswith(text) and "<" not in response.content.decode()


def test_a_form_sent_with_a_stale_token_is_explained(users):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["office"])
    response = client.post("/accounts/logout/", {"csrfmiddlewaretoken": "stale"})
    body = response.content.decode()
    assert response.status_code == 403 and "页面已过期" in body and "CSRF" not in visible(body)


def test_the_500_page_needs_neither_the_database_nor_the_user():
    """Without the `db` fixture any query fails this test, and the user and session refuse to be read."""

    def no_user() -> object:
        raise AssertionError("the 500 page asked for the user")

    request = RequestFactory().get("/somewhere/")
    request.user = SimpleLazyObject(no_user)
    request.session = SimpleLazyObject(no_user)
    response = errors.server_error(request)
    body = response.content.decode()
    assert response.status_code == 500 and "<h1>服务器出错</h1>" in body and "错误已记入日志" in body
    assert 'href="/"' in body and "考核 Kaohe" in body and not nav(body)


def _boom(request: HttpRequest) -> None:
    raise RuntimeError("boom")


def _forbidden(request: HttpRequest) -> None:
    raise PermissionDenied


@pytest.fixture
def failing_site(settings):
    """kaohe.web.urls with a page that fails, as the site's urlconf (its handlers included)."""
    from kaohe.web import urls

    module = types.ModuleType("kaohe_failing_urls")
    module.urlpatterns = [path("boom/", _boom), path("forbidden/", _forbidden), *urls.urlpatterns]
    for name in ("handler400", "handler403", "handler404", "handler500"):
        setattr(module, name, getattr(urls, name))
    sys.modules[module.__name__] = module
    settings.ROOT_URLCONF = module.__name__
    yield
    del sys.modules[module.__name__]


@pytest.mark.parametrize(("language", "title"), [("zh-hans", "服务器出错"), ("en", "Server error")])
def test_a_failing_page_gets_the_500_page_in_the_users_language(failing_site, users, language, title):
    client = Client(raise_request_exception=False)
    client.force_login(users["office"])
    in_language(client, language)
    response = client.get("/boom/")
    body = response.content.decode()
    assert response.status_code == 500 and f"<h1>{title}</h1>" in body and "RuntimeError" not in body
    htmx = client.get("/boom/", HTTP_HX_REQUEST="true")
    assert htmx.status_code == 500 and htmx["Content-Type"].startswith("text/plain")
    assert htmx.content.decode().startswith(title)


def test_the_language_menu_names_each_language_in_its_own_words(client_for):
    for language in ("zh-hans", "en"):
        body = in_language(client_for("office"), language).get("/").content.decode()
        menu = body.split('name="language"', 1)[1].split("</select>", 1)[0]
        assert 'lang="en"' in menu and ">English</option>" in menu
        assert 'lang="zh-hans"' in menu and ">简体中文</option>" in menu
        assert "英语" not in menu and "Simplified Chinese" not in menu
