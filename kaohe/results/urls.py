"""Results URLs under /results/."""

from django.urls import path

from kaohe.results import consistency, dashboard, document_views, scorecard, views

app_name = "results"
urlpatterns = [
    path("<int:pk>/", views.results_page, name="page"),
    path("<int:pk>/settings/", views.save_settings, name="settings"),
    path("<int:pk>/adjustments/", views.add_adjustment, name="add_adjustment"),
    path("<int:pk>/adjustments/<int:adjustment>/delete/", views.delete_adjustment, name="delete_adjustment"),
    path("<int:pk>/components/", views.save_components, name="components"),
    path("<int:pk>/publish/", views.publish, name="publish"),
    path("<int:pk>/v/<int:version>/", views.snapshot_page, name="snapshot"),
]  + document_views.urlpatterns + dashboard.urlpatterns + consistency.urlpatterns + scorecard.urlpatterns
