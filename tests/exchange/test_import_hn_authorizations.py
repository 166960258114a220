"""The HN daily legacy-authorization file (R-A1, R-A2): good rows applied as legacy
authorizations of that network, bad rows reported by line and column, rows created on or after
the cut-over rejected, a re-run a no-op, a changed row updated by network and number."""

import datetime
import io
import re
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from authorizations.models import Authorization, Event
from tests.authorizations import fixtures
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db
network, provider = fixtures.network, fixtures.provider  # the parties of tests/authorizations

PT = ZoneInfo("America/Los_Angeles")
HEADER = (
    "hn_authorization_number,cin,service_code,provider_name,created_at,start_date,end_date,status"
)
NETWORK = "Prospect Medical Group"


@pytest.fixture
def members():
    return [MemberFactory(cin="91234567A"), MemberFactory(cin="92345678B")]


GOOD = {
    "number": "PMG-1",
    "cin": "91234567A",
    "service": "ECM",
    "provider": "Harbor Community Clinic",
    "created": "2022-06-01T09:00:00",
    "start": "2022-07-01",
    "end": "2023-06-30",
    "status": "approved",
}


def row(**changes) -> str:
    """A good row (California time, before the cut-over) with some columns changed."""
    return ",".join({**GOOD, **changes}.values())


def run(tmp_path, *lines, network=NETWORK, header=HEADER, name="daily.csv"):
    """Run the command on a file; return (summary, {line: reason})."""
    path = tmp_path / name
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import_hn_authorizations", "--network", network, str(path), stdout=out, stderr=err
    )
    rejected = {}
    for text in err.getvalue().splitlines():
        line, _, reason = text.partition(": ")
        rejected[int(line.removeprefix("line "))] = reason
    return out.getvalue().strip(), rejected


def test_r_a2_good_rows_become_legacy_authorizations_of_that_network(
    tmp_path, members, provider, network
):
    summary, rejected = run(
        tmp_path,
        row(),
        row(
            number="PMG-2",
            cin="92345678b",
            service="CS_HOUSING_NAVIGATION",
            end="",
            status="Approved",
        ),
    )
    assert summary == "2 rows read, 2 applied, 0 unchanged, 0 rejected"
    assert rejected == {}
    first, second = Authorization.objects.order_by("hn_authorization_number")
    assert (first.hn_authorization_number, first.member, first.service.code) == (
        "PMG-1",
        members[0],
        "ECM",
    )
    assert first.provider == provider
    assert (first.start_date, first.end_date, first.status) == (
        datetime.date(2022, 7, 1),
        datetime.date(2023, 6, 30),
        "approved",
    )
    for authorization in (first, second):
        assert authorization.responsible_party == "health_network"
        assert authorization.health_network == network
        assert authorization.responsible_label == f"Health network: {NETWORK}"
        assert authorization.referral is None
        assert authorization.events.get().kind == Event.Kind.IMPORTED
    assert (second.member, second.end_date) == (members[1], None)


def test_r_a1_created_at_without_offset_is_california_time(tmp_path, members, provider):
    run(
        tmp_path,
        row(created="2022-12-31T23:30:00"),
        row(number="PMG-2", created="2022-06-01T09:00:00-04:00"),
    )
    first, second = Authorization.objects.order_by("hn_authorization_number")
    assert first.created_at == datetime.datetime(2022, 12, 31, 23, 30, tzinfo=PT)
    assert second.created_at == datetime.datetime(2022, 6, 1, 13, 0, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    "created, accepted",
    [
        ("2022-12-31T23:59:59-08:00", True),
        ("2022-12-31T23:59:59", True),  # California time
        ("2023-01-01T07:59:59+00:00", True),  # still 31 December in California
        ("2023-01-01T00:00:00", False),
        ("2023-01-01T00:00:00-08:00", False),
        ("2023-01-01T08:00:00+00:00", False),
        ("2024-03-01T10:00:00-08:00", False),
    ],
)
def test_r_a1_rows_created_on_or_after_the_cutover_are_rejected(
    tmp_path, members, provider, created, accepted
):
    summary, rejected = run(tmp_path, row(created=created))
    assert Authorization.objects.exists() is accepted
    if accepted:
        assert rejected == {}
        return
    assert "created_at" in rejected[2]
    assert "cut-over" in rejected[2] and "R-A1" in rejected[2]
    assert summary.endswith("0 applied, 0 unchanged, 1 rejected")


@pytest.mark.parametrize(
    "line, column, text",
    [
        (row(cin="99999999Z"), "cin", "no member with CIN '99999999Z'"),
        (row(service="CS_TELEPORTATION"), "service_code", "unknown service 'CS_TELEPORTATION'"),
        (row(provider="Nobody Clinic"), "provider_name", "unknown provider 'Nobody Clinic'"),
        (row(created="yesterday"), "created_at", "'yesterday' is not an ISO 8601 date-time"),
        (row(created=""), "created_at", "is not an ISO 8601 date-time"),
        (row(start="2022-13-01"), "start_date", "'2022-13-01' is not a date"),
        (row(start=""), "start_date", "is required"),
        (row(end="30/06/2023"), "end_date", "'30/06/2023' is not a date"),
        (row(start="2022-07-01", end="2022-06-30"), "end_date", "is before start_date"),
        (row(status="maybe"), "status", "'maybe' is not one of"),
        (row(number=""), "hn_authorization_number", "is required"),
    ],
)
def test_bad_rows_are_reported_with_line_and_column(
    tmp_path, members, provider, line, column, text
):
    summary, rejected = run(tmp_path, row(number="PMG-OK"), line, row(number="PMG-OK2"))
    assert summary == "3 rows read, 2 applied, 0 unchanged, 1 rejected"
    assert list(rejected) == [3]
    assert rejected[3].startswith(f"{column}: ")
    assert text in rejected[3]
    assert set(Authorization.objects.values_list("hn_authorization_number", flat=True)) == {
        "PMG-OK",
        "PMG-OK2",
    }


@pytest.mark.parametrize("line", [row() + ",extra", ",".join(row().split(",")[:-2])])
def test_a_row_with_the_wrong_number_of_fields_is_reported(tmp_path, members, provider, line):
    _, rejected = run(tmp_path, line, row(number="PMG-2"))
    assert re.search(r"the row has \d+ fields, the header has 8\.", rejected[2])
    assert list(Authorization.objects.values_list("hn_authorization_number", flat=True)) == [
        "PMG-2"
    ]


def test_a_missing_column_is_reported_and_nothing_applied(tmp_path, members, provider):
    header = HEADER.replace(",status", "")
    summary, rejected = run(tmp_path, ",".join(row().split(",")[:-1]), header=header)
    assert rejected == {1: "missing column(s): status"}
    assert summary.startswith("0 rows read, 0 applied")
    assert not Authorization.objects.exists()


def test_a_rerun_of_the_same_file_changes_nothing(tmp_path, members, provider):
    lines = [row(), row(number="PMG-2", cin="92345678B"), row(number="PMG-3", cin="nope")]
    run(tmp_path, *lines)
    before = list(Authorization.objects.order_by("pk").values()), Event.objects.count()

    summary, rejected = run(tmp_path, *lines)

    assert summary == "3 rows read, 0 applied, 2 unchanged, 1 rejected"
    assert list(rejected) == [4]
    after = list(Authorization.objects.order_by("pk").values()), Event.objects.count()
    assert after == before


def test_a_changed_row_updates_the_authorization_by_network_and_number(
    tmp_path, members, provider, network
):
    run(tmp_path, row())
    authorization = Authorization.objects.get()

    summary, _ = run(tmp_path, row(status="terminated", end="2023-02-28"), name="next-day.csv")

    assert summary == "1 rows read, 1 applied, 0 unchanged, 0 rejected"
    authorization.refresh_from_db()
    assert Authorization.objects.get() == authorization
    assert (authorization.status, authorization.end_date) == (
        "terminated",
        datetime.date(2023, 2, 28),
    )
    last = authorization.events.last()
    assert (last.kind, last.from_status, last.to_status) == ("imported", "approved", "terminated")


def test_the_same_number_from_another_network_is_another_authorization(tmp_path, members, provider):
    run(tmp_path, row())
    run(tmp_path, row(), network="AltaMed Health Services")
    assert sorted(Authorization.objects.values_list("health_network__name", flat=True)) == [
        "AltaMed Health Services",
        NETWORK,
    ]


@pytest.mark.parametrize("name", ["No Such Network", "Harbor Community Clinic", "CalOptima Health"])
def test_an_unknown_network_is_a_command_error(tmp_path, members, provider, name):
    with pytest.raises(CommandError, match="not a known health network"):
        run(tmp_path, row(), network=name)
    assert not Authorization.objects.exists()


def test_an_unreadable_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_hn_authorizations", "--network", NETWORK, str(tmp_path / "absent.csv"))
