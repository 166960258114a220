from django.contrib import admin

from common import admin_forms

from .models import Message


@admin.register(Message)
class MessageAdmin(admin_forms.ModelAdmin):
    """Read-only: operators look at the backlog; the relay and the tasks change rows."""

    list_display = ["id", "task", "status", "created_at", "sent_at", "done_at", "attempts"]
    list_filter = ["status", "task"]
    readonly_fields = [f.name for f in Message._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
