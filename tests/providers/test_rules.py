"""Pure provider rules, table-driven: the NPI check digit and which roles fit which organization."""

from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from providers.models import validate_npi
from providers.rules import npi_is_valid, role_problem


@pytest.mark.parametrize(
    "npi",
    [
        "1234567893",  # the CMS worked example: Luhn over 80840 + 123456789 gives 3
        "1245319599",
        "1003000126",
        "1912301953",
    ],
)
def test_npi_with_the_80840_luhn_check_digit_is_valid(npi):
    assert npi_is_valid(npi)
    validate_npi(npi)


@pytest.mark.parametrize(
    "npi, why",
    [
        ("1234567890", "wrong check digit"),
        ("1234567894", "wrong check digit"),
        ("1245319590", "wrong check digit"),
        ("123456789", "nine digits"),
        ("12345678934", "eleven digits"),
        ("", "empty"),
        ("123456789A", "a letter as check digit"),
        ("12345A7893", "a letter inside"),
        (" 234567893", "a space"),
        ("1234-67893", "punctuation"),
        ("808401234567893", "the prefix is not part of the NPI"),
        ("١٢٣٤٥٦٧٨٩٣", "non-ASCII digits"),
        ("123456789\u00b3", "a superscript digit"),
    ],
)
def test_npi_without_a_valid_check_digit_is_refused(npi, why):
    assert not npi_is_valid(npi), why
    with pytest.raises(ValidationError, match="Luhn"):
        validate_npi(npi)


def test_npi_check_digit_is_computed_without_the_prefix_it_would_differ():
    """Plain Luhn over the nine digits (no 80840 prefix) gives 7 for 123456789, not 3."""
    assert not npi_is_valid("1234567897")


def org(*kinds):
    flags = ("is_caloptima", "is_health_network", "is_county", "is_ecm_provider", "is_cs_provider")
    return SimpleNamespace(**{f: f in kinds for f in flags})


CALOPTIMA = org("is_caloptima", "is_ecm_provider", "is_cs_provider")
NETWORK = org("is_health_network", "is_ecm_provider")
COUNTY = org("is_county", "is_ecm_provider")
CS_PROVIDER = org("is_cs_provider")
CLINIC = org()


@pytest.mark.parametrize(
    "role, organization, problem",
    [
        ("utilization_reviewer", CALOPTIMA, None),
        ("utilization_reviewer", NETWORK, "CalOptima Health only"),
        ("utilization_reviewer", COUNTY, "CalOptima Health only"),
        ("utilization_reviewer", CS_PROVIDER, "CalOptima Health only"),
        ("health_network_staff", NETWORK, None),
        ("health_network_staff", CALOPTIMA, "health network"),
        ("health_network_staff", COUNTY, "health network"),
        ("health_network_staff", CS_PROVIDER, "health network"),
        ("system_admin", CALOPTIMA, None),
        ("system_admin", None, None),
        ("system_admin", NETWORK, "CalOptima Health only"),
        ("system_admin", CS_PROVIDER, "CalOptima Health only"),
        ("site_admin", NETWORK, None),
        ("site_admin", CS_PROVIDER, None),
        ("site_admin", CALOPTIMA, None),
        ("care_coordinator", CLINIC, None),
        ("care_coordinator", NETWORK, None),
        ("provider_staff", CS_PROVIDER, None),
        ("care_coordinator", None, "needs an organization"),
        ("site_admin", None, "needs an organization"),
        ("utilization_reviewer", None, "needs an organization"),
    ],
)
def test_r_x1_role_problem(role, organization, problem):
    found = role_problem(role, organization)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found
