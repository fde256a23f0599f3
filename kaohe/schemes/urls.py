from django.urls import path

from kaohe.schemes import views

app_name = "schemes"
urlpatterns = [
    path("", views.scheme_list, name="list"),
    path("import/", views.scheme_import, name="import"),
    path("diff/", views.scheme_diff, name="diff"),
    path("<int:pk>/", views.scheme_detail, name="detail"),
    path("<int:pk>/publish/", views.scheme_publish, name="publish"),
    path("<int:pk>/clone/", views.scheme_clone, name="clone"),
    path("<int:pk>/export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("<int:pk>/export.pdf", views.export_pdf, name="export_pdf"),
    path("<int:pk>/export.yaml", views.export_yaml, name="export_yaml"),
]
