"""WSGI entry point: Motcua is served over WSGI (granian or gunicorn), which is far faster than
ASGI for its synchronous views."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.config.settings")

application = get_wsgi_application()
