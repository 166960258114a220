from rest_framework import serializers

from .models import ActivityType, EcmActivity, Method, Outcome
from .rules import units_problem


class EcmActivitySerializer(serializers.ModelSerializer):
    provider_name = serializers.CharField(source="provider.name", read_only=True)
    logged_by = serializers.CharField(
        source="logged_by.username", default=None, allow_null=True, read_only=True
    )

    class Meta:
        model = EcmActivity
        fields = [
            "id",
            "authorization",
            "member",
            "provider",
            "provider_name",
            "date",
            "activity_type",
            "method",
            "units",
            "outcome",
            "note",
            "source",
            "logged_by",
            "logged_at",
        ]
        read_only_fields = fields


class EcmActivityCreateSerializer(serializers.Serializer):
    """One ECM activity to log (R-F1). The checks are the service's (activities/rules.py): they
    answer 400 keyed by field; a duplicate answers 409 keyed `confirm_duplicate`."""

    authorization = serializers.IntegerField(
        min_value=1,
        max_value=2**63 - 1,
        help_text="An ECM authorization of your organization in force (approved or modified). "
        "Another provider's authorization answers 404, as a missing one does.",
    )
    date = serializers.DateField(help_text="The California date of the activity.")
    activity_type = serializers.ChoiceField(choices=ActivityType.choices)
    method = serializers.ChoiceField(choices=Method.choices)
    units = serializers.IntegerField(
        help_text="15-minute units, 1 to 96.", error_messages={"invalid": units_problem("")}
    )
    outcome = serializers.ChoiceField(
        choices=Outcome.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required for an outreach attempt; empty for every other type.",
    )
    note = serializers.CharField(
        required=False, allow_blank=True, default="", trim_whitespace=False
    )
    confirm_duplicate = serializers.BooleanField(
        default=False,
        help_text="The same member, date, type and method is already logged: send true to log "
        "it anyway (else 409 with the warning under confirm_duplicate).",
    )
