"""The words of the schemes' audit events (kaohe.audit.vocabulary): import, replacement,
publication and cloning of an indicator system. Registered in SchemesConfig.ready()."""

from __future__ import annotations

from collections.abc import Collection

from django.utils.translation import gettext_lazy as _

from kaohe.audit.vocabulary import Field, actions, key_part, label_of, object_type
from kaohe.schemes.models import SchemeRecord


def scheme_names(pairs: Collection[tuple[int | None, str]]) -> dict[tuple[int | None, str], tuple[str, str]]:
    """A scheme by its name (what its events' keys and fields hold): its title, and the name beside it."""
    titles = dict(SchemeRecord.objects.filter(name__in={v for _c, v in pairs}).values_list("name", "title"))
    return {(cycle_id, name): (titles[name], name) for cycle_id, name in pairs if name in titles}


def register() -> None:
    actions({
        "scheme.import": _("导入指标体系"),
        "scheme.replace": _("替换指标体系草稿"),
        "scheme.publish": _("发布指标体系"),
        "scheme.clone": _("复制指标体系"),
    })
    model = SchemeRecord
    object_type("scheme", SchemeRecord._meta.verbose_name, {
        "name": Field(label_of(model, "name"), identifier=True),
        "errors": label_of(model, "errors"),
        "warnings": label_of(model, "warnings"),
        "status": Field(label_of(model, "status"), choices=dict(SchemeRecord.Status.choices)),
        "warnings_acknowledged": label_of(model, "warnings_acknowledged"),
        "from": Field(_("复制自"), refers="scheme"),
        "year": label_of(model, "year"),
    })
    key_part("scheme", SchemeRecord._meta.verbose_name, scheme_names)
