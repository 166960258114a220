"""Work lists (referrals, inbox, authorizations, review queue, members): a free-text search that
never travels in URLs, sorting by whitelisted columns, and a CSV export of the filtered list.

Imports Django only. Each app's view declares its columns and its search; this module does the
rest the same way for every list.

The search text may be a member's name or CIN, so it is POSTed, kept in the session under a random
token and the list is shown at `?search=<token>` (pager, sort and export links carry the token,
never the words). Filters and sort are plain query parameters, as before. A list shown in answer
to a POST (the member search) has header buttons that re-send its search instead (`post_form`)."""

import csv
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django import forms
from django.db.models import Case, CharField, QuerySet, Value, When
from django.http import HttpResponseRedirect, QueryDict, StreamingHttpResponse

SEARCH_PARAM = "search"
SORT_PARAM = "sort"
PAGE_PARAM = "page"
SEARCH_MAX_LENGTH = 100
SESSION_KEY = "work_list_searches"
KEPT_SEARCHES = 20  # per session: the oldest is forgotten first
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class SearchInput(forms.TextInput):
    input_type = "search"


class SearchForm(forms.Form):
    """The search box of a work list. Longer text is refused beside the box and kept as typed."""

    q = forms.CharField(
        label="Search",
        required=False,
        widget=SearchInput(attrs={"maxlength": SEARCH_MAX_LENGTH, "autocomplete": "off"}),
    )

    def __init__(self, *args, help_text="", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].help_text = f"{help_text} At most {SEARCH_MAX_LENGTH} characters.".strip()

    def clean_q(self):
        value = self.cleaned_data["q"]
        if len(value) > SEARCH_MAX_LENGTH:
            raise forms.ValidationError(
                f"Search at most {SEARCH_MAX_LENGTH} characters (you typed {len(value):,})."
            )
        return value


# --- Search kept in the session ------------------------------------------------------------------


def remember_search(request, list_name: str, criteria: dict) -> str:
    """Keep the criteria in the session; the token that names them ("" for an empty search)."""
    if not any(criteria.values()):
        return ""
    kept = dict(request.session.get(SESSION_KEY, {}))
    for token, entry in list(kept.items()):
        if entry == {"list": list_name, "criteria": criteria}:
            return token  # the same search again: the same link
    while len(kept) >= KEPT_SEARCHES:
        kept.pop(next(iter(kept)))
    token = secrets.token_urlsafe(9)
    kept[token] = {"list": list_name, "criteria": criteria}
    request.session[SESSION_KEY] = kept
    return token


def recall_search(request, list_name: str) -> tuple[dict, bool]:
    """The criteria named by `?search=`, and whether a token was given that names none (expired,
    another session's, or another list's)."""
    token = request.GET.get(SEARCH_PARAM, "")
    if not token:
        return {}, False
    entry = request.session.get(SESSION_KEY, {}).get(token[:64])
    if not entry or entry.get("list") != list_name:
        return {}, True
    return dict(entry["criteria"]), False


# --- Sorting -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column of a list: `key` is its name in `?sort=`; `order` the fields it sorts by (none:
    not sortable); `hidden_label` a label read by screen readers only (an actions column)."""

    key: str
    label: str
    order: tuple[str, ...] = ()
    hidden_label: bool = False


@dataclass(frozen=True)
class Sorting:
    key: str = ""  # "" when the list is in its default order
    descending: bool = False

    @property
    def param(self) -> str:
        return f"-{self.key}" if self.descending else self.key


def sorting_of(request, columns: Iterable[Column]) -> Sorting:
    """The `?sort=` asked for, when it names a sortable column; else the default order."""
    raw = request.GET.get(SORT_PARAM, "")[:40]
    key = raw.removeprefix("-")
    if any(c.key == key and c.order for c in columns):
        return Sorting(key, raw.startswith("-"))
    return Sorting()


def by_label(field_name: str, choices) -> Case:
    """Sort a choice field by the words shown (its labels), not by its stored codes."""
    return Case(
        *[When(**{field_name: value}, then=Value(str(label))) for value, label in choices],
        default=Value(""),
        output_field=CharField(),
    )


def _directed(item, descending: bool):
    if hasattr(item, "resolve_expression"):
        return item.desc(nulls_last=True) if descending else item.asc(nulls_last=True)
    if descending:
        return item[1:] if item.startswith("-") else f"-{item}"
    return item


def apply_sorting(queryset: QuerySet, sorting: Sorting, columns: Iterable[Column]) -> QuerySet:
    """Order by the sorted column's fields, then by id (a stable order across pages)."""
    if not sorting.key:
        return queryset
    column = next(c for c in columns if c.key == sorting.key)
    fields = [_directed(item, sorting.descending) for item in column.order]
    return queryset.order_by(*fields, "-id" if sorting.descending else "id")


def _query(request, **changes) -> str:
    """The current query string without its page, with `changes` ("" or None: removed)."""
    query: QueryDict = request.GET.copy()
    query.pop(PAGE_PARAM, None)
    for name, value in changes.items():
        query.pop(name, None)
        if value:
            query[name] = value
    return query.urlencode()


def headers(
    request, columns: Iterable[Column], sorting: Sorting, form_id: str = "", **keep
) -> list[dict]:
    """What `_sort_th.html` shows for each column: its link (the other direction when it is the
    sorted column), and `aria_sort` on the sorted one. `keep`: parameters to set on the links.
    With `form_id` the header is a button that re-sends that form (a search sent by POST)."""
    found = []
    for c in columns:
        entry = {
            "label": c.label,
            "hidden_label": c.hidden_label,
            "href": "",
            "aria_sort": "",
            "form": form_id,
        }
        if c.order:
            current = sorting.key == c.key
            entry["aria_sort"] = (
                ("descending" if sorting.descending else "ascending") if current else ""
            )
            ask = f"-{c.key}" if current and not sorting.descending else c.key
            entry["href"] = "?" + _query(request, **keep, **{SORT_PARAM: ask})
            entry["action"] = "descending" if ask.startswith("-") else "ascending"
        found.append(entry)
    return found


# --- One list ------------------------------------------------------------------------------------


@dataclass
class WorkList:
    """One list as a request sees it: the search box (bound on POST), the criteria recalled from
    `?search=`, the sort, the headers, and the query string that pager and export links keep."""

    request: object
    name: str
    columns: tuple[Column, ...]
    form_class: type[forms.Form] = SearchForm
    form_kwargs: dict = field(default_factory=dict)
    kept_params: tuple[str, ...] = ()  # filter fields a POST carries over to the list's URL
    post_form: str = ""  # a list shown in answer to a POST: headers re-send this form
    max_length = SEARCH_MAX_LENGTH

    def __post_init__(self):
        request = self.request
        self.criteria, self.expired = recall_search(request, self.name)
        self.search_token = "" if self.expired else request.GET.get(SEARCH_PARAM, "")[:64]
        if request.method == "POST":
            self.form = self.form_class(request.POST, **self.form_kwargs)
        else:
            self.form = self.form_class(initial=self.criteria, **self.form_kwargs)
        self.sorting = sorting_of(request, self.columns)

    def remember(self) -> bool:
        """A valid POSTed search becomes the list's criteria, kept under a new token."""
        if self.request.method != "POST" or not self.form.is_valid():
            return False
        self.criteria = {
            k: v.isoformat() if hasattr(v, "isoformat") else v
            for k, v in self.form.cleaned_data.items()
        }
        self.search_token = remember_search(self.request, self.name, self.criteria)
        self.expired = False
        return True

    def after_post(self) -> HttpResponseRedirect | None:
        """A valid search: to the list's URL with the token, the filters and the sort kept (the
        first page). An invalid one: None, and the page is shown with the error beside the box."""
        if not self.remember():
            return None
        token = self.search_token
        query = QueryDict(mutable=True)
        for name in self.kept_params:
            for value in self.request.POST.getlist(name):
                if value:
                    query.appendlist(name, value)
        if self.sorting.key:
            query[SORT_PARAM] = self.sorting.param
        if token:
            query[SEARCH_PARAM] = token
        return HttpResponseRedirect(f"{self.request.path}?{query.urlencode()}".rstrip("?"))

    def sort(self, queryset: QuerySet) -> QuerySet:
        return apply_sorting(queryset, self.sorting, self.columns)

    @property
    def headers(self) -> list[dict]:
        return headers(
            self.request, self.columns, self.sorting, self.post_form, search=self.search_token
        )

    @property
    def query(self) -> str:
        """The query string for the export link: search token, filters and sort, no page."""
        return _query(self.request, search=self.search_token)


# --- CSV -----------------------------------------------------------------------------------------


def safe_cell(value) -> str:
    """No spreadsheet formulas: a cell that starts like one is prefixed with a quote."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


class _Echo:
    def write(self, value):
        return value


def csv_response(
    rows: Iterable, columns: Iterable[tuple[str, Callable]], filename: str
) -> StreamingHttpResponse:
    """Stream `rows` as CSV, one line per row, each cell from its column's getter."""
    columns = list(columns)
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow([name for name, _ in columns])
        for row in rows:
            yield writer.writerow([safe_cell(get(row)) for _, get in columns])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def export_rows(queryset: QuerySet, chunk_size: int = 2000):
    """All rows of the filtered list, read in chunks (no page limit, bounded memory)."""
    return queryset.iterator(chunk_size=chunk_size)
