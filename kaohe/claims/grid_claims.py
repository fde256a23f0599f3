"""The units' claims beside the scoring grid's cells (registered with
kaohe.cycles.grid.data.show_claims_from in kaohe.claims.apps): for the page's units, each claim's
points and explanation and the evidence files attached to its criterion, keyed by (criterion node,
unit). Two queries, whatever the number of units."""

from __future__ import annotations

from django.urls import reverse

from kaohe.claims.models import Claim, Evidence
from kaohe.core.points import format_points
from kaohe.cycles.grid.data import Claim as GridClaim
from kaohe.cycles.models import Cycle


def page_claims(cycle: Cycle, units: list[int]) -> dict[tuple[int, int], GridClaim]:
    claims = {(node, unit): GridClaim("" if points is None else format_points(points), explanation)
              for node, unit, points, explanation in Claim.objects.filter(unit_id__in=units)
              .values_list("node_id", "unit_id", "points", "explanation")}
    # the download URL once, with each file's id put in (a reverse() per file adds up)
    head, tail = reverse("claims:download", args=[cycle.pk, 0]).rsplit("/0/", 1)
    links = (Evidence.nodes.through.objects.filter(evidence__unit_id__in=units, evidence__purpose=Evidence.Purpose.SELF)
             .order_by("evidence_id").values_list("node_id", "evidence__unit_id", "evidence_id", "evidence__name"))
    for node, unit, pk, name in links:
        claims.setdefault((node, unit), GridClaim("", "")).files.append((f"{head}/{pk}/{tail}", name))
    return claims
