"""WSGI entry point: `gunicorn kaohe.web.wsgi` in production."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaohe.web.settings")
application = get_wsgi_application()
