"""R-X3: CalOptima Health system admins search the trail by member, user, organization and dates,
page through it and download it as CSV; the download is itself recorded. Nobody else sees it."""

import csv
import datetime
import io

import pytest
from django.urls import reverse

from common.audit.models import AuditEvent
from common.audit.views import PER_PAGE
from providers.models import Role
from tests.audit.conftest import client_for
from tests.audit.factories import AuditEventFactory
from tests.providers.factories import UserFactory

pytestmark = pytest.mark.django_db

TRAIL = reverse("audit:trail")
CSV_URL = reverse("audit:download")


def shown(response) -> list[int]:
    return [e.pk for e in response.context["page"]]


@pytest.fixture
def admin_client(sysadmin):
    return client_for(sysadmin)


@pytest.mark.parametrize(
    "role", [Role.UTILIZATION_REVIEWER, Role.SITE_ADMIN, Role.CARE_COORDINATOR]
)
def test_r_x3_only_system_admins_reach_the_trail(caloptima, role):
    client = client_for(UserFactory(organization=caloptima, role=role))

    assert client.get(TRAIL).status_code == 404
    assert client.get(CSV_URL).status_code == 404


def test_r_x3_a_refused_look_at_the_trail_is_itself_recorded(reviewer):
    client_for(reviewer).get(CSV_URL)

    row = AuditEvent.objects.filter(object_type="audit.auditevent").latest("id")
    assert (row.event, row.outcome, row.username) == ("export", "refused", reviewer.username)


def test_r_x3_the_menu_links_the_trail_for_system_admins_only(admin_client, reviewer):
    assert TRAIL in admin_client.get(reverse("home")).content.decode()
    assert TRAIL not in client_for(reviewer).get(reverse("home")).content.decode()


def test_r_x3_the_trail_page_lists_newest_first_with_labelled_filters(admin_client):
    older = AuditEventFactory(timestamp=datetime.datetime(2025, 1, 2, tzinfo=datetime.UTC))
    newer = AuditEventFactory(timestamp=datetime.datetime(2025, 3, 4, tzinfo=datetime.UTC))

    response = admin_client.get(TRAIL)

    assert response.status_code == 200
    ids = shown(response)
    assert ids.index(newer.pk) < ids.index(older.pk)
    html = response.content.decode()
    for field in ("member", "user", "organization", "start", "end"):
        assert f'<label for="id_{field}"' in html


def test_r_x3_filter_by_member_id(admin_client):
    wanted = AuditEventFactory(member_id=4242)
    AuditEventFactory(member_id=4243)

    assert shown(admin_client.get(TRAIL, {"member": "4242"})) == [wanted.pk]


def test_r_x3_filter_by_cin_redirects_to_the_member_id_and_no_cin_reaches_a_url(
    admin_client, member
):
    wanted = AuditEventFactory(member_id=member.pk)
    other = AuditEventFactory(member_id=member.pk + 1)

    response = admin_client.post(TRAIL, {"member": member.cin.lower()})

    assert response.status_code == 302
    assert member.cin not in response["Location"].upper()
    assert f"member={member.pk}" in response["Location"]
    ids = shown(admin_client.get(response["Location"]))
    assert wanted.pk in ids and other.pk not in ids
    assert set(AuditEvent.objects.filter(pk__in=ids).values_list("member_id", flat=True)) == {
        member.pk
    }


def test_r_x3_an_unknown_cin_says_so_beside_the_field(admin_client):
    response = admin_client.post(TRAIL, {"member": "99999999Z"})

    assert response.status_code == 200
    assert "No member has this CIN" in response.content.decode()


def test_r_x3_filter_by_user_and_organization(admin_client):
    wanted = AuditEventFactory(username="ana.reyes", organization_name="Mercy House")
    AuditEventFactory(username="ana.reyes", organization_name="Harbor Clinic")
    AuditEventFactory(username="bo.chen", organization_name="Mercy House")

    response = admin_client.get(TRAIL, {"user": "Ana.Reyes", "organization": "mercy"})

    assert shown(response) == [wanted.pk]


def test_r_x3_filter_by_organization_id(admin_client):
    wanted = AuditEventFactory(organization_id=77)
    AuditEventFactory(organization_id=78)

    assert shown(admin_client.get(TRAIL, {"organization": "77"})) == [wanted.pk]


def test_r_x3_filter_by_california_dates(admin_client):
    # 2025-03-01 07:30 UTC is still 28 February in California.
    feb = AuditEventFactory(timestamp=datetime.datetime(2025, 3, 1, 7, 30, tzinfo=datetime.UTC))
    mar = AuditEventFactory(timestamp=datetime.datetime(2025, 3, 1, 9, 0, tzinfo=datetime.UTC))
    AuditEventFactory(timestamp=datetime.datetime(2025, 3, 3, 9, 0, tzinfo=datetime.UTC))

    assert shown(admin_client.get(TRAIL, {"start": "2025-03-01", "end": "2025-03-02"})) == [mar.pk]
    assert shown(admin_client.get(TRAIL, {"end": "2025-02-28"})) == [feb.pk]


def test_r_x3_the_trail_is_paged_and_the_pager_keeps_the_filters(admin_client):
    AuditEventFactory.create_batch(PER_PAGE + 3, username="many")

    first = admin_client.get(TRAIL, {"user": "many"})
    second = admin_client.get(TRAIL, {"user": "many", "page": 2})

    assert len(shown(first)) == PER_PAGE and len(shown(second)) == 3
    assert '<a href="?user=many&page=2">Next</a>' in first.content.decode()


def test_r_x3_the_csv_has_every_column_and_only_the_filtered_rows(admin_client):
    wanted = AuditEventFactory(
        member_id=5150, username="=cmd|' /C calc'!A0", remote_addr="203.0.113.9"
    )
    AuditEventFactory(member_id=5151)

    response = admin_client.get(CSV_URL, {"member": "5150"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 1
    row = rows[0]
    assert set(row) >= {
        "time_utc", "request_id", "event", "outcome", "user", "organization_id", "organization",
        "role", "object_type", "object_id", "member_id", "client_address", "method", "path",
    }  # fmt: skip
    assert (row["member_id"], row["client_address"], row["request_id"]) == (
        "5150",
        "203.0.113.9",
        wanted.cid,
    )
    assert row["user"].startswith("'=")  # no spreadsheet formula


def test_r_x3_the_download_is_itself_recorded(admin_client, sysadmin):
    response = admin_client.get(CSV_URL, {"member": "5150"})
    b"".join(response.streaming_content)

    row = AuditEvent.objects.filter(event="export").latest("id")
    assert (row.username, row.outcome, row.object_type) == (
        sysadmin.username,
        "allowed",
        "audit.auditevent",
    )
    assert row.cid == response["X-Request-ID"]


def test_r_x3_searching_the_trail_is_recorded(admin_client):
    admin_client.get(TRAIL, {"member": "12"})

    row = AuditEvent.objects.filter(event="search", object_type="audit.auditevent").latest("id")
    assert row.path == TRAIL  # the path only, never the query string


def test_r_x3_the_trail_page_query_count_is_pinned(admin_client, django_assert_max_num_queries):
    AuditEventFactory.create_batch(60)
    admin_client.get(TRAIL)  # warm the session

    # session, user, count, the user's organization (page header), the page, then the one
    # audit row of this look at the trail
    with django_assert_max_num_queries(6):
        assert admin_client.get(TRAIL, {"page": 2}).status_code == 200


def test_r_x3_a_file_download_names_the_file_and_network_but_a_member_record_only_its_id(
    admin_client,
):
    AuditEventFactory(
        username="files",
        event="download",
        object_type="exchange.filerun",
        object_pk="7",
        member_id=None,
        object_repr="ECM_ACTIVITY_LOG_altamed_20261116_20261122.csv for AltaMed Health Services",
    )
    AuditEventFactory(username="files", object_repr="Doe, Jane (M123)")

    page = admin_client.get(TRAIL, {"user": "files"}).content.decode()
    response = admin_client.get(CSV_URL, {"user": "files"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))

    named = "ECM_ACTIVITY_LOG_altamed_20261116_20261122.csv for AltaMed Health Services"
    assert named in page and "Jane" not in page
    assert sorted(row["object"] for row in rows) == ["", named]
