from rest_framework import serializers

from common.dates import business_today
from common.limits import MESSAGE, SHORT_TEXT, TEXT
from members.models import Member, PopulationOfFocus, cin_validator, validate_not_future
from members.serializers import CinField
from providers.models import Organization, Service

from . import rules
from .models import Attachment, Message, Referral, StatusChange, Urgency


class StatusChangeSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None, allow_null=True)

    class Meta:
        model = StatusChange
        fields = ["from_status", "to_status", "actor", "at", "note"]


class MessageSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", read_only=True)
    organization = serializers.CharField(
        source="organization.name", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Message
        fields = ["id", "author", "organization", "body", "created_at"]
        read_only_fields = ["id", "author", "organization", "created_at"]
        extra_kwargs = {"body": {"max_length": MESSAGE}}


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = ["id", "original_name", "content_type", "size", "uploaded_at"]


class ReferralListSerializer(serializers.ModelSerializer):
    member = serializers.PrimaryKeyRelatedField(read_only=True)
    service = serializers.CharField(source="service.code")
    referring_organization = serializers.CharField(
        source="referring_organization.name", default=None, allow_null=True
    )
    receiving_organization = serializers.CharField(source="receiving_organization.name")
    unread = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Referral
        fields = [
            "id",
            "reference",
            "member",
            "service",
            "status",
            "urgency",
            "referring_organization",
            "receiving_organization",
            "requested_start_date",
            "needs_review",
            "created_at",
            "status_changed_at",
            "unread",
        ]


class ReferralDetailSerializer(ReferralListSerializer):
    populations = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    requested_provider = serializers.CharField(
        source="requested_provider.name",
        default=None,
        allow_null=True,
        read_only=True,
        help_text="The provider a health network's referrer asked for; CalOptima Health assigns "
        "(R-R4).",
    )
    history = StatusChangeSerializer(many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta(ReferralListSerializer.Meta):
        fields = ReferralListSerializer.Meta.fields + [
            "source",
            "self_referral",
            "requested_provider",
            "populations",
            "reason",
            "notes",
            "expedited_justification",
            "member_consent",
            "authorized_representative",
            "review_notes",
            "decline_reason",
            "closed_reason",
            "history",
            "attachments",
        ]


class ReferralCreateSerializer(serializers.Serializer):
    """A new referral. The member is named by id (a member the caller can see) or by CIN and birth
    date together (any referrer, R-R1)."""

    member = serializers.PrimaryKeyRelatedField(queryset=Member.objects.none(), required=False)
    cin = CinField(required=False, max_length=9, validators=[cin_validator])
    birth_date = serializers.DateField(required=False, validators=[validate_not_future])
    service = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Service.objects.all(),
        error_messages={"does_not_exist": "Unknown service code '{value}'."},
    )
    requested_start_date = serializers.DateField(help_text="At most a year ahead.")
    reason = serializers.CharField(max_length=TEXT)
    member_consent = serializers.BooleanField()
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.ROUTINE)
    expedited_justification = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=TEXT
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=TEXT)
    authorized_representative = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=SHORT_TEXT
    )
    populations = serializers.SlugRelatedField(
        slug_field="code", queryset=PopulationOfFocus.objects.all(), many=True, required=False
    )
    receiving_organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.active(),
        required=False,
        allow_null=True,
        help_text="The provider. From a health network, the provider asked for: the referral goes "
        "to CalOptima Health for assignment and this is kept as its requested_provider (R-R4).",
    )
    self_referral = serializers.BooleanField(default=False)
    confirm_duplicate = serializers.BooleanField(default=False)

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        if members is not None:
            self.fields["member"].queryset = members

    def validate_requested_start_date(self, value):
        problem = rules.start_date_problem(value, business_today())
        if problem:
            raise serializers.ValidationError(problem)
        return value

    def validate(self, attrs):
        from members.selectors import member_by_identity

        if attrs.get("member") is None:
            if not (attrs.get("cin") and attrs.get("birth_date")):
                raise serializers.ValidationError(
                    {"member": "Give a member id, or a cin with a birth_date."}
                )
            member = member_by_identity(cin=attrs["cin"], birth_date=attrs["birth_date"])
            if member is None:
                raise serializers.ValidationError(
                    {"cin": "No member has this CIN with this birth date."}
                )
            attrs["member"] = member
        attrs.pop("cin", None)
        attrs.pop("birth_date", None)
        return attrs


class TransitionSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=TEXT)
    provider = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.active(), required=False, allow_null=True
    )


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
