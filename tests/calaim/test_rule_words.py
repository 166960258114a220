"""Rule ids (R-M4, R-R4, ...) stay in code and tests; people read the rule's words and a POF's
name. The pages a care coordinator visits show no rule id."""

import datetime
import re

import pytest
from django.urls import reverse

from common.rule_words import without_rule_ids
from members.models import Program
from providers.models import Role
from referrals.models import Status, StatusChange
from tests.members.factories import (
    EligibilitySpanFactory,
    HealthNetworkAssignmentFactory,
    MemberFactory,
    MemberPopulationFactory,
    population,
)
from tests.providers.factories import HealthNetworkFactory, UserFactory
from tests.referrals.factories import ReferralFactory

D = datetime.date
RULE_ID = re.compile(r"R-[A-Z]\d")


@pytest.mark.parametrize(
    "said, read",
    [
        ("R-R4: referrals go to CalOptima Health.", "Referrals go to CalOptima Health."),
        ("X does not serve POF 3 (R-P2); it serves 2.", "X does not serve POF 3; it serves 2."),
        ("PACE members do not receive ECM. (R-M4)", "PACE members do not receive ECM."),
        ("Not live on 1 May 2024 (R-M3, R-M5).", "Not live on 1 May 2024."),
        ("Referral R-2026-000123 stays as it is.", "Referral R-2026-000123 stays as it is."),
        ("", ""),
    ],
)  # fmt: skip
def test_a_message_loses_its_rule_ids_and_keeps_its_words(said, read):
    assert without_rule_ids(said) == read


def visible_text(html: str) -> str:
    """What a person reads: the page's text and the tooltips (title attributes)."""
    body = html[html.index("<body") :]
    titles = " ".join(re.findall(r'title="([^"]*)"', body))
    return re.sub(r"<[^>]+>", " ", body) + " " + titles


@pytest.mark.django_db
def test_no_page_a_coordinator_visits_shows_a_rule_id(client):
    network = HealthNetworkFactory(name="Canyon Network")
    coordinator = UserFactory(organization=network, role=Role.CARE_COORDINATOR)
    pace = MemberFactory(first_name="Iris", last_name="Quell")
    EligibilitySpanFactory(member=pace, program=Program.PACE, start_date=D(2022, 1, 1))
    HealthNetworkAssignmentFactory(member=pace, health_network=network, start_date=D(2022, 1, 1))
    MemberPopulationFactory(member=pace, population=population("2"), start_date=D(2022, 1, 1))
    referral = ReferralFactory(
        member=pace,
        referring_organization=network,
        referring_user=coordinator,
        status=Status.IN_REVIEW,
        needs_review=True,
        review_notes="PACE members do not receive ECM: PACE already coordinates their care. (R-M4)",
    )
    StatusChange.objects.create(
        referral=referral,
        from_status=Status.SUBMITTED,
        to_status=Status.IN_REVIEW,
        note="R-R4: health network referrals go to CalOptima Health.",
    )
    client.force_login(coordinator)
    pages = [
        reverse("home"),
        reverse("referrals:list"),
        reverse("referrals:inbox"),
        reverse("referrals:detail", args=[referral.pk]),
        reverse("members:search"),
        reverse("members:detail", args=[pace.pk]),
        reverse("members:detail", args=[pace.pk]) + "?on=2021-06-01",
        reverse("authorizations:list"),
        reverse("providers:directory"),
    ]
    shown = {}
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        found = RULE_ID.findall(visible_text(response.content.decode()))
        if found:
            shown[url] = found
    assert shown == {}
    member_page = client.get(reverse("members:detail", args=[pace.pk])).content.decode()
    assert "PACE members do not receive ECM" in member_page
    assert "POF 2 (Individuals at risk for avoidable hospital or ED utilization)" in member_page
    referral_page = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "Health network referrals go to CalOptima Health." in referral_page
