"""The words of the operations' audit events (kaohe.audit.vocabulary): backups written and
restored by `kaohe backup` and `kaohe restore`. Registered in OpsConfig.ready()."""

from __future__ import annotations

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from kaohe.audit.vocabulary import Field, actions, object_type


def register() -> None:
    actions({"backup.create": _("写出备份"), "backup.restore": _("从备份恢复")})
    object_type("backup", _("备份"), {
        "rows": _("数据行数"),
        "evidence": _("佐证材料文件数"),
        "size": Field(_("大小"), choices=lambda v: filesizeformat(v) if isinstance(v, int) else None),
        "sha256": Field("SHA-256", identifier=True),
        "created_at": _("备份时间"),
        "kaohe_version": Field(_("Kaohe 版本"), identifier=True),
        "database_vendor": Field(_("数据库"), identifier=True),
    })
