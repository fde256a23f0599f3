"""The ledger's to-do entries (registered in kaohe.ledger.apps), in at most two queries whatever
the number of cycles and entries:

- scorers and heads: per cycle, the department's entries waiting to be confirmed (heads), sent
  back, and disputes to answer (one query); scored tasks whose ledger changed since they were
  decided (kaohe.ledger.proposals; one query);
- the office: answered disputes to close (one query).
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from kaohe.accounts.models import Role, User
from kaohe.accounts.permissions import department_code, is_office
from kaohe.cycles.access import visible_cycles
from kaohe.ledger.models import Dispute, Entry
from kaohe.ledger.proposals import changed_since_decided
from kaohe.notify.todo import Todo


def ledger_todo(user: User) -> list[Todo]:
    if is_office(user):
        return _office(user)
    code = department_code(user)
    return _department(user, code) if code is not None else []


def _department(user: User, code: str) -> list[Todo]:
    head = user.role == Role.HEAD
    rows = (Entry.objects.filter(cycle__in=visible_cycles(user), department__code=code)
            .filter(Q(state__in=(Entry.State.DRAFT, Entry.State.RETURNED)) | Q(dispute__state=Dispute.State.FILED))
            .values_list("cycle_id", "cycle__name").order_by("cycle_id")
            .annotate(drafts=Count("pk", filter=Q(state=Entry.State.DRAFT)),
                      returned=Count("pk", filter=Q(state=Entry.State.RETURNED)),
                      disputes=Count("pk", filter=Q(dispute__state=Dispute.State.FILED))))
    found: list[Todo] = []
    for pk, name, drafts, returned, disputes in rows:
        if head and drafts:
            found.append(Todo(_("%(cycle)s：%(count)d条台账记录待确认") % {"cycle": name, "count": drafts},
                              f"/cycles/{pk}/ledger/?state=draft"))
        if returned:
            found.append(Todo(_("%(cycle)s：%(count)d条台账记录被退回，待修改") % {"cycle": name, "count": returned},
                              f"/cycles/{pk}/ledger/?state=returned"))
        if disputes:
            found.append(Todo(_("%(cycle)s：%(count)d条台账异议待本部门答复") % {"cycle": name, "count": disputes},
                              f"/cycles/{pk}/ledger/?dispute=filed"))
    counts: dict[tuple[int, str], int] = {}
    for key in changed_since_decided(visible_cycles(user), code).values_list("cycle_id", "cycle__name"):
        counts[key] = counts.get(key, 0) + 1
    found += [Todo(_("%(cycle)s：%(count)d项评分后台账有变化，请查看台账建议") % {"cycle": name, "count": count},
                   f"/cycles/{pk}/ledger/proposals/?changed=1", urgent=True)
              for (pk, name), count in sorted(counts.items())]
    return found


def _office(user: User) -> list[Todo]:
    rows = (Dispute.objects.filter(entry__cycle__in=visible_cycles(user), state=Dispute.State.ANSWERED)
            .values_list("entry__cycle_id", "entry__cycle__name").annotate(n=Count("pk")).order_by("entry__cycle_id"))
    return [Todo(_("%(cycle)s：%(count)d条台账异议已答复，待办结") % {"cycle": name, "count": count},
                 f"/cycles/{pk}/ledger/?dispute=answered") for pk, name, count in rows]
