from django.contrib import admin

from common import admin_forms

from .models import Notice


@admin.register(Notice)
class NoticeAdmin(admin_forms.ModelAdmin):
    list_display = ["id", "kind", "language", "sender", "notice_date", "send_by", "created_at"]
    list_filter = ["kind", "language", "large_print"]
    readonly_fields = ["checksum", "size", "event", "authorization"]
