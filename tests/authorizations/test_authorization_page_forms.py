"""The forms of the authorization page (change and end requests, closure decisions, the HN's own
change): a refusal is shown beside the field with what was typed kept (status 400), never as a
banner above an emptied form; free text is bounded with the limit shown; the buttons that end,
terminate or reject ask for confirmation first (data-confirm)."""

import datetime
import re

import pytest
from django.urls import reverse

from authorizations.models import ClosureRequest, Status
from common import limits
from common.dates import business_today
from tests.authorizations.factories import AuthorizationFactory, LegacyAuthorizationFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def in_force(member, provider):
    today = business_today()
    return AuthorizationFactory(
        member=member,
        provider=provider,
        status=Status.APPROVED,
        start_date=today - 60 * DAY,
        end_date=today + 120 * DAY,
    )


@pytest.fixture
def legacy_in_force(member, provider, network):
    return LegacyAuthorizationFactory(
        member=member, provider=provider, health_network=network, end_date=None
    )


def detail_url(a):
    return reverse("authorizations:detail", args=[a.pk])


def error_beside(html: str, field: str) -> str:
    found = re.search(rf'<p class="error" id="id_{field}_error">([^<]*)</p>', html)
    return found.group(1) if found else ""


def banner(html: str) -> str:
    found = re.search(r'<ul class="messages".*?</ul>', html, re.S)
    return found.group(0) if found else ""


def test_a_closure_request_error_is_beside_the_field_and_keeps_what_was_typed(
    client, provider_staff, in_force
):
    client.force_login(provider_staff)
    response = client.post(
        reverse("authorizations:request_closure", args=[in_force.pk]),
        {"kind": "end", "reason": "The member moved to Riverside County."},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert error_beside(html, "end_date") == "Give the last day of service."
    assert "\nThe member moved to Riverside County.</textarea>" in html
    assert "Give the last day of service." not in banner(html)
    assert not in_force.closure_requests.exists()


def test_a_closure_request_reason_over_the_limit_is_refused_beside_it_with_the_limit_shown(
    client, provider_staff, in_force
):
    client.force_login(provider_staff)
    page = client.get(detail_url(in_force)).content.decode()
    assert f'maxlength="{limits.TEXT}"' in page
    assert limits.limit_help(limits.TEXT) in page
    response = client.post(
        reverse("authorizations:request_closure", args=[in_force.pk]),
        {
            "kind": "end",
            "reason": "x" * (limits.TEXT + 1),
            "end_date": str(business_today() + 30 * DAY),
        },
    )
    assert response.status_code == 400
    assert "at most 4000 characters" in error_beside(response.content.decode(), "reason")
    assert not in_force.closure_requests.exists()


@pytest.fixture
def pending_end(in_force, provider_staff):
    return ClosureRequest.objects.create(
        authorization=in_force,
        kind="end",
        reason="Goals met.",
        end_date=business_today() + 30 * DAY,
        requested_by=provider_staff,
    )


def decide_url(closure):
    return reverse("authorizations:decide_closure", args=[closure.authorization_id, closure.pk])


def test_rejecting_without_a_note_is_refused_beside_the_note(client, reviewer, pending_end):
    client.force_login(reviewer)
    url = decide_url(pending_end)
    response = client.post(
        url,
        {"decision": "reject", "closure-note": " ", "closure-member_explanation": "Kept."},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert error_beside(html, "closure-note") == "Give the reason for rejecting the request."
    assert "\nKept.</textarea>" in html
    pending_end.refresh_from_db()
    assert pending_end.state == "pending"


def test_approving_an_end_without_the_members_explanation_is_refused_beside_it(
    client, reviewer, pending_end
):
    client.force_login(reviewer)
    url = decide_url(pending_end)
    response = client.post(url, {"decision": "approve", "closure-note": "Checked with PCP."})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Explain this decision to the member" in error_beside(html, "closure-member_explanation")
    assert "\nChecked with PCP.</textarea>" in html

    response = client.post(
        url,
        {
            "decision": "approve",
            "closure-note": "Checked with PCP.",
            "closure-member_explanation": "Your care plan goals were met.",
            "closure-explanation_language": "en",
        },
    )
    assert response.status_code == 302
    pending_end.authorization.refresh_from_db()
    assert pending_end.authorization.status == Status.TERMINATED


def test_end_terminate_and_reject_buttons_ask_for_confirmation(
    client, reviewer, hn_staff, pending_end, legacy_in_force
):
    client.force_login(reviewer)
    html = client.get(detail_url(pending_end.authorization)).content.decode()
    approve = re.search(r'<button name="decision" value="approve"[^>]*>', html).group(0)
    reject = re.search(r'<button name="decision" value="reject"[^>]*>', html).group(0)
    assert 'data-confirm="End this service on' in approve
    assert 'data-confirm="Reject this request?' in reject

    client.force_login(hn_staff)
    html = client.get(detail_url(legacy_in_force)).content.decode()
    form = html.split(reverse("authorizations:change_legacy", args=[legacy_in_force.pk]))[1]
    assert re.search(r'<button type="submit" data-confirm="[^"]+">Record and send', form)


# Pinned query counts: the HN's page with the one-step form, and a refused change shown again
# (session, user, organization; the authorization with its relations; the member's spans,
# networks and POFs; history; closure requests; earlier authorizations; letters; the audit row;
# a refusal adds the checks of the change itself).
HN_PAGE_MAX_QUERIES = 12
REFUSED_CHANGE_MAX_QUERIES = 22


def test_the_hns_page_and_a_refused_change_keep_their_query_counts(
    client, hn_staff, legacy_in_force, django_assert_max_num_queries
):
    client.force_login(hn_staff)
    with django_assert_max_num_queries(HN_PAGE_MAX_QUERIES):
        assert client.get(detail_url(legacy_in_force)).status_code == 200
    with django_assert_max_num_queries(REFUSED_CHANGE_MAX_QUERIES):
        response = client.post(
            reverse("authorizations:change_legacy", args=[legacy_in_force.pk]),
            {"change-kind": "end", "change-reason_code": "service_ended"},
        )
    assert response.status_code == 400
