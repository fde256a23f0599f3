"""The unit's scorecard and objection URLs under /cycles/."""

from django.urls import path

from kaohe.objections import views

app_name = "objections"
urlpatterns = [
    path("<int:pk>/scorecard/", views.scorecard_page, name="scorecard"),
    path("<int:pk>/scorecard.pdf", views.scorecard_pdf, name="scorecard_pdf"),
    path("<int:pk>/objections/", views.objection_list, name="list"),
    path("<int:pk>/objections/new/", views.file_objection, name="file"),
    path("<int:pk>/objections/<int:objection_id>/", views.detail, name="detail"),
    path("<int:pk>/objections/<int:objection_id>/items/<str:code>/answer/", views.answer, name="answer"),
    path("<int:pk>/objections/<int:objection_id>/confirm/", views.confirm, name="confirm"),
    path("<int:pk>/objections/<int:objection_id>/send-back/", views.send_back, name="send_back"),
]
