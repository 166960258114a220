from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "exchange"
    verbose_name = "Files exchanged"

    def ready(self):
        from django.db.backends.signals import connection_created

        from .files.sql import register_sqlite_functions

        connection_created.connect(register_sqlite_functions, dispatch_uid="exchange_sqlite")
