from django.contrib import admin

from .models import (
    EligibilitySpan,
    HealthNetworkAssignment,
    Member,
    MemberPopulationOfFocus,
    PopulationOfFocus,
)


class SpanInline(admin.TabularInline):
    model = EligibilitySpan
    extra = 0


class AssignmentInline(admin.TabularInline):
    model = HealthNetworkAssignment
    extra = 0
    autocomplete_fields = ["health_network"]


class PopulationInline(admin.TabularInline):
    model = MemberPopulationOfFocus
    extra = 0


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "member_id", "birth_date", "preferred_language"]
    search_fields = ["cin", "member_id", "last_name", "first_name"]
    list_filter = ["preferred_language", "alternative_format", "eligibility_spans__program"]
    inlines = [SpanInline, AssignmentInline, PopulationInline]


@admin.register(PopulationOfFocus)
class PopulationOfFocusAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "age_group",
        "adult_live_from",
        "child_live_from",
        "sole_provider",
    ]
    search_fields = ["code", "name"]
