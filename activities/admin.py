from django.contrib import admin

from common import admin_forms

from .models import EcmActivity


@admin.register(EcmActivity)
class EcmActivityAdmin(admin_forms.ModelAdmin):
    list_display = ["id", "date", "activity_type", "method", "units", "provider"]
    list_filter = ["activity_type", "method", "source"]
    raw_id_fields = ["authorization", "member", "provider", "logged_by"]
