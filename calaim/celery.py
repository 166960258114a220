"""The Celery app: configuration from Django settings (CELERY_*), tasks autodiscovered per app."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "calaim.settings")

app = Celery("calaim")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
