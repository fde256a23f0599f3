"""Cycle URLs, gathered from the modules that serve them."""

from kaohe.cycles import grid, pages, sheet_views

app_name = "cycles"
urlpatterns = pages.urlpatterns + grid.urlpatterns + sheet_views.urlpatterns
