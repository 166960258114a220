from rest_framework import serializers

from providers.models import Organization

from .models import Authorization, ClosureRequest, Event, ReasonCode


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
            "state",
            "requested_at",
            "decided_at",
            "decision_note",
        ]
        read_only_fields = ["id", "state", "requested_at", "decided_at", "decision_note"]


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
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    start_date = serializers.DateField(required=False, allow_null=True, default=None)
    end_date = serializers.DateField(required=False, allow_null=True, default=None)
    units = serializers.IntegerField(required=False, allow_null=True, min_value=0, default=None)
    provider = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.active(), required=False, allow_null=True, default=None
    )


class ClosureDecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")
