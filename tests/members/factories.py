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


def member_with_history(
    *,
    health_network=None,
    pof_codes=("1a", "2"),
    program="medi_cal",
    **member_fields,
) -> Member:
    """A member with two consecutive spans (2022, then open from 2023), one health network
    assignment and POFs: the shape the pages and the API show."""
    member = MemberFactory(**member_fields)
    EligibilitySpanFactory(
        member=member,
        program=program,
        start_date=datetime.date(2022, 1, 1),
        end_date=datetime.date(2022, 12, 31),
    )
    EligibilitySpanFactory(member=member, program=program, start_date=datetime.date(2023, 1, 1))
    HealthNetworkAssignmentFactory(
        member=member, **({"health_network": health_network} if health_network else {})
    )
    for code in pof_codes:
        MemberPopulationFactory(member=member, population=population(code))
    return member
