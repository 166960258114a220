from django.core.paginator import Paginator


def paged(request, queryset, per_page: int) -> dict:
    """The page asked for, and the query string without `page` so that pager links keep filters."""
    query = request.GET.copy()
    query.pop("page", None)
    page = Paginator(queryset, per_page).get_page(request.GET.get("page"))
    return {"page": page, "query": query.urlencode()}
