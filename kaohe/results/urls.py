"""Results URLs under /results/."""

from django.urls import path

from kaohe.results import consistency, dashboard, scorecard, views

app_name = "results"
urlpatterns = [
    path("<int:pk>/", views.results_page, name="page"),
    path("<int:pk>/settings/", views.save_settings, name="settings"),
    path("<int:pk>/adjustments/", views.add_adjustment, name="add_adjustment"),
    path("<int:pk>/adjustments/<int:adjustment>/delete/", views.delete_adjustment, name="delete_adjustment"),
    path("<int:pk>/components/", views.save_components, name="components"),
    path("<int:pk>/publish/", views.publish, name="publish"),
    path("<int:pk>/v/<int:version>/", views.snapshot_page, name="snapshot"),
    path("<int:pk>/export/<slug:kind>/", views.export, name="export"),
] + dashboard.urlpatterns + consistency.urlpatterns + scorecard.urlpatterns
