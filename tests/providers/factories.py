import factory

from members.models import PopulationOfFocus
from providers.models import (
    EcmPanelEntry,
    Offering,
    Organization,
    PanelChangeRequest,
    Role,
    Service,
    User,
)


def pof(code: str) -> PopulationOfFocus:
    """A Population of Focus loaded by the data migration (R-P1)."""
    return PopulationOfFocus.objects.get(code=code)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Test Organization {n}")


class HealthNetworkFactory(OrganizationFactory):
    name = factory.Sequence(lambda n: f"Test Health Network {n}")
    is_health_network = True
    is_ecm_provider = True


class EcmProviderFactory(OrganizationFactory):
    """An ECM provider that is not a health network (a clinic, a community organization)."""

    name = factory.Sequence(lambda n: f"Test ECM Provider {n}")
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
    population = factory.LazyFunction(lambda: pof("2"))


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


class SiteAdminFactory(UserFactory):
    """A site administrator of an ECM provider (R-X1, R-P3)."""

    username = factory.Sequence(lambda n: f"siteadmin{n}")
    organization = factory.SubFactory(HealthNetworkFactory)
    role = Role.SITE_ADMIN


class SystemAdminFactory(UserFactory):
    """A CalOptima Health system admin, as seed_demo makes one (Django admin access)."""

    username = factory.Sequence(lambda n: f"sysadmin{n}")
    organization = factory.LazyFunction(lambda: Organization.objects.get(is_caloptima=True))
    role = Role.SYSTEM_ADMIN
    is_staff = True
    is_superuser = True


class PanelChangeRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PanelChangeRequest

    organization = factory.SubFactory(HealthNetworkFactory)
    population = factory.LazyFunction(lambda: pof("2"))
    action = PanelChangeRequest.Action.ADD
    expertise_statement = "Ten years of street medicine with this population."
    requested_by = factory.SubFactory(
        SiteAdminFactory, organization=factory.SelfAttribute("..organization")
    )


def directory_organizations(count: int) -> None:
    """`count` health networks, each with two offerings and two panel entries (query counts)."""
    services = [ServiceFactory(code="CS_TEST_A"), ServiceFactory(code="CS_TEST_B")]
    for _ in range(count):
        org = HealthNetworkFactory()
        for service in services:
            OfferingFactory(organization=org, service=service)
        PanelEntryFactory(organization=org, population=pof("2"))
        PanelEntryFactory(organization=org, population=pof("4"))
