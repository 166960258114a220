import datetime

from rest_framework import serializers

from common.dates import business_today

from .models import (
    EligibilitySpan,
    HealthNetworkAssignment,
    Member,
    MemberPopulationOfFocus,
    PopulationOfFocus,
    cin_validator,
)


class PopulationOfFocusSerializer(serializers.ModelSerializer):
    class Meta:
        model = PopulationOfFocus
        fields = ["code", "name", "age_group", "adult_live_from", "child_live_from"]


class EligibilitySpanSerializer(serializers.ModelSerializer):
    class Meta:
        model = EligibilitySpan
        fields = ["program", "start_date", "end_date"]


class HealthNetworkAssignmentSerializer(serializers.ModelSerializer):
    health_network = serializers.CharField(source="health_network.name")

    class Meta:
        model = HealthNetworkAssignment
        fields = ["health_network", "start_date", "end_date"]


class MemberPopulationSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="population.code")

    class Meta:
        model = MemberPopulationOfFocus
        fields = ["code", "source", "start_date", "end_date"]


class MemberListSerializer(serializers.ModelSerializer):
    class Meta:
        model = Member
        fields = ["id", "cin", "member_id", "first_name", "last_name", "birth_date"]


class MemberDetailSerializer(serializers.ModelSerializer):
    eligibility_spans = EligibilitySpanSerializer(many=True)
    health_network_assignments = HealthNetworkAssignmentSerializer(many=True)
    populations = MemberPopulationSerializer(many=True)

    class Meta:
        model = Member
        fields = [
            "id",
            "cin",
            "member_id",
            "first_name",
            "last_name",
            "birth_date",
            "sex",
            "preferred_language",
            "alternative_format",
            "phone",
            "eligibility_spans",
            "health_network_assignments",
            "populations",
        ]


class CinField(serializers.CharField):
    """A CIN, trimmed and upper-cased before it is validated, so that '91234567a' is accepted."""

    def to_internal_value(self, data):
        return super().to_internal_value(data).upper()


class MemberSearchSerializer(serializers.Serializer):
    cin = CinField(required=False, max_length=9, validators=[cin_validator])
    member_id = serializers.CharField(required=False, max_length=20)
    name = serializers.CharField(required=False, max_length=160)
    birth_date = serializers.DateField(required=False)

    def validate_birth_date(self, value):
        if value > business_today():
            raise serializers.ValidationError("Birth date cannot be in the future.")
        return value

    def validate(self, attrs):
        if attrs.get("cin") or attrs.get("member_id"):
            return attrs
        if attrs.get("name") and attrs.get("birth_date"):
            return attrs
        raise serializers.ValidationError(
            {"non_field_errors": ["Give a cin, a member_id, or a name with a birth_date."]}
        )


class EligibilityQuerySerializer(serializers.Serializer):
    date = serializers.DateField(help_text="The date eligibility is checked for (R-M2).")

    def validate_date(self, value: datetime.date):
        return value


class ReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    text = serializers.CharField()
    service_kind = serializers.CharField()
    blocking = serializers.BooleanField()


class EligibilitySerializer(serializers.Serializer):
    date = serializers.DateField(source="on")
    program = serializers.CharField(allow_null=True)
    health_network = serializers.CharField(allow_null=True)
    populations_of_focus = serializers.ListField(
        source="populations", child=serializers.CharField()
    )
    ecm_eligible = serializers.BooleanField()
    cs_eligible = serializers.BooleanField()
    reasons = ReasonSerializer(many=True)
