"""Cycle URLs, gathered from the modules that serve them."""

from kaohe.cycles import pages, sheet_views
from kaohe.cycles.grid import views as grid

app_name = "cycles"
urlpatterns = pages.urlpatterns + grid.urlpatterns + sheet_views.urlpatterns
