"""The ECM payment report (R-$1): which member months are listed and payable, the page and CSV
in scope (R-X2), the audit trail (R-X3), bad input beside the field, pinned query counts."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from activities import payment
from activities.models import ActivityType, EcmActivity
from activities.report_views import PAYMENT_CSV
from activities.services import log_activity
from authorizations.models import Status
from common.audit.models import AuditEvent, Event
from providers.models import Role
from tests.authorizations.factories import AuthorizationFactory, service
from tests.members.factories import MemberFactory
from tests.providers.factories import EcmProviderFactory, HealthNetworkFactory, UserFactory

pytestmark = pytest.mark.django_db

JAN = datetime.date(2026, 1, 1)
FEB = datetime.date(2026, 2, 1)
REPORT = reverse("activities:payment_report")
CSV = reverse("activities:payment_report_csv")


def in_force(provider=None, member=None, *, start=JAN, end=datetime.date(2026, 6, 30), **kw):
    """An approved ECM authorization (made directly, as the list and count tests need)."""
    return AuthorizationFactory(
        provider=provider or EcmProviderFactory(),
        member=member or MemberFactory(),
        status=kw.pop("status", Status.APPROVED),
        start_date=start,
        end_date=end,
        **kw,
    )


def logged(authorization, units, on=datetime.date(2026, 1, 15), kind=ActivityType.ASSESSMENT):
    """One activity of `units` on `on`, as the service would store it (member and provider are
    the authorization's)."""
    outcome = "reached" if kind == ActivityType.OUTREACH_ATTEMPT else ""
    return EcmActivity.objects.create(
        authorization=authorization,
        member_id=authorization.member_id,
        provider_id=authorization.provider_id,
        date=on,
        activity_type=kind,
        method="phone",
        units=units,
        outcome=outcome,
    )


def rows(month=JAN, provider=None) -> list[dict]:
    return list(payment.with_payable(payment.payment_rows(month, provider), month))


def at(instant: datetime.datetime, monkeypatch):
    """Freeze Django's clock (timezone.now) at an aware instant."""
    monkeypatch.setattr(timezone, "now", lambda: instant)


@pytest.fixture
def alpha():
    return EcmProviderFactory(name="Alpha Care ECM")


@pytest.fixture
def beta():
    return EcmProviderFactory(name="Beta Health ECM")


@pytest.fixture
def alpha_staff(alpha):
    return UserFactory(organization=alpha, role=Role.PROVIDER_STAFF)


@pytest.fixture
def two_providers(alpha, beta):
    """Alpha's member Ada (13 units in January), Beta's member Bea (4 units)."""
    ada = in_force(alpha, MemberFactory(last_name="Alphamember", first_name="Ada", cin="90000001A"))
    bea = in_force(beta, MemberFactory(last_name="Betamember", first_name="Bea", cin="90000002B"))
    logged(ada, 13)
    logged(bea, 4)
    return ada, bea


# --- R-$1: the rule and the rows --------------------------------------------------------------


@pytest.mark.parametrize(
    "units, payable",
    [([], False), ([11], False), ([5, 6], False), ([12], True), ([6, 6], True), ([4, 4, 5], True)],
    ids=["none", "11", "11-in-two", "12", "12-in-two", "13-in-three"],
)
def test_r_dollar1_a_month_is_payable_from_12_units(units, payable):
    authorization = in_force()
    for n in units:
        logged(authorization, n)

    (row,) = rows()

    assert (row["units"], row["payable"]) == (sum(units), payable)
    assert payment.is_payable(sum(units)) is payable
    (total,) = payment.provider_totals(JAN)
    assert (total.members, total.payable_members, total.units) == (1, int(payable), sum(units))


@pytest.mark.parametrize(
    "activities, payable",
    [
        ([(ActivityType.OUTREACH_ATTEMPT, 12)], True),
        ([(ActivityType.ENGAGEMENT, 12)], True),
        ([(ActivityType.OUTREACH_ATTEMPT, 6), (ActivityType.ENGAGEMENT, 6)], True),
        ([(ActivityType.OUTREACH_ATTEMPT, 11)], False),
        ([(ActivityType.OUTREACH_ATTEMPT, 4), (ActivityType.COORDINATION, 8)], True),
    ],
    ids=["outreach-12", "engagement-12", "outreach-and-engagement-12", "outreach-11", "mixed-12"],
)
def test_r_dollar1_outreach_and_engagement_count_toward_the_12(activities, payable):
    authorization = in_force()
    for day, (kind, n) in enumerate(activities, start=10):
        logged(authorization, n, on=datetime.date(2026, 1, day), kind=kind)

    (row,) = rows()

    outreach = sum(n for kind, n in activities if kind in payment.OUTREACH_TYPES)
    assert row["outreach_units"] == outreach
    assert row["units"] == sum(n for _, n in activities)
    assert row["payable"] is payable


@pytest.mark.parametrize(
    "on, month, counted",
    [
        (datetime.date(2026, 1, 31), JAN, 12),
        (datetime.date(2026, 1, 31), FEB, 0),
        (datetime.date(2026, 2, 1), JAN, 0),
        (datetime.date(2026, 2, 1), FEB, 12),
        (datetime.date(2026, 1, 1), JAN, 12),
    ],
)
def test_r_dollar1_units_count_in_their_california_month(on, month, counted):
    authorization = in_force()
    logged(authorization, 12, on=on)

    (row,) = rows(month)

    assert row["units"] == counted


def test_r_dollar1_activity_logged_at_2am_utc_on_the_1st_counts_in_the_california_month(
    monkeypatch, alpha, alpha_staff
):
    """Logged at 2026-02-01 03:00 UTC, which is 31 January 19:00 in California: the service keeps
    the date the user gave (31 January, 'today' in California) and January's report counts it."""
    at(datetime.datetime(2026, 2, 1, 3, 0, tzinfo=datetime.UTC), monkeypatch)
    authorization = in_force(alpha)
    activity = log_activity(
        user=alpha_staff,
        authorization=authorization,
        date=datetime.date(2026, 1, 31),
        activity_type=ActivityType.ENGAGEMENT,
        method="in_person",
        units=12,
    )

    assert activity.date == datetime.date(2026, 1, 31)
    assert activity.logged_at.astimezone(datetime.UTC).date() == FEB
    assert [(r["units"], r["payable"]) for r in rows(JAN)] == [(12, True)]
    assert [r["units"] for r in rows(FEB)] == [0]


def test_r_dollar1_a_member_of_two_providers_has_each_providers_units(alpha, beta):
    member = MemberFactory()
    logged(in_force(alpha, member), 12)
    logged(in_force(beta, member), 5)

    found = {r["provider_id"]: (r["units"], r["payable"]) for r in rows()}

    assert found == {alpha.pk: (12, True), beta.pk: (5, False)}
    assert [(r["units"], r["payable"]) for r in rows(provider=beta.pk)] == [(5, False)]
    totals = {
        t.provider_id: (t.members, t.payable_members, t.units) for t in payment.provider_totals(JAN)
    }
    assert totals == {alpha.pk: (1, 1, 12), beta.pk: (1, 0, 5)}


def test_r_dollar1_an_authorization_starting_mid_month_is_in_that_month():
    authorization = in_force(start=datetime.date(2026, 1, 15))
    logged(authorization, 12, on=datetime.date(2026, 1, 20))

    (row,) = rows(JAN)

    assert (row["in_force_from"], row["in_force_to"]) == (
        datetime.date(2026, 1, 15),
        datetime.date(2026, 1, 31),
    )
    assert row["payable"] is True
    assert rows(datetime.date(2025, 12, 1)) == []


@pytest.mark.parametrize(
    "status, listed",
    [
        (Status.APPROVED, True),
        (Status.MODIFIED, True),
        (Status.TERMINATED, True),
        (Status.EXPIRED, True),
        (Status.PENDING, False),
        (Status.DENIED, False),
        (Status.WITHDRAWN, False),
    ],
)
def test_r_dollar1_months_of_authorizations_that_were_in_force(status, listed):
    in_force(status=status)

    assert len(rows()) == (1 if listed else 0)


def test_r_dollar1_a_terminated_authorization_counts_until_its_end_date():
    """Terminated on 10 January: January lists it (its units up to then), February does not."""
    authorization = in_force(status=Status.TERMINATED, end=datetime.date(2026, 1, 10))
    logged(authorization, 12, on=datetime.date(2026, 1, 9))

    (row,) = rows(JAN)

    assert (row["units"], row["payable"], row["in_force_to"]) == (
        12,
        True,
        datetime.date(2026, 1, 10),
    )
    assert rows(FEB) == []


@pytest.mark.parametrize(
    "start, end, listed",
    [
        (datetime.date(2025, 7, 1), datetime.date(2025, 12, 31), False),  # ended before
        (datetime.date(2026, 2, 1), None, False),  # starts after
        (datetime.date(2025, 7, 1), None, True),  # open-ended
        (datetime.date(2026, 1, 31), datetime.date(2026, 1, 31), True),  # its last day only
        (datetime.date(2025, 7, 1), datetime.date(2026, 1, 1), True),  # its first day only
    ],
)
def test_r_dollar1_an_authorization_is_listed_for_months_its_dates_overlap(start, end, listed):
    in_force(start=start, end=end)

    assert len(rows(JAN)) == (1 if listed else 0)


def test_r_dollar1_community_supports_authorizations_are_not_in_the_report():
    in_force(service=service("CS_MEDICALLY_TAILORED_MEALS"), end=None)

    assert rows() == []


def test_r_dollar1_two_authorizations_of_one_provider_make_one_member_month(alpha):
    """An authorization ending on 10 January and its successor from 11 January: one row."""
    member = MemberFactory()
    first = in_force(
        alpha,
        member,
        status=Status.EXPIRED,
        start=datetime.date(2025, 7, 1),
        end=datetime.date(2026, 1, 10),
    )
    second = in_force(alpha, member, start=datetime.date(2026, 1, 11))
    logged(first, 6, on=datetime.date(2026, 1, 5))
    logged(second, 6, on=datetime.date(2026, 1, 20))

    (row,) = rows()

    assert (row["authorizations"], row["units"], row["payable"]) == (2, 12, True)
    assert (row["in_force_from"], row["in_force_to"]) == (JAN, datetime.date(2026, 1, 31))


def test_r_dollar1_totals_agree_with_the_member_rows(alpha, beta):
    """The totals query (a join to the month's units) and the rows (a look-up per row) are two
    queries: on a mixed month they must tell the same story."""
    shared = MemberFactory()
    logged(in_force(alpha, shared), 7)
    logged(in_force(beta, shared), 12)
    twice = MemberFactory()
    logged(in_force(alpha, twice, end=datetime.date(2026, 1, 10)), 5, on=datetime.date(2026, 1, 9))
    logged(in_force(alpha, twice, start=datetime.date(2026, 1, 11)), 8)
    logged(in_force(beta), 30, on=datetime.date(2025, 12, 31))  # December's units only
    in_force(alpha, status=Status.DENIED)
    logged(in_force(beta, start=datetime.date(2025, 7, 1)), 12, on=datetime.date(2026, 1, 31))

    found = rows()
    expected = {}
    for r in found:
        members, payable, units = expected.get(r["provider_id"], (0, 0, 0))
        expected[r["provider_id"]] = (members + 1, payable + r["payable"], units + r["units"])

    totals = {
        t.provider_id: (t.members, t.payable_members, t.units) for t in payment.provider_totals(JAN)
    }
    assert totals == expected == {alpha.pk: (2, 1, 20), beta.pk: (3, 2, 24)}
    assert payment.provider_totals(JAN, beta.pk) == [
        t for t in payment.provider_totals(JAN) if t.provider_id == beta.pk
    ]


@pytest.mark.parametrize(
    "today, previous",
    [
        (datetime.date(2026, 3, 1), datetime.date(2026, 2, 1)),
        (datetime.date(2026, 1, 15), datetime.date(2025, 12, 1)),
        (datetime.date(2026, 12, 31), datetime.date(2026, 11, 1)),
    ],
)
def test_previous_month(today, previous):
    assert payment.previous_month(today) == previous


# --- The page and the CSV: who sees what (R-X2) ---------------------------------------------------


def test_provider_staff_see_their_own_rows_only(client, alpha_staff, two_providers, beta):
    client.force_login(alpha_staff)

    for query in ({"month": "2026-01"}, {"month": "2026-01", "provider": beta.pk}):
        response = client.get(REPORT, query)
        body = response.content.decode()

        assert response.status_code == 200
        assert "Alphamember" in body and "90000001A" in body
        assert "Betamember" not in body and "90000002B" not in body
        assert "Beta Health ECM" not in body
        assert [r["provider_id"] for r in response.context["rows"]] == [alpha_staff.organization_id]
        assert [t.units for t in response.context["totals"]] == [13]


def test_provider_staff_csv_has_their_own_rows_only(client, alpha_staff, two_providers, beta):
    client.force_login(alpha_staff)

    response = client.get(CSV, {"month": "2026-01", "provider": beta.pk})

    table = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r["cin"] for r in table] == ["90000001A"]


def test_caloptima_staff_see_every_provider_and_may_choose_one(
    client, reviewer, two_providers, beta
):
    client.force_login(reviewer)

    everyone = client.get(REPORT, {"month": "2026-01"})
    chosen = client.get(REPORT, {"month": "2026-01", "provider": beta.pk})

    assert [r["last_name"] for r in everyone.context["rows"]] == ["Alphamember", "Betamember"]
    assert [
        (t.provider_name, t.members, t.payable_members, t.units) for t in everyone.context["totals"]
    ] == [
        ("Alpha Care ECM", 1, 1, 13),
        ("Beta Health ECM", 1, 0, 4),
    ]
    assert everyone.context["grand_total"] == {"members": 2, "payable_members": 1, "units": 17}
    assert [r["last_name"] for r in chosen.context["rows"]] == ["Betamember"]
    assert "Alphamember" not in chosen.content.decode()


@pytest.mark.parametrize(
    "role, organization",
    [
        (Role.CARE_COORDINATOR, EcmProviderFactory),
        (Role.HEALTH_NETWORK_STAFF, HealthNetworkFactory),
        (
            Role.PROVIDER_STAFF,
            lambda: EcmProviderFactory(is_ecm_provider=False, is_cs_provider=True),
        ),
    ],
    ids=["care-coordinator", "health-network-staff", "cs-provider-staff"],
)
def test_everyone_else_is_refused(client, two_providers, role, organization):
    client.force_login(UserFactory(organization=organization(), role=role))

    for url in (REPORT, CSV):
        response = client.get(url, {"month": "2026-01"})
        assert response.status_code == 404
        assert b"Alphamember" not in response.content


def test_signed_out_visitors_are_sent_to_sign_in(client):
    for url in (REPORT, CSV):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_report_is_in_the_menu_of_caloptima_and_provider_staff_only(
    client, reviewer, alpha_staff
):
    for user, shown in ((reviewer, True), (alpha_staff, True), (UserFactory(), False)):
        client.force_login(user)
        assert (REPORT.encode() in client.get(reverse("home")).content) is shown


def test_the_default_month_is_the_previous_california_month(client, alpha_staff, monkeypatch):
    """1 March 07:30 UTC is still 28 February in California: the default is January."""
    at(datetime.datetime(2026, 3, 1, 7, 30, tzinfo=datetime.UTC), monkeypatch)
    client.force_login(alpha_staff)

    response = client.get(REPORT)

    assert response.context["month"] == JAN
    assert 'value="2026-01"' in response.content.decode()


@pytest.mark.parametrize(
    "start, end, shown",
    [
        (datetime.date(2025, 7, 1), None, "Whole month"),
        (datetime.date(2026, 1, 15), None, "From 15 Jan"),
        (datetime.date(2025, 7, 1), datetime.date(2026, 1, 10), "Until 10 Jan"),
        (datetime.date(2026, 1, 11), datetime.date(2026, 1, 20), "11 Jan to 20 Jan"),
    ],
)
def test_the_page_says_which_days_of_the_month_were_in_force(
    client, alpha, alpha_staff, start, end, shown
):
    in_force(alpha, MemberFactory(last_name="Daysmember"), start=start, end=end)
    client.force_login(alpha_staff)

    body = client.get(REPORT, {"month": "2026-01"}).content.decode()

    assert f"<td>{shown}</td>" in body


# --- Bad input beside the field ------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, message",
    [
        ("2026-13", "Write the month as year-month"),
        ("abc", "Write the month as year-month"),
        ("2026-1", "Write the month as year-month"),
        ("", "This field is required."),
        ("9" * 5000, "Write the month as year-month"),
        ("2021-12", "ECM began in January 2022"),
        ("0000-01", "ECM began in January 2022"),
        ("2026-00", "Write the month as year-month"),
        ("\u0662\u0660\u0662\u0666-\u0660\u0661", "Write the month as year-month"),
        ("2027-01", "That month has not begun yet"),
    ],
    ids=[
        "month-13",
        "letters",
        "one-digit",
        "empty",
        "huge",
        "before-ecm",
        "year-0",
        "month-0",
        "arabic-indic-digits",
        "future",
    ],
)
def test_a_bad_month_is_refused_beside_the_field_with_what_was_typed(
    client, reviewer, two_providers, monkeypatch, typed, message
):
    at(datetime.datetime(2026, 11, 25, 18, 0, tzinfo=datetime.UTC), monkeypatch)
    client.force_login(reviewer)

    page = client.get(REPORT, {"month": typed})
    export = client.get(CSV, {"month": typed})

    body = page.content.decode()
    assert page.status_code == 200
    assert 'id="id_month_error"' in body and message in body
    assert f'value="{typed}"' in body or typed == ""
    assert "Alphamember" not in body and "rows" not in page.context
    assert export.status_code == 400 and message in export.content.decode()


@pytest.mark.parametrize("typed", ["abc", "999999", "-1"])
def test_a_bad_provider_is_refused_beside_the_field(client, reviewer, two_providers, typed):
    client.force_login(reviewer)

    response = client.get(REPORT, {"month": "2026-01", "provider": typed})

    assert response.status_code == 200
    assert 'id="id_provider_error"' in response.content.decode()
    assert "rows" not in response.context


# --- CSV and the audit trail (R-X3) -------------------------------------------------------------


def test_csv_holds_every_row_with_a_header(client, reviewer, two_providers):
    client.force_login(reviewer)

    response = client.get(CSV, {"month": "2026-01"})

    assert response.streaming
    assert response["Content-Disposition"] == 'attachment; filename="ecm-payment-2026-01.csv"'
    table = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert table[0] == [name for name, _ in PAYMENT_CSV]
    assert table[1:] == [
        [
            "Alpha Care ECM",
            "Alphamember",
            "Ada",
            "90000001A",
            "2026-01",
            "2026-01-01",
            "2026-01-31",
            "1",
            "13",
            "0",
            "yes",
        ],
        [
            "Beta Health ECM",
            "Betamember",
            "Bea",
            "90000002B",
            "2026-01",
            "2026-01-01",
            "2026-01-31",
            "1",
            "4",
            "0",
            "no",
        ],
    ]


def test_page_and_csv_are_recorded_in_the_audit_trail(client, alpha_staff, two_providers):
    client.force_login(alpha_staff)

    client.get(REPORT, {"month": "2026-01"})
    b"".join(client.get(CSV, {"month": "2026-01"}).streaming_content)

    recorded = list(
        AuditEvent.objects.filter(
            object_type="activities.ecmactivity", event__in=[Event.SEARCH, Event.EXPORT]
        )
        .order_by("id")
        .values_list("event", "actor_id", "outcome")
    )
    assert recorded == [
        (Event.SEARCH, alpha_staff.pk, "allowed"),
        (Event.EXPORT, alpha_staff.pk, "allowed"),
    ]


# --- Pages and query counts ---------------------------------------------------------------------


def many_members(count: int, provider) -> None:
    for i in range(count):
        authorization = in_force(provider, MemberFactory(last_name=f"Member{i:04d}"))
        logged(authorization, 12 if i % 2 else 3)


@pytest.mark.parametrize("count", [10, 100])
def test_page_query_count_is_pinned(
    client, reviewer, alpha, beta, django_assert_num_queries, count
):
    many_members(count, alpha)
    many_members(3, beta)
    client.force_login(reviewer)

    with django_assert_num_queries(PAGE_QUERIES):
        response = client.get(REPORT, {"month": "2026-01"})

    assert response.context["page"].paginator.count == count + 3
    assert len(response.context["rows"]) == min(count + 3, 50)
    alpha_total = response.context["totals"][0]
    assert (alpha_total.members, alpha_total.payable_members) == (count, count // 2)


@pytest.mark.parametrize("count", [10, 100])
def test_csv_query_count_is_pinned(client, alpha_staff, alpha, django_assert_num_queries, count):
    many_members(count, alpha)
    client.force_login(alpha_staff)

    with django_assert_num_queries(CSV_QUERIES):
        response = client.get(CSV, {"month": "2026-01"})
        body = b"".join(response.streaming_content).decode()

    assert len(body.strip().splitlines()) == count + 1


def test_rows_are_paginated(client, reviewer, alpha):
    many_members(60, alpha)
    client.force_login(reviewer)

    second = client.get(REPORT, {"month": "2026-01", "page": 2})

    assert [r["last_name"] for r in second.context["rows"]] == [
        f"Member{i:04d}" for i in range(50, 60)
    ]
    assert "month=2026-01" in second.context["query"]


# Session, user, organization, the audit row; the page: count, rows, totals, provider choices.
PAGE_QUERIES = 8
# Session, user, organization, the audit row; the rows through one cursor.
CSV_QUERIES = 5
