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
        _no_admin_for_the_trail()


def _no_admin_for_the_trail():
    """django-auditlog registers its log model in Django admin, where rows could be deleted and
    searched by their diffs. The trail is read in the compliance view only (R-X3)."""
    from django.contrib import admin

    from .models import AuditEvent

    if admin.site.is_registered(AuditEvent):
        admin.site.unregister(AuditEvent)
