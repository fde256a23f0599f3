"""The office's pages for users, units and departments, under /directory/."""

from kaohe.directory.views import app_name, urlpatterns

__all__ = ["app_name", "urlpatterns"]
