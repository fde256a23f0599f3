"""The Django admin stays for the office as a fallback, and where it shows it is in Chinese: the
log-in protection (django-axes) by name, permissions in words rather than "Can add API 令牌", and
the two-list selector's help ("选中左侧的权限…") — English third-party strings translated in
kaohe/locale/zh_Hans, permissions named by kaohe.accounts.admin."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission

from kaohe.accounts.admin import permission_label


def shown(body: str) -> str:
    body = re.sub(r"<(script|style)\b.*?</\1>", "", body, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())


@pytest.mark.parametrize("url", ["/admin/", "/admin/auth/group/add/", "/admin/accounts/user/{office}/change/",
                                 "/admin/axes/accessattempt/", "/admin/axes/accesslog/"])
def test_the_admin_pages_the_office_opens_are_in_chinese(client_for, users, url):
    response = client_for("office").get(url.format(office=users["office"].pk))
    assert response.status_code == 200
    text = shown(response.content.decode())
    for english in ("Access attempts", "Access failures", "Access logs", "Can add", "Can change", "Axes",
                    "Choose", "IP Address", "User Agent"):
        assert english not in text, (url, english)


def test_the_admin_index_names_the_log_in_protection(client_for):
    text = shown(client_for("office").get("/admin/").content.decode())
    assert "登录保护" in text and "登录尝试" in text and "登录失败" in text and "登录日志" in text


def test_permissions_read_in_words_in_both_languages(db, settings):
    from django.utils import translation

    permission = Permission.objects.select_related("content_type").get(codename="add_apitoken")
    with translation.override("zh-hans"):
        assert permission_label(permission) == "账号 | API 令牌 | 可增加API 令牌"
    with translation.override("en"):
        assert permission_label(permission) == "Accounts | API token | Can add API token"
    custom = Permission(codename="publish_results", name="发布结果", content_type=permission.content_type)
    with translation.override("zh-hans"):
        assert permission_label(custom).endswith("| 发布结果")


def test_the_admins_scripts_speak_chinese(client_for):
    script = client_for("office").get("/admin/jsi18n/").content.decode()
    assert "\\u9009\\u4e2d\\u5de6\\u4fa7" in script or "选中左侧" in script  # 选中左侧的%s，然后点击“选择”箭头按钮。
    assert "\\u9009\\u62e9\\u5168\\u90e8" in script or "选择全部" in script


def test_the_user_page_says_a_password_is_set_and_never_shows_its_hash(client_for, users):
    text = shown(client_for("office").get(f"/admin/accounts/user/{users['scorer'].pk}/change/").content.decode())
    assert "已设置密码。" in text and "重置密码" in text
    for part in ("pbkdf2", "算法", "盐", "哈希", users["scorer"].password[-12:]):
        assert part not in text, part
