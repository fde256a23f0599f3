"""`kaohe cycle list [--json]`, and `find_cycle`, how every command names a cycle."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Q

from kaohe.cycles.models import Cycle


def find_cycle(text: str) -> Cycle:
    """The cycle a person names on the command line: by its name, else by its id."""
    cycle = Cycle.objects.filter(name=text).first()
    if cycle is None and text.isdigit():
        cycle = Cycle.objects.filter(pk=int(text)).first()
    if cycle is None:
        raise CommandError(f"没有考核周期“{text}”（请给出编号或名称；kaohe cycle list 列出全部）。")
    return cycle


class Command(BaseCommand):
    help = "考核周期：kaohe cycle list [--json]"

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="列出考核周期")
        listing.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args, **options) -> None:
        cycles = (Cycle.objects.select_related("scheme").order_by("pk")
                  .annotate(tasks=Count("scores"), scored=Count("scores", filter=Q(scores__points__isnull=False))))
        rows = [{"id": c.pk, "name": c.name, "scheme": c.scheme.name, "status": c.status,
                 "scoring_deadline": c.scoring_deadline.isoformat() if c.scoring_deadline else None,
                 "tasks": c.tasks, "scored": c.scored} for c in cycles]
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        for row, cycle in zip(rows, cycles, strict=True):
            self.stdout.write(f"{row['id']}\t{row['name']}\t{cycle.get_status_display()}\t{row['scheme']}\t"
                              f"已评 {row['scored']}/{row['tasks']}")
