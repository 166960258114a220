from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    name = "providers"
    verbose_name = "Providers and users"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from . import sessions

        # Every sign-in (ours, the admin's, force_login in tests) starts the session's clocks.
        user_logged_in.connect(sessions.on_signed_in, dispatch_uid="calaim_session_clocks")
