"""The import_members command: good rows applied, bad rows reported by line and column, re-runs
change nothing (R-M1 data arrives through this file)."""

import csv
import datetime
import io

import pytest
from django.core.management import CommandError, call_command

from common.dates import business_today
from exchange.files.member_import import HEADER as IMPORT_COLUMNS
from members.models import EligibilitySpan, HealthNetworkAssignment, Member, MemberPopulationOfFocus

pytestmark = pytest.mark.django_db

D = datetime.date
ALTAMED = "AltaMed Health Services"
PROSPECT = "Prospect Medical Group"


def row(**overrides) -> dict:
    values = {
        "cin": "91234567A",
        "member_id": "CO-1001",
        "first_name": "Maria",
        "last_name": "Garcia",
        "birth_date": "1975-04-12",
        "sex": "F",
        "language": "es",
        "program": "medi_cal",
        "span_start": "2022-01-01",
        "span_end": "",
        "health_network": ALTAMED,
        "pof_codes": "1a;3",
    }
    values.update(overrides)
    return values


def write_csv(path, rows, columns=IMPORT_COLUMNS):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def run_import(path) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_members", str(path), stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue().strip()


def counts() -> tuple[int, int, int, int]:
    return (
        Member.objects.count(),
        EligibilitySpan.objects.count(),
        HealthNetworkAssignment.objects.count(),
        MemberPopulationOfFocus.objects.count(),
    )


def test_good_rows_are_applied_with_spans_assignments_and_pofs(tmp_path):
    path = write_csv(
        tmp_path / "members.csv",
        [
            row(span_end="2023-12-31"),
            row(
                program="OneCare",  # labels are accepted as well as values
                span_start="2024-01-01",
                span_end="",
                health_network=PROSPECT.upper(),  # names match case-insensitively
                pof_codes="2",
            ),
            row(
                cin="81234567B",
                member_id="CO-1002",
                first_name="Tuan",
                last_name="Nguyen",
                birth_date="1950-09-30",
                sex="M",
                language="Vietnamese",
                program="pace",
                health_network="",
                pof_codes="",
            ),
        ],
    )

    out, err = run_import(path)

    assert out == "3 rows read, 3 applied, 0 unchanged, 0 rejected"
    assert err == ""
    maria = Member.objects.get(cin="91234567A")
    assert (maria.member_id, maria.first_name, maria.birth_date) == (
        "CO-1001",
        "Maria",
        D(1975, 4, 12),
    )
    assert (maria.sex, maria.preferred_language) == ("F", "es")
    assert list(
        maria.eligibility_spans.order_by("start_date").values_list(
            "program", "start_date", "end_date"
        )
    ) == [("medi_cal", D(2022, 1, 1), D(2023, 12, 31)), ("onecare", D(2024, 1, 1), None)]
    assert list(
        maria.health_network_assignments.order_by("start_date").values_list(
            "health_network__name", "end_date"
        )
    ) == [(ALTAMED, D(2023, 12, 31)), (PROSPECT, None)]
    assert sorted(maria.populations.values_list("population__code", "source", "start_date")) == [
        ("1a", "import", D(2022, 1, 1)),
        ("2", "import", D(2024, 1, 1)),
        ("3", "import", D(2022, 1, 1)),
    ]
    tuan = Member.objects.get(cin="81234567B")
    assert tuan.preferred_language == "vi"
    assert list(tuan.eligibility_spans.values_list("program", flat=True)) == ["pace"]
    assert not tuan.health_network_assignments.exists()
    assert not tuan.populations.exists()


FUTURE = (business_today() + datetime.timedelta(days=30)).isoformat()


@pytest.mark.parametrize(
    "bad, column, fragment",
    [
        pytest.param({"cin": "1234567AB"}, "cin", "8 digits", id="malformed-cin"),
        pytest.param({"cin": "91234567"}, "cin", "8 digits", id="cin-without-letter"),
        pytest.param({"birth_date": FUTURE}, "birth_date", "future", id="future-birth-date"),
        pytest.param({"birth_date": "12/04/1975"}, "birth_date", "not a date", id="bad-birth-date"),
        pytest.param({"program": "medicare"}, "program", "'medicare'", id="unknown-program"),
        pytest.param(
            {"health_network": "Nowhere Medical Group"},
            "health_network",
            "Nowhere Medical Group",
            id="unknown-health-network",
        ),
        pytest.param({"pof_codes": "1a;11"}, "pof_codes", "11", id="unknown-pof-code"),
        pytest.param({"span_start": "2023-02-30"}, "span_start", "not a date", id="bad-start"),
        pytest.param({"span_start": ""}, "span_start", "required", id="missing-start"),
        pytest.param({"span_end": "31/12/2023"}, "span_end", "not a date", id="bad-end"),
        pytest.param(
            {"span_start": "2023-06-01", "span_end": "2023-01-31"},
            "span_end",
            "before the start",
            id="end-before-start",
        ),
        pytest.param({"member_id": ""}, "member_id", "required", id="missing-member-id"),
        pytest.param({"sex": "Q"}, "sex", "'Q'", id="unknown-sex"),
    ],
)
def test_bad_row_is_reported_with_line_and_column_and_not_written(tmp_path, bad, column, fragment):
    good = row(cin="70000001A", member_id="CO-GOOD")
    path = write_csv(
        tmp_path / "members.csv", [good, row(**{"cin": "71111111C", "member_id": "CO-BAD", **bad})]
    )

    out, err = run_import(path)

    assert out == "2 rows read, 1 applied, 0 unchanged, 1 rejected"
    assert err.startswith(f"line 3: {column}: ")
    assert fragment in err
    assert Member.objects.filter(cin="70000001A").exists()
    assert counts() == (1, 1, 1, 2)  # only the good row: 1 member, 1 span, 1 HN, 2 POFs


def test_r_m1_overlapping_span_is_reported_naming_span_start_and_nothing_of_the_row_is_kept(
    tmp_path,
):
    path = write_csv(
        tmp_path / "members.csv",
        [
            row(span_start="2022-01-01", span_end="2023-12-31"),
            # Same member, a new name and a span inside the first one: the whole row is refused.
            row(first_name="Mariana", program="onecare", span_start="2023-06-01", pof_codes="9"),
        ],
    )

    out, err = run_import(path)

    assert out == "2 rows read, 1 applied, 0 unchanged, 1 rejected"
    assert err.startswith("line 3: span_start: ")
    assert "overlaps" in err
    member = Member.objects.get(cin="91234567A")
    assert member.first_name == "Maria"
    assert list(member.eligibility_spans.values_list("program", flat=True)) == ["medi_cal"]
    assert not member.populations.filter(population__code="9").exists()


def test_a_bad_row_for_a_new_member_creates_no_member(tmp_path):
    # The member itself is valid; its span is not. Nothing of the row may remain.
    path = write_csv(
        tmp_path / "members.csv", [row(span_start="2024-01-01", span_end="2023-01-01")]
    )

    out, _ = run_import(path)

    assert out == "1 rows read, 0 applied, 0 unchanged, 1 rejected"
    assert counts() == (0, 0, 0, 0)


def test_line_numbers_count_the_header_and_every_row(tmp_path):
    path = write_csv(
        tmp_path / "members.csv",
        [
            row(cin="70000001A", member_id="A1", program="nope"),
            row(cin="70000002A", member_id="A2"),
            row(cin="70000003A", member_id="A3"),
            row(cin="bad", member_id="A4"),
        ],
    )

    out, err = run_import(path)

    assert out == "4 rows read, 2 applied, 0 unchanged, 2 rejected"
    assert [line.split(":")[0] for line in err.splitlines()] == ["line 2", "line 5"]


def test_missing_column_is_reported_on_line_1_and_nothing_is_applied(tmp_path):
    columns = [c for c in IMPORT_COLUMNS if c != "pof_codes"]
    path = write_csv(tmp_path / "members.csv", [row()], columns=columns)

    out, err = run_import(path)

    assert out == "0 rows read, 0 applied, 0 unchanged, 1 rejected"
    assert err == "line 1: missing column(s): pof_codes"
    assert counts() == (0, 0, 0, 0)


@pytest.mark.parametrize(
    "line, fields",
    [
        pytest.param("70000002A,A2", 2, id="short-row"),
        pytest.param(
            "70000002A,A2,Ana,Ruiz,1980-01-01,F,en,medi_cal,2022-01-01,,,1a,extra",
            13,
            id="long-row",
        ),
    ],
)
def test_row_with_the_wrong_number_of_fields_is_reported_not_a_crash(tmp_path, line, fields):
    path = tmp_path / "members.csv"
    write_csv(path, [row(cin="70000001A", member_id="A1")])
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(f"{line}\n70000003A,A3,Lee,Kim,1990-02-03,M,ko,medi_cal,2022-01-01,,,2\n")

    out, err = run_import(path)

    assert out == "3 rows read, 2 applied, 0 unchanged, 1 rejected"
    assert err == f"line 3: the row has {fields} fields, the header has 12."
    assert not Member.objects.filter(cin="70000002A").exists()
    assert Member.objects.filter(cin="70000003A").exists()  # the rows after it still apply


def test_re_running_the_same_file_changes_nothing(tmp_path):
    path = write_csv(
        tmp_path / "members.csv",
        [
            row(span_end="2023-12-31"),
            row(program="onecare", span_start="2024-01-01", health_network=PROSPECT, pof_codes="2"),
            row(cin="81234567B", member_id="CO-1002", health_network="", pof_codes=""),
            row(cin="bad", member_id="CO-BAD"),
        ],
    )
    first_out, _ = run_import(path)
    before = counts()
    stamps = dict(Member.objects.values_list("cin", "updated_at"))

    again_out, again_err = run_import(path)

    assert first_out == "4 rows read, 3 applied, 0 unchanged, 1 rejected"
    assert again_out == "4 rows read, 0 applied, 3 unchanged, 1 rejected"
    assert again_err.startswith("line 5: cin: ")
    assert counts() == before == (2, 3, 2, 3)
    assert dict(Member.objects.values_list("cin", "updated_at")) == stamps


def test_upsert_by_cin_updates_a_changed_name(tmp_path):
    run_import(write_csv(tmp_path / "first.csv", [row()]))
    before = counts()

    out, _ = run_import(
        write_csv(tmp_path / "second.csv", [row(cin="91234567a", last_name="Garcia-Ruiz")])
    )

    assert out == "1 rows read, 1 applied, 0 unchanged, 0 rejected"
    assert counts() == before
    assert Member.objects.get(cin="91234567A").last_name == "Garcia-Ruiz"


def test_a_member_id_taken_by_another_cin_is_reported(tmp_path):
    path = write_csv(tmp_path / "members.csv", [row(), row(cin="81234567B", member_id="CO-1001")])

    _, err = run_import(path)

    assert err.startswith("line 3: member_id: ")
    assert not Member.objects.filter(cin="81234567B").exists()


def test_unreadable_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_members", str(tmp_path / "absent.csv"))
