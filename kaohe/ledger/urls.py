"""The ledger's URLs under /cycles/ (see the views' modules for who may do what)."""

from django.urls import path

from kaohe.ledger import import_views, proposal_views, standings_views, views

app_name = "ledger"
urlpatterns = [
    path("<int:pk>/ledger/", views.entries, name="entries"),
    path("<int:pk>/ledger/new/", views.new, name="new"),
    path("<int:pk>/ledger/confirm/", views.confirm, name="confirm"),
    path("<int:pk>/ledger/<int:entry_id>/", views.entry, name="entry"),
    path("<int:pk>/ledger/<int:entry_id>/edit/", views.edit, name="edit"),
    path("<int:pk>/ledger/<int:entry_id>/files/", views.attach, name="attach"),
    path("<int:pk>/ledger/<int:entry_id>/files/<int:file_id>/", views.file, name="file"),
    path("<int:pk>/ledger/<int:entry_id>/send-back/", views.send_back, name="send_back"),
    path("<int:pk>/ledger/<int:entry_id>/void/", views.void, name="void"),
    path("<int:pk>/ledger/<int:entry_id>/dispute/", views.dispute, name="dispute"),
    path("<int:pk>/ledger/<int:entry_id>/answer/", views.answer, name="answer"),
    path("<int:pk>/ledger/<int:entry_id>/close/", views.close, name="close"),
    path("<int:pk>/ledger/<int:entry_id>/dispute-send-back/", views.send_back_dispute, name="dispute_send_back"),
    path("<int:pk>/ledger/proposals/", proposal_views.proposal_list, name="proposals"),
    path("<int:pk>/ledger/accept/", proposal_views.accept, name="accept_cell"),
    path("<int:pk>/ledger/tasks/<int:task_id>/", proposal_views.task, name="task"),
    path("<int:pk>/ledger/tasks/<int:task_id>/override/", proposal_views.override, name="override"),
    path("<int:pk>/ledger/settings/", views.save_settings, name="settings"),
    path("<int:pk>/ledger/standings/", standings_views.standings_page, name="standings"),
    path("<int:pk>/ledger/standings/<int:quarter>.xlsx", standings_views.standings_file, {"suffix": "xlsx"},
         name="standings_xlsx"),
    path("<int:pk>/ledger/standings/<int:quarter>.docx", standings_views.standings_file, {"suffix": "docx"},
         name="standings_docx"),
    path("<int:pk>/ledger/standings/<int:quarter>/notice/", standings_views.standings_notice,
         name="standings_notice"),
    path("<int:pk>/ledger/import/", import_views.import_page, name="import"),
    path("<int:pk>/ledger/template.xlsx", import_views.template, name="template"),
]
