"""common/listing.py: the work-list machinery (search kept out of URLs, whitelisted sorting, CSV
with formula cells escaped). The lists themselves are tested in each app's test_lists.py."""

import csv
import io

import pytest
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.db.models import F
from django.test import RequestFactory

from common import listing
from members.models import Language, Member

COLUMNS = (
    listing.Column("name", "Name", ("last_name", "first_name")),
    listing.Column("born", "Birth date", ("-birth_date",)),
    listing.Column(
        "language", "Language", (listing.by_label("preferred_language", Language.choices),)
    ),
    listing.Column("actions", "Actions", hidden_label=True),
)


def get(query="", session=None, method="get", data=None):
    request = getattr(RequestFactory(), method)("/list/" + (f"?{query}" if query else ""), data)
    request.session = session if session is not None else SessionStore()
    return request


@pytest.mark.parametrize(
    "value, cell",
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1 714 555 0100", "'+1 714 555 0100"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ("\rCR", "'\rCR"),
        ("Garcia, Maria", "Garcia, Maria"),
        ("R-2024-000001", "R-2024-000001"),
        (None, ""),
        (42, "42"),
    ],
)
def test_a_csv_cell_that_starts_like_a_formula_is_quoted(value, cell):
    assert listing.safe_cell(value) == cell


@pytest.mark.parametrize(
    "query, key, descending",
    [
        ("sort=name", "name", False),
        ("sort=-name", "name", True),
        ("sort=born", "born", False),
        ("sort=actions", "", False),  # not sortable
        ("sort=password", "", False),  # not a column
        ("sort=member__cin", "", False),  # a field path is not a column name
        ("sort=--name", "", False),
        ("sort=" + "x" * 10_000, "", False),
        ("sort=", "", False),
        ("", "", False),
    ],
)
def test_only_a_whitelisted_column_sorts_anything_else_is_the_default_order(query, key, descending):
    assert listing.sorting_of(get(query), COLUMNS) == listing.Sorting(key, descending)


def _sql(qs) -> str:
    return str(qs.query).split("ORDER BY", 1)[1]


def test_sorting_orders_by_the_columns_fields_then_by_id_both_ways():
    qs = Member.objects.all()
    up = listing.apply_sorting(qs, listing.Sorting("name"), COLUMNS)
    down = listing.apply_sorting(qs, listing.Sorting("name", True), COLUMNS)

    assert up.query.order_by == ("last_name", "first_name", "id")
    assert down.query.order_by == ("-last_name", "-first_name", "-id")
    # A field declared descending flips too.
    assert listing.apply_sorting(qs, listing.Sorting("born", True), COLUMNS).query.order_by == (
        "birth_date",
        "-id",
    )


def test_the_default_order_is_left_alone():
    qs = Member.objects.order_by("cin")
    assert listing.apply_sorting(qs, listing.Sorting(), COLUMNS).query.order_by == ("cin",)


def test_a_choice_column_sorts_by_the_words_shown():
    qs = listing.apply_sorting(Member.objects.all(), listing.Sorting("language", True), COLUMNS)
    order = _sql(qs)
    assert "CASE" in order and "THEN Vietnamese" in order and "END DESC" in order


def test_headers_link_to_the_other_direction_and_mark_the_sorted_column():
    request = get("sort=name&status=sent&page=3&search=tok")
    found = listing.headers(request, COLUMNS, listing.sorting_of(request, COLUMNS))

    name, born, _language, actions = found
    assert name["aria_sort"] == "ascending" and "sort=-name" in name["href"]
    assert "status=sent" in name["href"] and "search=tok" in name["href"]
    assert "page=" not in name["href"]  # a new sort starts at the first page
    assert born["aria_sort"] == "" and "sort=born" in born["href"]
    assert actions["href"] == "" and actions["hidden_label"]


def test_a_search_is_kept_in_the_session_under_a_token_never_in_the_url():
    session = SessionStore()
    token = listing.remember_search(get(session=session), "referrals", {"q": "Garcia"})

    assert token and "Garcia" not in token
    assert listing.recall_search(get(f"search={token}", session), "referrals") == (
        {"q": "Garcia"},
        False,
    )
    # Another list, an unknown token, another session: nothing recalled, and said so.
    assert listing.recall_search(get(f"search={token}", session), "inbox") == ({}, True)
    assert listing.recall_search(get("search=nope", session), "referrals") == ({}, True)
    assert listing.recall_search(get(f"search={token}"), "referrals") == ({}, True)
    assert listing.recall_search(get("", session), "referrals") == ({}, False)
    # The same search again: the same token; an empty search: none.
    assert listing.remember_search(get(session=session), "referrals", {"q": "Garcia"}) == token
    assert listing.remember_search(get(session=session), "referrals", {"q": ""}) == ""


def test_the_session_keeps_a_bounded_number_of_searches():
    session = SessionStore()
    first = listing.remember_search(get(session=session), "referrals", {"q": "first"})
    for i in range(listing.KEPT_SEARCHES):
        listing.remember_search(get(session=session), "referrals", {"q": f"q{i}"})

    assert len(session[listing.SESSION_KEY]) == listing.KEPT_SEARCHES
    assert listing.recall_search(get(f"search={first}", session), "referrals")[1] is True


def test_a_valid_search_redirects_to_the_list_with_token_filters_and_sort():
    session = SessionStore()
    request = get(
        "sort=-name&page=4", session, "post", {"q": " Garcia ", "status": "sent", "x": "1"}
    )
    work = listing.WorkList(request, "referrals", COLUMNS, kept_params=("status",))

    response = work.after_post()

    location = response["Location"]
    assert location.startswith("/list/?") and "Garcia" not in location
    assert "status=sent" in location and "sort=-name" in location
    assert "x=" not in location and "page=" not in location
    token = location.split("search=")[1]
    assert session[listing.SESSION_KEY][token]["criteria"] == {"q": "Garcia"}


def test_a_search_too_long_is_refused_beside_the_box_and_kept():
    text = "y" * 5000
    work = listing.WorkList(get(method="post", data={"q": text}), "referrals", COLUMNS)

    assert work.after_post() is None
    assert work.form.errors["q"] == ["Search at most 100 characters (you typed 5,000)."]
    assert work.form["q"].value() == text


def test_a_nul_character_in_a_search_is_refused_not_sent_to_the_database():
    work = listing.WorkList(get(method="post", data={"q": "Gar\x00cia"}), "referrals", COLUMNS)

    assert work.after_post() is None and "q" in work.form.errors


def test_csv_response_streams_a_header_and_one_escaped_line_per_row():
    rows = [{"a": "=1+1", "b": "plain"}, {"a": "Garcia, Maria", "b": None}]
    response = listing.csv_response(
        iter(rows), [("A", lambda r: r["a"]), ("B", lambda r: r["b"])], "x.csv"
    )

    assert response.streaming and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
    text = b"".join(response.streaming_content).decode()
    assert list(csv.reader(io.StringIO(text))) == [
        ["A", "B"],
        ["'=1+1", "plain"],
        ["Garcia, Maria", ""],
    ]


def test_an_expression_column_sorts_with_nulls_last_both_ways():
    columns = (listing.Column("x", "X", (F("end_date"),)),)
    from authorizations.models import Authorization

    up = _sql(listing.apply_sorting(Authorization.objects.all(), listing.Sorting("x"), columns))
    down = _sql(
        listing.apply_sorting(Authorization.objects.all(), listing.Sorting("x", True), columns)
    )
    assert "ASC NULLS LAST" in up and "DESC NULLS LAST" in down
