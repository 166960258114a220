from django.shortcuts import render

from common import listing
from common.dates import business_today

from . import selectors
from .forms import EligibilityDateForm, MemberSearchForm

SEARCH_LIMIT = 50


# The found members as a work list (common/listing.py): sortable columns and a CSV.
MEMBER_COLUMNS = (
    listing.Column("name", "Name", ("last_name", "first_name")),
    listing.Column("cin", "CIN", ("cin",)),
    listing.Column("member_id", "Member id", ("member_id",)),
    listing.Column("birth_date", "Birth date", ("birth_date",)),
)
MEMBER_CSV = (
    ("last_name", lambda m: m.last_name),
    ("first_name", lambda m: m.first_name),
    ("cin", lambda m: m.cin),
    ("member_id", lambda m: m.member_id),
    ("birth_date", lambda m: m.birth_date.isoformat()),
    ("preferred_language", lambda m: m.get_preferred_language_display()),
)


def _found(request):
    """The search as POSTed (never in the URL), sorted by `?sort=`; None without a search."""
    work = listing.WorkList(
        request,
        "members",
        MEMBER_COLUMNS,
        form_class=MemberSearchForm,
        post_form="member-results",
    )
    if request.method != "POST" or not work.form.is_valid():
        return work, None
    return work, work.sort(selectors.search_members(request.user, **work.form.cleaned_data))


def search(request):
    """Find a member. The found members sort by their column headers and download as CSV: each
    re-sends the search by POST (a hidden form with what was searched for)."""
    work, found = _found(request)
    results = list(found[: SEARCH_LIMIT + 1]) if found is not None else None
    return render(
        request,
        "members/search.html",
        {
            "form": work.form,
            "listing": work,
            "results": results[:SEARCH_LIMIT] if results is not None else None,
            "truncated": results is not None and len(results) > SEARCH_LIMIT,
        },
    )


def search_export(request):
    """Every member the search found, as CSV (recorded as an export, R-X3)."""
    _, found = _found(request)
    rows = listing.export_rows(found) if found is not None else []
    return listing.csv_response(rows, MEMBER_CSV, "members.csv")


def detail(request, pk: int):
    member = selectors.member_detail(request.user, pk)
    date_form = EligibilityDateForm(request.GET or {"on": business_today().isoformat()})
    on = date_form.cleaned_data["on"] if date_form.is_valid() else business_today()
    verdict = selectors.eligibility_on(member, on)
    # Cross-app reads through the other apps' selectors (a view may use several apps).
    from authorizations.selectors import authorizations_of_member
    from notices.selectors import notices_of_member

    return render(
        request,
        "members/detail.html",
        {
            "member": member,
            "date_form": date_form,
            "verdict": verdict,
            "authorizations": authorizations_of_member(request.user, member),
            "notices": notices_of_member(request.user, member),
            "on": on,
        },
    )
