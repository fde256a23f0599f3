"""The office's forms for users, units and departments. They only collect what a person typed; the
rules are kaohe.accounts.users' and kaohe.directory.records', whose errors become the fields' own."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kaohe.accounts.models import Role, User
from kaohe.formats.roster import MAX_BYTES
from kaohe.orgs.models import Department, Unit
from kaohe.schemes.models import SchemeRecord


class Form(forms.Form):
    """Labels without Django's trailing colon (a Chinese label reads better bare, above its field)."""

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class UserForm(Form):
    username = forms.CharField(label=_("用户名"), max_length=User._meta.get_field("username").max_length,
                               help_text=_("登录时使用：字母、数字和 @.+-_"))
    name = forms.CharField(label=_("姓名"), max_length=User._meta.get_field("last_name").max_length, required=False)
    email = forms.EmailField(label=_("电子邮箱"), required=False, help_text=_("接收通知"))
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    department = forms.ModelChoiceField(label=_("考核部门"), queryset=Department.objects.filter(active=True),
                                        required=False, help_text=_("评分人和部门负责人必填"))
    unit = forms.ModelChoiceField(label=pgettext_lazy("singular", "被考核单位"), queryset=Unit.objects.filter(active=True), required=False,
                                  help_text=_("单位用户必填"))
    password = forms.CharField(label=_("初始密码"), required=False, max_length=128,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                               help_text=_("留空则自动生成一个，保存后只显示一次"))

    def __init__(self, *args: Any, editing: User | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if editing is not None:  # the username stays; the password has its own action
            del self.fields["username"], self.fields["password"]

    def add_errors(self, errors: dict[str, list[str]]) -> None:
        """A UserError's messages, each on its field (the name is `last_name` on the model)."""
        for key, messages in errors.items():
            target = {"last_name": "name"}.get(key, key)
            for message in messages:
                self.add_error(target if target in self.fields else None, message)


class PasswordForm(Form):

    password = forms.CharField(label=_("新密码"), required=False, max_length=128,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                               help_text=_("留空则自动生成一个，只显示一次"))


def scheme_choices() -> list[tuple[str, str]]:
    return [("", "—")] + [(s.name, f"{s.title}（{s.name}）") for s in SchemeRecord.objects.defer("document")]


class UnitForm(Form):
    code = forms.CharField(label=_("编码"), max_length=40, help_text=_("小写字母、数字和连字符；保存后不能修改"))
    name = forms.CharField(label=_("名称"), max_length=100, help_text=_("须与指标体系中的写法一致，否则不能参加考核"))
    category = forms.ChoiceField(label=_("类别"), choices=Unit.CATEGORIES)
    party_organisation = forms.CharField(label=_("党组织类型"), max_length=20, required=False)
    scheme_name = forms.ChoiceField(label=_("默认指标体系"), required=False,  # titles and names: data
                                    widget=forms.Select(attrs={"translate": "no"}))
    position = forms.CharField(label=_("排序"), max_length=9, required=False, help_text=_("整数，越小越靠前"))

    def __init__(self, *args: Any, editing: Unit | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["scheme_name"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = scheme_choices()
        if editing is not None:
            self.fields["code"].disabled = True


class DepartmentForm(Form):
    code = forms.CharField(label=_("编码"), max_length=40, help_text=_("小写字母、数字和连字符；保存后不能修改"))
    name = forms.CharField(label=_("名称"), max_length=100, help_text=_("须与指标体系中的写法一致"))
    position = forms.CharField(label=_("排序"), max_length=9, required=False, help_text=_("整数，越小越靠前"))

    def __init__(self, *args: Any, editing: Department | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if editing is not None:
            self.fields["code"].disabled = True


def add_record_errors(form: forms.Form, errors: dict[str, list[str]]) -> None:
    for key, messages in errors.items():
        for message in messages:
            form.add_error(key if key in form.fields else None, message)


class RosterForm(Form):

    file = forms.FileField(label=_("Excel 文件（.xlsx）"),
                           help_text=format_lazy(_("按模板填写，不超过{mb} MB"), mb=MAX_BYTES // 1024 // 1024))
