from django.shortcuts import render

from common.dates import business_today

from . import selectors
from .forms import EligibilityDateForm, MemberSearchForm

SEARCH_LIMIT = 50


def search(request):
    form = MemberSearchForm(request.POST or None)
    results = None
    if request.method == "POST" and form.is_valid():
        results = list(
            selectors.search_members(request.user, **form.cleaned_data)[: SEARCH_LIMIT + 1]
        )
    return render(
        request,
        "members/search.html",
        {
            "form": form,
            "results": results[:SEARCH_LIMIT] if results is not None else None,
            "truncated": results is not None and len(results) > SEARCH_LIMIT,
        },
    )


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
