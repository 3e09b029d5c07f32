"""The ITSM service desk project package: settings, URLs, the Celery app, WSGI/ASGI."""

from itsm.celery import app as celery_app

__all__ = ["celery_app"]
