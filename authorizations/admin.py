from django.contrib import admin

from common import admin_forms

from .models import Authorization, ClosureRequest, Event


class EventInline(admin_forms.StackedInline):
    model = Event
    extra = 0
    readonly_fields = ["kind", "at", "actor", "from_status", "to_status", "reason_code", "note"]
    exclude = ["changes"]
    can_delete = False


@admin.register(Authorization)
class AuthorizationAdmin(admin_forms.ModelAdmin):
    list_display = [
        "id",
        "service",
        "provider",
        "status",
        "responsible_party",
        "start_date",
        "due_at",
    ]
    list_filter = ["status", "responsible_party", "urgency", "service", "health_network"]
    search_fields = ["member__cin", "member__last_name", "hn_authorization_number"]
    raw_id_fields = ["member", "referral", "decided_by", "reviewer"]
    inlines = [EventInline]


@admin.register(ClosureRequest)
class ClosureRequestAdmin(admin_forms.ModelAdmin):
    list_display = ["authorization", "kind", "state", "requested_at"]
    list_filter = ["kind", "state"]
