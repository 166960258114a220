from rest_framework import serializers

from common import limits
from providers.models import Organization

from .models import Authorization, ClosureRequest, Event, NoticeException, ReasonCode
from .rules import LETTER_LANGUAGES


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None, allow_null=True)
    # R-X2: the note as the caller may read it (selectors annotate `shown_note`).
    note = serializers.SerializerMethodField()

    def get_note(self, obj) -> str:
        return getattr(obj, "shown_note", obj.note)

    class Meta:
        model = Event
        fields = [
            "kind",
            "at",
            "actor",
            "from_status",
            "to_status",
            "reason_code",
            "note",
            "changes",
            "member_explanation",
            "explanation_language",
            "effective_date",
            "notice_exception",
        ]


class ClosureRequestSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClosureRequest
        fields = [
            "id",
            "kind",
            "reason",
            "end_date",
            "new_start_date",
            "new_units",
            "notice_exception",
            "state",
            "requested_at",
            "decided_at",
            "decision_note",
        ]
        read_only_fields = ["id", "state", "requested_at", "decided_at", "decision_note"]
        extra_kwargs = {"reason": {"max_length": limits.TEXT}}


class AuthorizationSerializer(serializers.ModelSerializer):
    member = serializers.PrimaryKeyRelatedField(read_only=True)
    service = serializers.CharField(source="service.code")
    provider = serializers.CharField(source="provider.name")
    health_network = serializers.CharField(
        source="health_network.name", default=None, allow_null=True
    )
    responsible_party_label = serializers.CharField(source="responsible_label")
    # R-X2: the referral's id only when the caller may see that referral (selectors annotate it).
    referral = serializers.IntegerField(
        source="shown_referral_id", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Authorization
        fields = [
            "id",
            "member",
            "service",
            "provider",
            "referral",
            "created_at",
            "received_at",
            "start_date",
            "end_date",
            "units",
            "urgency",
            "status",
            "due_at",
            "decided_at",
            "reason_code",
            "decision_notes",
            "hn_authorization_number",
            "responsible_party",
            "responsible_party_label",
            "health_network",
        ]


class AuthorizationDetailSerializer(AuthorizationSerializer):
    events = EventSerializer(many=True, read_only=True)
    closure_requests = ClosureRequestSerializer(many=True, read_only=True)

    class Meta(AuthorizationSerializer.Meta):
        fields = AuthorizationSerializer.Meta.fields + ["events", "closure_requests"]


class DecideSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "modify", "deny"])
    reason_code = serializers.ChoiceField(
        choices=ReasonCode.choices, required=False, allow_blank=True, default=""
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=limits.TEXT,
        help_text="Note for the file: never printed (R-N6).",
    )
    member_explanation = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=limits.TEXT,
        help_text="Printed in the member's letter. Required to deny or for a change that gives "
        "less than asked; for a letter in Spanish, written in Spanish or left empty for the "
        "reason's standard Spanish text (R-N6).",
    )
    explanation_language = serializers.ChoiceField(
        choices=list(LETTER_LANGUAGES.items()),
        required=False,
        allow_blank=True,
        default="",
        help_text="The language member_explanation is written in (default English).",
    )
    start_date = serializers.DateField(required=False, allow_null=True, default=None)
    end_date = serializers.DateField(required=False, allow_null=True, default=None)
    units = serializers.IntegerField(required=False, allow_null=True, min_value=0, default=None)
    provider = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.active(), required=False, allow_null=True, default=None
    )


class ClosureDecisionSerializer(serializers.Serializer):
    """Approve or reject a change or end request (R-A2); an approval that ends or reduces the
    service names the exception when it takes effect within 10 days (R-N5)."""

    approve = serializers.BooleanField()
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=limits.TEXT
    )
    notice_exception = serializers.ChoiceField(
        choices=NoticeException.choices,
        required=False,
        allow_blank=True,
        allow_null=True,
        default=None,
        help_text="Omitted: the request's own exception, if any (R-N5).",
    )
    member_explanation = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=limits.TEXT
    )
    explanation_language = serializers.ChoiceField(
        choices=list(LETTER_LANGUAGES.items()), required=False, allow_blank=True, default=""
    )


class LegacyChangeSerializer(serializers.Serializer):
    """The HN ends or changes its own legacy authorization in one step (R-A2, R-N5, R-N6)."""

    kind = serializers.ChoiceField(choices=ClosureRequest.Kind.choices)
    reason_code = serializers.ChoiceField(choices=ReasonCode.choices)
    end_date = serializers.DateField(required=False, allow_null=True, default=None)
    new_start_date = serializers.DateField(required=False, allow_null=True, default=None)
    new_units = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=2**31 - 1, default=None
    )
    notice_exception = serializers.ChoiceField(
        choices=NoticeException.choices, required=False, allow_blank=True, default=""
    )
    member_explanation = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=limits.TEXT
    )
    explanation_language = serializers.ChoiceField(
        choices=list(LETTER_LANGUAGES.items()), required=False, allow_blank=True, default=""
    )
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=limits.TEXT
    )
