from django.contrib import admin

from common import admin_forms

from .models import Attachment, Message, Referral, SelfReferral, StatusChange


class StatusChangeInline(admin_forms.StackedInline):
    model = StatusChange
    extra = 0
    readonly_fields = ["from_status", "to_status", "actor", "at", "note"]
    can_delete = False


class MessageInline(admin_forms.StackedInline):
    model = Message
    extra = 0
    readonly_fields = ["author", "organization", "body", "created_at"]


class AttachmentInline(admin_forms.StackedInline):
    model = Attachment
    extra = 0
    readonly_fields = ["original_name", "content_type", "size", "uploaded_by", "uploaded_at"]
    exclude = ["file"]


@admin.register(Referral)
class ReferralAdmin(admin_forms.ModelAdmin):
    list_display = [
        "reference",
        "service",
        "status",
        "urgency",
        "receiving_organization",
        "created_at",
    ]
    list_filter = ["status", "urgency", "service", "needs_review"]
    search_fields = ["reference", "member__cin", "member__last_name"]
    raw_id_fields = ["member", "referring_user"]
    readonly_fields = ["reference", "status", "status_changed_at", "idempotency_key"]
    inlines = [StatusChangeInline, AttachmentInline, MessageInline]


@admin.register(SelfReferral)
class SelfReferralAdmin(admin_forms.ModelAdmin):
    list_display = ["confirmation_number", "service", "status", "created_at"]
    list_filter = ["status", "service"]
    search_fields = ["confirmation_number", "last_name", "cin"]
