"""`{% load grid_html %}`: the scoring grid's cells and claims as HTML (kaohe.cycles.grid.html), for
`{{ row|row_cells }}`, `{{ row|row_claims }}` and `{{ cell|cell_html }}`."""

from __future__ import annotations

from django import template

from kaohe.cycles.grid import html

register = template.Library()
register.filter("row_cells", html.row_cells)
register.filter("row_claims", html.row_claims)
register.filter("cell_html", html.render_cell)
