"""URLs: pages per app, the JSON API under /api/v1/, the Django admin for the office only."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.decorators.cache import cache_control
from django.views.i18n import JavaScriptCatalog

from kaohe.api.urls import api
from kaohe.notify import views as notify_views
from kaohe.survey import views as survey_views
from kaohe.survey import vote_views
from kaohe.web import errors, overview, views

# The site's own error pages (kaohe.web.errors), in its frame and language.
handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error

urlpatterns = [
    path("", views.home, name="home"),
    path("overview/", overview.overview_page, name="overview"),
    path("accounts/login/", auth_views.LoginView.as_view(template_name="accounts/login.html"), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(
        template_name="accounts/password_change.html", success_url="/accounts/password/done/"),
        name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(
        template_name="accounts/password_change_done.html"), name="password_change_done"),
    path("accounts/notifications/", notify_views.notifications, name="notifications"),
    path("i18n/", include("django.conf.urls.i18n")),
    # The scripts' messages (djangojs catalogue); the page asks with ?l=<language>, so a browser
    # keeps one copy per language.
    path("i18n/js/", cache_control(max_age=3600)(JavaScriptCatalog.as_view()), name="javascript-catalog"),
    path("schemes/", include("kaohe.schemes.urls")),
    path("cycles/", include("kaohe.cycles.urls")),
    path("cycles/", include("kaohe.claims.urls")),
    path("cycles/", include("kaohe.objections.urls")),
    path("cycles/", include("kaohe.ledger.urls")),
    path("audit/", include("kaohe.audit.urls")),
    path("directory/", include("kaohe.directory.urls")),
    path("results/", include("kaohe.results.urls")),
    path("surveys/", include((survey_views.urlpatterns, "survey"))),
    path("vote/", include((vote_views.urlpatterns, "vote"))),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
