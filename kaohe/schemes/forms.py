"""Forms of the scheme pages: upload (checked by size, extension and content), clone, publish, diff.

An upload is never trusted by its name: an `.xlsx` must be a zip archive, a `.yaml` must decode
as text and must not nest deeper than a scheme can (PyYAML's composer recurses per level and
crashes the process on a few hundred thousand nested brackets) nor use aliases (which let a small
file expand into an enormous tree).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kaohe.formats.errors import FormatError
from kaohe.formats.text import decode_bytes
from kaohe.formats.zipped import OLE_MAGIC
from kaohe.schemes.models import SchemeRecord

SUFFIXES = (".xlsx", ".yaml", ".yml")
ZIP_MAGIC = b"PK\x03\x04"
MAX_YAML_DEPTH = 40  # a scheme file nests about a dozen levels deep
NAME_PATTERN = r"^[a-z0-9][a-z0-9-]*$"


@dataclass(frozen=True)
class Upload:
    """An upload that passed the checks: its bytes, its (display) name and its real suffix."""

    name: str
    suffix: str
    data: bytes

    @property
    def safe_name(self) -> str:
        """A file name to write it under in a temporary folder (the xlsx reader names the scheme after it)."""
        stem = Path(self.name.replace("\x00", "")).stem.strip().lstrip(".") or "scheme"
        return f"{stem[:100]}{self.suffix}"


def yaml_shape_problem(text: str) -> str | None:
    """Why this YAML text must not be composed at all, or None. Syntax errors are left to the
    reader, which reports them with their line."""
    depth = 0
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_YAML_DEPTH:
                    line = event.start_mark.line + 1 if event.start_mark else "?"
                    return _("第%(line)s行：嵌套超过%(max)s层，不是指标体系文件的结构") % {
                        "line": line, "max": MAX_YAML_DEPTH}
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            elif isinstance(event, yaml.AliasEvent):
                line = event.start_mark.line + 1 if event.start_mark else "?"
                return _("第%(line)s行：指标体系文件不能使用 YAML 别名（*…）") % {"line": line}
    except yaml.YAMLError:
        return None
    return None


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("指标体系文件"),
                           error_messages={"required": gettext_lazy("请选择要上传的文件。"),
                                           "empty": gettext_lazy("上传的文件是空的（0 字节）。")},
                           widget=forms.ClearableFileInput(attrs={"accept": ",".join(SUFFIXES)}))
    replace = forms.BooleanField(label=gettext_lazy("替换同名草稿"), required=False,
                                 help_text=gettext_lazy("文件中的指标体系名称已有草稿时，用本文件替换该草稿的内容。"))

    def clean_file(self) -> Upload:
        upload = self.cleaned_data["file"]
        name = upload.name or ""
        limit = settings.MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise ValidationError(_("文件太大：%(size)s，上限为%(limit)s。") % {
                "size": filesizeformat(upload.size), "limit": filesizeformat(limit)})
        suffix = Path(name).suffix.lower()
        if suffix not in SUFFIXES:
            raise ValidationError(_("不支持的文件类型“%(suffix)s”：只能上传 .xlsx、.yaml 或 .yml 文件。") % {
                "suffix": suffix or _("无扩展名")})
        data = b"".join(upload.chunks())
        if not data.strip():
            raise ValidationError(_("文件“%(name)s”是空的。") % {"name": name})
        if suffix == ".xlsx":
            if data.startswith(OLE_MAGIC):
                raise ValidationError(_("“%(name)s”是旧版 Excel 97-2003（.xls）文件或加密的工作簿，"
                                        "请在 Excel 中另存为 .xlsx 后再导入。") % {"name": name})
            if not data.startswith(ZIP_MAGIC):
                raise ValidationError(_("“%(name)s”的扩展名是 .xlsx，但内容不是 Excel 工作簿"
                                        "（可能是改了扩展名的文本或其他文件）。") % {"name": name})
        else:
            try:
                text = decode_bytes(data, name)
            except FormatError as error:
                raise ValidationError(_("“%(name)s”的扩展名是 %(suffix)s，但内容不是 YAML 文本：%(why)s。") % {
                    "name": name, "suffix": suffix, "why": error.message}) from None
            problem = yaml_shape_problem(text)
            if problem:
                raise ValidationError(_("%(name)s %(problem)s。") % {"name": name, "problem": problem})
        return Upload(name=name, suffix=suffix, data=data)


class PublishForm(forms.Form):
    acknowledge = forms.BooleanField(required=False)


class CloneForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("新名称"), max_length=SchemeRecord._meta.get_field("name").max_length,
        validators=[RegexValidator(NAME_PATTERN, gettext_lazy("名称只能包含小写字母、数字和连字符，且不能以连字符开头。"))],
    )
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=2000, max_value=2100)

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        if SchemeRecord.objects.filter(name=name).exists():
            raise ValidationError(_("已有名为“%(name)s”的指标体系，请换一个名称。") % {"name": name})
        return name


class DataSelect(forms.Select):
    """A select whose options are data (a scheme's title and file name), not words of the
    interface: each option is marked translate="no", as the catalogue test reads it."""

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        option["attrs"]["translate"] = "no"
        return option


class SchemeChoiceField(forms.ModelChoiceField):
    widget = DataSelect

    def label_from_instance(self, obj: SchemeRecord) -> str:
        return _("%(year)s · %(title)s（%(name)s，%(status)s）") % {
            "year": obj.year, "title": obj.title, "name": obj.name, "status": obj.get_status_display()}


class DiffForm(forms.Form):
    a = SchemeChoiceField(label=gettext_lazy("原指标体系"), queryset=SchemeRecord.objects.all())
    b = SchemeChoiceField(label=gettext_lazy("新指标体系"), queryset=SchemeRecord.objects.all())
