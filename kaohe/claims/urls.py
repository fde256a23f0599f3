"""Self-assessment and evidence URLs under /cycles/."""

from django.urls import path

from kaohe.claims import views

app_name = "claims"
urlpatterns = [
    path("<int:pk>/self/", views.overview, name="overview"),
    path("<int:pk>/self/<str:unit_code>/", views.unit_page, name="unit"),
    path("<int:pk>/self/<str:unit_code>/save/", views.save, name="save"),
    path("<int:pk>/self/<str:unit_code>/submit/", views.submit, name="submit"),
    path("<int:pk>/self/<str:unit_code>/reopen/", views.reopen, name="reopen"),
    path("<int:pk>/self/<str:unit_code>/evidence/", views.upload, name="upload"),
    path("<int:pk>/evidence/<int:evidence_id>/", views.download, name="download"),
    path("<int:pk>/evidence/<int:evidence_id>/criteria/", views.evidence_criteria, name="evidence_criteria"),
    path("<int:pk>/evidence/<int:evidence_id>/delete/", views.evidence_delete, name="evidence_delete"),
    path("<int:pk>/unit-side/", views.unit_side_settings, name="settings"),
]
