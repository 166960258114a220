from django.apps import AppConfig, apps


class AuditConfig(AppConfig):
    name = "common.audit"
    label = "audit"
    verbose_name = "Audit trail"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from auditlog.registry import auditlog

        from . import signals  # noqa: F401  sign-in, failed sign-in, sign-out
        from .registry import member_models

        for label in member_models():
            model = apps.get_model(label)
            if not auditlog.contains(model):
                auditlog.register(model)
