from django.contrib import admin

from common import admin_forms

from .models import (
    EligibilitySpan,
    HealthNetworkAssignment,
    Member,
    MemberPopulationOfFocus,
    PopulationOfFocus,
)


class SpanInline(admin_forms.StackedInline):
    model = EligibilitySpan
    extra = 0


class AssignmentInline(admin_forms.StackedInline):
    model = HealthNetworkAssignment
    extra = 0


class PopulationInline(admin_forms.StackedInline):
    model = MemberPopulationOfFocus
    extra = 0


@admin.register(Member)
class MemberAdmin(admin_forms.ModelAdmin):
    list_display = ["last_name", "first_name", "member_id", "birth_date", "preferred_language"]
    search_fields = ["cin", "member_id", "last_name", "first_name"]
    list_filter = ["preferred_language", "alternative_format", "eligibility_spans__program"]
    inlines = [SpanInline, AssignmentInline, PopulationInline]


@admin.register(PopulationOfFocus)
class PopulationOfFocusAdmin(admin_forms.ModelAdmin):
    list_display = [
        "code",
        "name",
        "age_group",
        "adult_live_from",
        "child_live_from",
        "sole_provider",
    ]
    search_fields = ["code", "name"]
