"""Activity pages (R-F1): the fast entry form (errors beside their fields, what was typed kept,
nothing saved; the last type and method remembered), the lists with units per month, the
provider's ECM members, scope (R-X2) and pinned query counts."""

import datetime
import re

import pytest
from django.urls import reverse

from activities import rules, services
from activities.models import ActivityType, EcmActivity, Method
from authorizations.models import Status
from providers.models import Role
from tests.activities.factories import EcmActivityFactory, activities_for
from tests.authorizations.factories import AuthorizationFactory, service
from tests.members.factories import MemberFactory
from tests.providers.factories import UserFactory

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)

# Pinned query counts, the same at 10 and 100 rows: session, user, organization, the record in
# the path, the rows' count, the rows, the units per month, + 1: the R-X3 audit row.
LIST_QUERIES = 7 + 1
MEMBERS_QUERIES = 5 + 1
LOG_QUERIES = 6 + 1


def field_error(html: str, field: str) -> str:
    found = re.search(rf'<p class="error" id="id_{field}_error">([^<]*)</p>', html)
    return found.group(1).replace("&#x27;", "'") if found else ""


def typed(html: str, field: str) -> str:
    found = re.search(rf'<input[^>]*name="{field}"[^>]*value="([^"]*)"', html)
    return found.group(1) if found else ""


def selected(html: str, field: str) -> str:
    select = re.search(rf'<select name="{field}".*?</select>', html, re.S).group(0)
    found = re.search(r'<option value="([^"]*)"[^>]*selected', select)
    return found.group(1) if found else ""


def entry(ecm, **overrides):
    data = {
        "date": (ecm.start_date + 5 * DAY).isoformat(),
        "activity_type": ActivityType.ENGAGEMENT,
        "method": Method.PHONE,
        "units": "4",
        "outcome": "",
        "note": "Talked about the food bank.",
    }
    data.update(overrides)
    return data


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def log_url(authorization):
    return reverse("activities:log", args=[authorization.pk])


# --- The entry form ------------------------------------------------------------------------------


def test_r_f1_the_entry_form_is_dated_today_focused_on_the_date_and_keyboard_ready(
    staff_client, ecm, today
):
    html = staff_client.get(log_url(ecm)).content.decode()

    date_input = re.search(r'<input[^>]*name="date"[^>]*>', html).group(0)
    assert "autofocus" in date_input and f'value="{today.isoformat()}"' in date_input
    assert 'type="date"' in date_input
    # Enter submits: every text field is an <input> (no textarea), and the form has one submit.
    assert "<textarea" not in html
    form = re.search(r"<form[^>]*activity-form.*?</form>", html, re.S).group(0)
    assert form.count('type="submit"') == 1
    assert "Log it anyway" not in html


def test_r_f1_logging_returns_to_an_empty_form_with_the_last_type_and_method(
    staff_client, ecm, staff
):
    response = staff_client.post(
        log_url(ecm), entry(ecm, activity_type=ActivityType.COORDINATION, method="video")
    )
    assert response.status_code == 302 and response["Location"] == log_url(ecm)
    activity = EcmActivity.objects.get()
    assert (activity.activity_type, activity.method, activity.units) == ("coordination", "video", 4)
    assert activity.logged_by == staff and activity.authorization == ecm

    page = staff_client.get(log_url(ecm)).content.decode()
    day = ecm.start_date + 5 * DAY
    assert f"Logged: Enhanced coordination of care, video, 4 units on {day:%-d %B %Y}." in page
    assert selected(page, "activity_type") == "coordination"
    assert selected(page, "method") == "video"
    assert typed(page, "units") == "" and typed(page, "note") == ""
    assert "Talked about the food bank." in page  # the latest activities under the form


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"date": "2099-01-01"}, "date", "The date cannot be in the future"),
        ({"date": "2001-01-01"}, "date", "The date must be inside the authorization's dates"),
        ({"units": "0"}, "units", "Units must be from 1 to 96"),
        ({"units": "97"}, "units", "Units must be from 1 to 96"),
        ({"units": "lots"}, "units", "Units are a whole number of 15-minute units, 1 to 96."),
        (
            {"activity_type": "outreach_attempt"},
            "outcome",
            "Say whether the member was reached on this outreach attempt.",
        ),
        ({"outcome": "reached"}, "outcome", "Only an outreach attempt has an outcome"),
        ({"note": "n" * 4001}, "note", "Keep the note to 4,000 characters (it has 4,001)."),
    ],
)
def test_r_f1_a_refusal_shows_beside_its_field_keeps_what_was_typed_and_saves_nothing(
    staff_client, ecm, overrides, field, message
):
    data = entry(ecm, **overrides)
    response = staff_client.post(log_url(ecm), data)

    assert response.status_code == 400
    html = response.content.decode()
    assert field_error(html, field).startswith(message)
    assert typed(html, "note") == data["note"]
    assert selected(html, "activity_type") == data["activity_type"]
    assert EcmActivity.objects.count() == 0
    # The focus goes to the field in error.
    tag = re.search(rf'<(input|select)[^>]*name="{field}"[^>]*>', html).group(0)
    assert "autofocus" in tag and 'aria-invalid="true"' in tag


def test_r_f1_a_duplicate_warns_beside_log_it_anyway_and_logs_when_ticked(staff_client, ecm):
    staff_client.post(log_url(ecm), entry(ecm))
    assert EcmActivity.objects.count() == 1

    warned = staff_client.post(log_url(ecm), entry(ecm, units="2"))
    html = warned.content.decode()
    assert warned.status_code == 400 and EcmActivity.objects.count() == 1
    assert field_error(html, "confirm_duplicate") == rules.DUPLICATE
    box = re.search(r'<input[^>]*name="confirm_duplicate"[^>]*>', html).group(0)
    assert 'type="checkbox"' in box and "autofocus" in box
    assert "Log it anyway" in html and typed(html, "units") == "2"

    logged = staff_client.post(log_url(ecm), entry(ecm, units="2", confirm_duplicate="on"))
    assert logged.status_code == 302 and EcmActivity.objects.count() == 2


def test_r_f1_an_authorization_not_in_force_shows_why_and_refuses(staff_client, ecm):
    ecm.status = Status.TERMINATED
    ecm.save()
    page = staff_client.get(log_url(ecm)).content.decode()
    assert "Activities are logged only against an authorization in force" in page

    response = staff_client.post(log_url(ecm), entry(ecm))
    assert response.status_code == 400 and EcmActivity.objects.count() == 0
    assert (
        "Activities are logged only against an authorization in force" in response.content.decode()
    )


def test_r_x2_another_providers_authorization_is_a_404_like_a_missing_one(client, other_staff, ecm):
    client.force_login(other_staff)
    for url in (log_url(ecm), reverse("activities:for_authorization", args=[ecm.pk])):
        assert client.get(url).status_code == 404
    response = client.post(log_url(ecm), entry(ecm))
    missing = client.post(reverse("activities:log", args=[ecm.pk + 1000]), entry(ecm))
    assert response.status_code == missing.status_code == 404
    assert EcmActivity.objects.count() == 0


@pytest.mark.parametrize("role", [Role.CARE_COORDINATOR, Role.UTILIZATION_REVIEWER])
def test_r_f1_who_sees_the_authorization_but_is_not_its_staff_may_not_log(
    client, clinic, caloptima, ecm, role
):
    org = caloptima if role == Role.UTILIZATION_REVIEWER else clinic
    client.force_login(UserFactory(organization=org, role=role))
    assert client.get(log_url(ecm)).status_code == 403
    assert client.post(log_url(ecm), entry(ecm)).status_code == 403
    assert EcmActivity.objects.count() == 0


def test_the_authorization_page_links_to_the_activities_and_the_entry_form(
    staff_client, client, ecm, reviewer
):
    page = staff_client.get(reverse("authorizations:detail", args=[ecm.pk])).content.decode()
    assert f'href="{log_url(ecm)}"' in page
    assert f'href="{reverse("activities:for_authorization", args=[ecm.pk])}"' in page

    client.force_login(reviewer)  # CalOptima Health reads them; it does not log
    page = client.get(reverse("authorizations:detail", args=[ecm.pk])).content.decode()
    assert f'href="{log_url(ecm)}"' not in page
    assert reverse("activities:for_authorization", args=[ecm.pk]) in page


def test_a_community_supports_authorization_page_has_no_activity_links(
    staff_client, clinic, member
):
    meals = AuthorizationFactory(
        member=member,
        provider=clinic,
        service=service("CS_MEDICALLY_TAILORED_MEALS"),
        status=Status.APPROVED,
    )
    page = staff_client.get(reverse("authorizations:detail", args=[meals.pk])).content.decode()
    assert "/activities/authorizations/" not in page


# --- Lists with units per month ------------------------------------------------------------------


def test_r_f1_the_authorization_list_shows_units_per_month_and_the_rows(staff_client, ecm):
    june = [datetime.date(2026, 6, d) for d in (3, 17)]
    ecm.start_date = datetime.date(2026, 5, 1)
    ecm.save()
    EcmActivityFactory(authorization=ecm, date=datetime.date(2026, 5, 30), units=5)
    for day in june:
        EcmActivityFactory(authorization=ecm, date=day, units=6)

    response = staff_client.get(reverse("activities:for_authorization", args=[ecm.pk]))

    assert [(m["month"], m["units"]) for m in response.context["months"]] == [
        (datetime.date(2026, 6, 1), 12),
        (datetime.date(2026, 5, 1), 5),
    ]
    html = response.content.decode()
    assert re.search(r"June 2026</th><td[^>]*>12<", html)
    assert [r.date for r in response.context["page"]] == [
        june[1],
        june[0],
        datetime.date(2026, 5, 30),
    ]


def test_r_x2_the_member_list_shows_only_the_users_organizations_activities(
    client, staff, other_staff, ecm, theirs, reviewer
):
    ours = EcmActivityFactory(authorization=ecm, units=3)
    EcmActivityFactory(authorization=theirs, units=7, note="Their private note.")
    url = reverse("activities:for_member", args=[ecm.member_id])

    client.force_login(staff)
    response = client.get(url)
    assert [r.pk for r in response.context["page"]] == [ours.pk]
    assert "Their private note." not in response.content.decode()
    assert "Seaside ECM Partners" not in response.content.decode()

    client.force_login(reviewer)  # CalOptima Health sees every provider's
    response = client.get(url)
    assert response.context["page"].paginator.count == 2
    assert sum(m["units"] for m in response.context["months"]) == 10


def test_r_x2_a_member_the_user_has_no_part_in_is_a_404(client, stranger, ecm):
    client.force_login(stranger)
    assert client.get(reverse("activities:for_member", args=[ecm.member_id])).status_code == 404


# --- ECM members ---------------------------------------------------------------------------------


def test_r_f1_ecm_members_lists_authorizations_in_force_today_with_units_this_month(
    staff_client, clinic, ecm, theirs, today
):
    EcmActivityFactory(authorization=ecm, date=today, units=3)
    EcmActivityFactory(authorization=ecm, date=today.replace(day=1), units=2)
    earlier = today.replace(day=1) - DAY
    if earlier >= ecm.start_date:
        EcmActivityFactory(authorization=ecm, date=earlier, units=40)  # last month: not counted
    EcmActivityFactory(authorization=theirs, date=today, units=9)  # another provider's
    ended = AuthorizationFactory(
        provider=clinic, status=Status.APPROVED, start_date=today - 90 * DAY,
        end_date=today - DAY,
    )  # fmt: skip
    pending = AuthorizationFactory(provider=clinic, status=Status.PENDING, start_date=today)
    meals = AuthorizationFactory(
        provider=clinic,
        service=service("CS_MEDICALLY_TAILORED_MEALS"),
        status=Status.APPROVED,
        start_date=today,
    )

    response = staff_client.get(reverse("activities:members"))

    shown = [(a.pk, a.units_this_month, can) for a, can in response.context["rows"]]
    assert shown == [(ecm.pk, 5, True)]
    html = response.content.decode()
    assert f'href="{log_url(ecm)}"' in html
    for absent in (ended, pending, meals, theirs):
        assert f"/activities/authorizations/{absent.pk}/" not in html


def test_the_nav_shows_ecm_members_to_provider_staff_of_an_ecm_provider_only(
    client, staff, reviewer, clinic
):
    members = reverse("activities:members")
    client.force_login(staff)
    assert f'href="{members}"' in client.get(reverse("home")).content.decode()
    for user in (reviewer, UserFactory(organization=clinic, role=Role.CARE_COORDINATOR)):
        client.force_login(user)
        assert f'href="{members}"' not in client.get(reverse("home")).content.decode()


# --- Query counts --------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [10, 100])
def test_authorization_list_query_count_is_pinned(
    staff_client, ecm, django_assert_num_queries, count
):
    activities_for(ecm, count, first=ecm.start_date)
    with django_assert_num_queries(LIST_QUERIES):
        response = staff_client.get(reverse("activities:for_authorization", args=[ecm.pk]))
    assert response.context["page"].paginator.count == count


@pytest.mark.parametrize("count", [10, 100])
def test_member_list_query_count_is_pinned(staff_client, ecm, django_assert_num_queries, count):
    activities_for(ecm, count, first=ecm.start_date)
    with django_assert_num_queries(LIST_QUERIES):
        response = staff_client.get(reverse("activities:for_member", args=[ecm.member_id]))
    assert response.context["page"].paginator.count == count


@pytest.mark.parametrize("count", [10, 100])
def test_entry_form_query_count_is_pinned(staff_client, ecm, django_assert_num_queries, count):
    activities_for(ecm, count, first=ecm.start_date)
    with django_assert_num_queries(LOG_QUERIES):
        response = staff_client.get(log_url(ecm))
    assert len(response.context["recent"]) == 5


@pytest.mark.parametrize("count", [10, 100])
def test_ecm_members_query_count_is_pinned(
    staff_client, clinic, today, django_assert_num_queries, count
):
    members = MemberFactory.create_batch(count)
    for m in members:
        a = AuthorizationFactory(
            member=m, provider=clinic, status=Status.APPROVED, start_date=today - 30 * DAY
        )
        EcmActivityFactory(authorization=a, date=today, units=2)
    with django_assert_num_queries(MEMBERS_QUERIES):
        response = staff_client.get(reverse("activities:members"))
    assert response.context["page"].paginator.count == count
    assert {a.units_this_month for a, _ in response.context["rows"]} == {2}


def test_services_can_log_matches_the_pages(staff, ecm):
    assert services.can_log(staff, ecm)


@pytest.mark.parametrize(
    "name", ["activities:log", "activities:for_authorization", "activities:for_member"]
)
def test_an_id_beyond_a_bigint_is_a_404_not_a_server_error(staff_client, name):
    url = reverse(name, args=[1]).replace("/1/", "/99999999999999999999/")
    assert staff_client.get(url).status_code == 404
    assert staff_client.post(url, {"units": "1"}).status_code == 404
