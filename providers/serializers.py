from rest_framework import serializers

from .models import EcmPanelEntry, Offering, Organization, Service


class ServiceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Service
        fields = ["code", "name", "kind", "available_from"]


class OfferingSerializer(serializers.ModelSerializer):
    service = serializers.CharField(source="service.code")
    service_name = serializers.CharField(source="service.name")

    class Meta:
        model = Offering
        fields = ["service", "service_name", "accepting_referrals", "open_slots"]


class OrganizationSerializer(serializers.ModelSerializer):
    kinds = serializers.ListField(child=serializers.CharField(), read_only=True)
    offerings = OfferingSerializer(many=True)
    populations_of_focus = serializers.SerializerMethodField()

    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "kinds",
            "npi",
            "phone",
            "address",
            "offerings",
            "populations_of_focus",
        ]

    def get_populations_of_focus(self, obj) -> list[str]:
        return [e.population.code for e in obj.panel_entries.all()]


class DirectoryQuerySerializer(serializers.Serializer):
    service = serializers.SlugRelatedField(
        slug_field="code", queryset=Service.objects.all(), required=False
    )
    population = serializers.SlugRelatedField(
        slug_field="code",
        queryset=EcmPanelEntry._meta.get_field("population").related_model.objects.all(),
        required=False,
    )
    accepting = serializers.BooleanField(required=False, allow_null=True, default=None)
