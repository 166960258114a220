import datetime

import factory

from members.models import (
    EligibilitySpan,
    HealthNetworkAssignment,
    Member,
    MemberPopulationOfFocus,
    PopulationOfFocus,
)
from tests.providers.factories import HealthNetworkFactory


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    cin = factory.Sequence(lambda n: f"{80000000 + n:08d}A")
    member_id = factory.Sequence(lambda n: f"T{500000 + n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    birth_date = datetime.date(1970, 5, 17)


class EligibilitySpanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EligibilitySpan

    member = factory.SubFactory(MemberFactory)
    program = "medi_cal"
    start_date = datetime.date(2022, 1, 1)
    end_date = None


class HealthNetworkAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HealthNetworkAssignment

    member = factory.SubFactory(MemberFactory)
    health_network = factory.SubFactory(HealthNetworkFactory)
    start_date = datetime.date(2022, 1, 1)
    end_date = None


def population(code: str) -> PopulationOfFocus:
    return PopulationOfFocus.objects.get(code=code)


class MemberPopulationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MemberPopulationOfFocus

    member = factory.SubFactory(MemberFactory)
    population = factory.LazyFunction(lambda: population("1a"))
    start_date = datetime.date(2022, 1, 1)
    end_date = None
