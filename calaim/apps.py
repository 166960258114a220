from django.apps import AppConfig


class CalaimConfig(AppConfig):
    name = "calaim"
    verbose_name = "CalAIM Connect"
