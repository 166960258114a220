from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from common import admin_forms

from .models import EcmPanelEntry, Offering, Organization, PanelChangeRequest, Service, User


class OfferingInline(admin_forms.StackedInline):
    model = Offering
    extra = 0


class PanelInline(admin_forms.StackedInline):
    model = EcmPanelEntry
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(admin_forms.ModelAdmin):
    list_display = [
        "name",
        "is_caloptima",
        "is_health_network",
        "is_county",
        "is_ecm_provider",
        "is_cs_provider",
        "active",
    ]
    list_filter = [
        "active",
        "is_health_network",
        "is_ecm_provider",
        "is_cs_provider",
        "is_county",
        "panel_entries__population",
    ]
    search_fields = ["name", "npi"]
    inlines = [OfferingInline, PanelInline]


@admin.register(Service)
class ServiceAdmin(admin_forms.ModelAdmin):
    list_display = ["code", "name", "kind", "available_from"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]


@admin.register(Offering)
class OfferingAdmin(admin_forms.ModelAdmin):
    list_display = ["organization", "service", "accepting_referrals", "open_slots", "updated_at"]
    list_filter = ["accepting_referrals", "service"]
    search_fields = ["organization__name", "service__name"]
    # Capacity is edited on the organization's Capacity page (or the change page), not in the list.


@admin.register(EcmPanelEntry)
class EcmPanelEntryAdmin(admin_forms.ModelAdmin):
    list_display = ["organization", "population", "added_at"]
    list_filter = ["population"]
    search_fields = ["organization__name"]


@admin.register(PanelChangeRequest)
class PanelChangeRequestAdmin(admin_forms.ModelAdmin):
    list_display = ["organization", "action", "population", "status", "requested_at"]
    list_filter = ["status", "action", "population"]
    search_fields = ["organization__name"]
    readonly_fields = ["requested_by", "requested_at", "decided_by", "decided_at"]


@admin.register(User)
class UserAdmin(admin_forms.NamedInputs, DjangoUserAdmin):
    list_display = ["username", "first_name", "last_name", "organization", "role", "is_active"]
    list_filter = ["role", "is_active", "organization"]
    search_fields = ["username", "first_name", "last_name", "email", "organization__name"]
    # Plain selects: the two-box group picker and the autocomplete box leave controls unnamed.
    filter_horizontal = ()
    fieldsets = DjangoUserAdmin.fieldsets + (("CalAIM", {"fields": ("organization", "role")}),)
    add_fieldsets = DjangoUserAdmin.add_fieldsets + (
        ("CalAIM", {"fields": ("organization", "role")}),
    )


admin.site.site_header = "CalAIM Connect administration"
