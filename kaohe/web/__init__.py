"""The Django project: settings, URLs and WSGI. The apps live beside it in `kaohe/`."""
