from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import EcmPanelEntry, Offering, Organization, PanelChangeRequest, Service, User


class OfferingInline(admin.TabularInline):
    model = Offering
    extra = 0


class PanelInline(admin.TabularInline):
    model = EcmPanelEntry
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
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
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "available_from"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]


@admin.register(Offering)
class OfferingAdmin(admin.ModelAdmin):
    list_display = ["organization", "service", "accepting_referrals", "open_slots", "updated_at"]
    list_filter = ["accepting_referrals", "service"]
    search_fields = ["organization__name", "service__name"]
    list_editable = ["accepting_referrals", "open_slots"]


@admin.register(EcmPanelEntry)
class EcmPanelEntryAdmin(admin.ModelAdmin):
    list_display = ["organization", "population", "added_at"]
    list_filter = ["population"]
    search_fields = ["organization__name"]


@admin.register(PanelChangeRequest)
class PanelChangeRequestAdmin(admin.ModelAdmin):
    list_display = ["organization", "action", "population", "status", "requested_at"]
    list_filter = ["status", "action", "population"]
    search_fields = ["organization__name"]
    readonly_fields = ["requested_by", "requested_at", "decided_by", "decided_at"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "first_name", "last_name", "organization", "role", "is_active"]
    list_filter = ["role", "is_active", "organization"]
    search_fields = ["username", "first_name", "last_name", "email", "organization__name"]
    autocomplete_fields = ["organization"]
    fieldsets = DjangoUserAdmin.fieldsets + (("CalAIM", {"fields": ("organization", "role")}),)
    add_fieldsets = DjangoUserAdmin.add_fieldsets + (
        ("CalAIM", {"fields": ("organization", "role")}),
    )


admin.site.site_header = "CalAIM Connect administration"
