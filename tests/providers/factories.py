import factory

from members.models import PopulationOfFocus
from providers.models import EcmPanelEntry, Offering, Organization, Role, Service, User


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Test Organization {n}")


class HealthNetworkFactory(OrganizationFactory):
    name = factory.Sequence(lambda n: f"Test Health Network {n}")
    is_health_network = True
    is_ecm_provider = True


class CsProviderFactory(OrganizationFactory):
    name = factory.Sequence(lambda n: f"Test CS Provider {n}")
    is_cs_provider = True


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"CS_TEST_{n}")
    name = factory.Sequence(lambda n: f"Test service {n}")
    kind = "cs"
    available_from = factory.Faker("date_between", start_date="-4y", end_date="-1y")


class OfferingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offering

    organization = factory.SubFactory(CsProviderFactory)
    service = factory.SubFactory(ServiceFactory)
    accepting_referrals = True
    open_slots = 5


class PanelEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EcmPanelEntry

    organization = factory.SubFactory(HealthNetworkFactory)
    population = factory.LazyFunction(lambda: PopulationOfFocus.objects.get(code="2"))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.invalid")
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.CARE_COORDINATOR
    password = factory.PostGenerationMethodCall("set_password", "test-pass-123")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()
