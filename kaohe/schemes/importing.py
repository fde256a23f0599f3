"""Importing a scheme from an upload: read it (any format `kaohe.formats.load` knows), check that
the database can hold it, and store it as a draft — replacing a draft of the same name only when
asked, never a published scheme. `import_upload` stores nothing unless everything passes; what it
refuses is an `ImportRefused` naming the form field it is about."""

from __future__ import annotations

import dataclasses
import logging
import tempfile
from pathlib import Path
from typing import cast

from django.db import transaction
from django.db.models import CharField
from django.utils.translation import gettext as _

from kaohe.accounts.errors import Refused
from kaohe.core.check import Finding
from kaohe.core.points import format_points
from kaohe.core.scheme import Location, Scheme, title_path
from kaohe.formats.errors import FormatError
from kaohe.formats.load import read_path
from kaohe.formats.result import ReadResult
from kaohe.schemes import store
from kaohe.schemes.forms import Upload
from kaohe.schemes.models import SchemeRecord

log = logging.getLogger(__name__)

MAX_POINTS = 10 ** 6  # DecimalField(max_digits=8, decimal_places=2)


class ImportRefused(Refused):
    """Why an upload was not imported; `field` is the form field it is about ("": the form)."""

    def __init__(self, field: str, message: str):
        super().__init__(Refused.INVALID, message, field)


def _located(location: Location | None, name: str) -> Location | None:
    """The upload's own name in place of the temporary file's path."""
    if location is None or location.file is None:
        return location
    return dataclasses.replace(location, file=name)


def read_upload(upload: Upload) -> ReadResult:
    with tempfile.TemporaryDirectory(prefix="kaohe-upload-") as directory:
        path = Path(directory) / upload.safe_name
        path.write_bytes(upload.data)
        try:
            result = read_path(path)
        except FormatError as error:
            raise FormatError(error.message, _located(error.location, upload.name)) from None
    result.findings = [dataclasses.replace(f, location=_located(f.location, upload.name)) for f in result.findings]
    return result


def storage_problem(scheme: Scheme) -> str | None:
    """What the database columns cannot hold (SQLite would store it, PostgreSQL would refuse it)."""
    for key in ("name", "title", "audience"):
        field = cast(CharField, SchemeRecord._meta.get_field(key))
        limit = field.max_length or 0
        if len(getattr(scheme, key) or "") > limit:
            return _("%(field)s太长：最多%(limit)s个字。") % {"field": field.verbose_name, "limit": limit}
    if not scheme.name.strip():
        return _("指标体系没有名称（name）。")
    if scheme.total >= MAX_POINTS:
        return _("总分%(total)s太大。") % {"total": format_points(scheme.total)}
    for node, parents in scheme.walk_with_parents():
        if node.points is not None and node.points >= MAX_POINTS:
            return _("%(code)s %(path)s：分值%(points)s太大。") % {
                "code": node.code, "path": title_path(parents, node), "points": format_points(node.points)}
    return None


def replaceable(existing: SchemeRecord | None, upload: Upload, replace: bool) -> SchemeRecord | None:
    """The draft an upload may replace: none for a new name; a published name is refused, and a
    draft's name too unless the office ticked "replace"."""
    if existing is None:
        return None
    source = _("文件名") if upload.suffix == ".xlsx" else _("文件中的 name")
    if existing.is_published:
        raise ImportRefused("", _("已有名为“%(name)s”的已发布指标体系，已发布的指标体系不能替换。"
                               "请修改%(source)s，以新名称导入。") % {"name": existing.name, "source": source})
    if not replace:
        raise ImportRefused("replace", _("已有名为“%(name)s”的草稿。要用本文件替换该草稿，请勾选“替换同名草稿”后重新上传；"
                                    "否则请修改%(source)s。") % {"name": existing.name, "source": source})
    return existing


def import_upload(upload: Upload, replace: bool) -> tuple[SchemeRecord, list[Finding]]:
    """Read, check and store the upload as a draft: the record and the readers' findings about the
    file (its checker findings are the record's). ImportRefused when anything fails; nothing is
    stored then."""
    try:
        result = read_upload(upload)
    except FormatError as error:
        raise ImportRefused("file", _("无法读取：%(error)s") % {"error": error}) from None
    except Exception:  # a reader bug must not show a traceback nor store anything
        log.exception("reading the upload %r failed", upload.name)
        raise ImportRefused("file", _("无法读取“%(name)s”：文件内容不符合预期的格式，未导入。") % {"name": upload.name}) from None
    if not result.schemes:
        raise ImportRefused("file", _("“%(name)s”中没有指标体系。") % {"name": upload.name})
    if len(result.schemes) > 1:
        raise ImportRefused("file", _(
            "“%(name)s”含%(n)s个指标体系（%(names)s）。网页一次只导入一个指标体系："
            "请把每个表分别存成一个文件（或用命令 kaohe scheme import 拆分）后逐个导入。") % {
            "name": upload.name, "n": len(result.schemes), "names": _("、").join(s.name for s in result.schemes)})
    scheme = result.schemes[0]
    problem = storage_problem(scheme)
    if problem:
        raise ImportRefused("file", problem)
    try:
        with transaction.atomic():  # lock the draft being replaced, so it cannot be published meanwhile
            existing = SchemeRecord.objects.select_for_update().filter(name=scheme.name).first()
            record, _findings = store.save_scheme(scheme, replace=replaceable(existing, upload, replace))
    except store.SchemeError as error:
        raise ImportRefused("", str(error)) from None
    return record, result.findings
