"""The access matrix (R-X2): every API operation (discovered from the OpenAPI schema) and every
browser route (discovered from the URL configuration), for every role, against records of the
role's own organization and of another organization.

- Another organization's record answers exactly as a missing id does (status, headers that
  matter, body): 404, never a different shape that tells it exists. CalOptima Health staff see
  every record, so for them the other organization's record answers as their own does.
- No page or list a role gets names another organization's record (its id, reference, member).
- No cell answers 500.

The test discovers; it does not trust a list of today's endpoints. A route or an operation whose
path parameter it does not know how to fill FAILS `test_every_route_and_operation_is_mapped`:
map the new parameter in PATH_KINDS (or ENUM_VALUES / TOKEN_VALUES), or list a route that holds
no member information in ALLOWED, the day the endpoint is added.
"""

import functools
import itertools
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator

from authorizations.models import Event
from exchange.models import FileRun
from providers.models import Organization, Role
from referrals.models import SelfReferral
from tests.activities.factories import EcmActivityFactory
from tests.authorizations.factories import (
    AuthorizationFactory,
    ClosureRequestFactory,
    EventFactory,
    LegacyAuthorizationFactory,
)
from tests.members.factories import member_with_history
from tests.notices.factories import DeniedEventFactory, NoticeFactory
from tests.providers.factories import (
    EcmProviderFactory,
    HealthNetworkFactory,
    OfferingFactory,
    PanelChangeRequestFactory,
    ServiceFactory,
    SystemAdminFactory,
    UserFactory,
)
from tests.referrals.factories import AttachmentFactory, ReferralFactory, service

# --- What the test knows how to fill --------------------------------------------------------------

# A path parameter, named by the literal path segment before it and its own name, is a record of
# this kind. Browser routes say <int:pk>, API paths {id}; both are listed.
PATH_KINDS = {
    ("members", "pk"): "member",
    ("members", "id"): "member",
    ("referrals", "pk"): "referral",
    ("referrals", "id"): "referral",
    ("attachments", "pk"): "attachment",
    ("intake", "pk"): "self_referral",
    ("authorizations", "pk"): "authorization",
    ("authorizations", "id"): "authorization",
    ("closure", "closure_id"): "closure",
    ("closure-requests", "closure_id"): "closure",
    ("notices", "pk"): "notice",
    ("notices", "id"): "notice",
    ("ecm-activities", "id"): "activity",
    ("users", "pk"): "user",
    ("capacity", "pk"): "offering",
    ("panel-requests", "pk"): "panel_request",
    ("runs", "pk"): "file_run",  # files/runs/<pk>/...: system admins only (R-F4)
    # Reference data every signed-in user may read (the directory, the catalogue, R-P1).
    ("organizations", "id"): "organization",
    ("services", "code"): "service",
    ("populations-of-focus", "code"): "population",
}
# A parameter that names a record's parent is filled from the record (the closure's authorization).
PARENTS = {"closure": ("authorization", lambda closure: closure.authorization)}
REFERENCE_KINDS = {"organization", "service", "population"}
# Parameters that are not records: every value is tried.
ENUM_VALUES = {
    ("referrals", "action"): [
        "assign",
        "accept",
        "decline",
        "request_authorization",
        "start_service",
        "close",
    ],
}
# One-time links (password reset, invitation): a wrong token is tried; they hold no records.
TOKEN_VALUES = {
    ("reset", "uidb64"): "MA",
    ("reset", "token"): "set-password",
    ("invite", "uidb64"): "MA",
    ("invite", "token"): "bad-token",
}
# Routes outside the matrix, and why.
ALLOWED = {
    "admin/": "Django admin: staff only, its own permission checks (system admins see all)",
    "api/v1/": "the API, walked operation by operation from the OpenAPI schema below",
}
# What an anonymous visitor may open (everything else: sign-in first, 401/403, or 404).
PUBLIC = {
    "healthz",
    "refer/",
    "refer/received/",
    "i18n/setlang/",  # the public pages' language switch
    "accounts/login/",
    "accounts/login/verify/",
    "accounts/login/enrol/",
    "accounts/logout/",
    "accounts/session/",
    "accounts/password-reset/",
    "accounts/password-reset/sent/",
    "accounts/reset/<uidb64>/<token>/",
    "accounts/reset/done/",
    "accounts/invite/<uidb64>/<token>/",
    "accounts/invite/done/",
}
# The same document for everyone (no records in it): asked for signed out and by one role only.
STATIC_DOCUMENTS = {"/api/schema/", "api/docs/"}
STATIC_ROLES = {"anonymous", "provider_staff"}


def _search_other_member(world):
    """A search form or API search with the other organization's member's CIN."""
    cin = world.other["member"][0].cin
    return {"cin": cin}, [cin]


def _duplicate_of_other_referral(world):
    """A referral by CIN and birth date of one's own member for a service another organization
    holds an open referral for: the 409 must not name that referral (R-X2)."""
    theirs = world.other["referral"][-1]  # B's open referral about A's member
    member = theirs.member
    data = {
        "cin": member.cin,
        "birth_date": member.birth_date.isoformat(),
        "service": theirs.service.code,
        "requested_start_date": "2024-06-03",
        "reason": "Access matrix probe.",
        "member_consent": True,
        "receiving_organization": theirs.receiving_organization_id,
    }
    return data, [member.cin]


def _search_list_for_other_member(world):
    """A work list's search box (common/listing.py) with the other organization's member's name:
    the list it leads to must not show B's records (their ids, references, HN numbers)."""
    name = world.other["member"][0].last_name
    return {"q": name}, [name]


def _search_list_for_other_cin(world):
    cin = world.other["member"][0].cin
    return {"q": cin}, [cin]


# Writes and searches without a record in the path: POSTed by every signed-in role outside
# CalOptima Health with what probes for another organization's records, and the answer scanned.
def _log_against_other_authorization(world):
    """An ECM activity logged against another provider's ECM authorization: answered exactly as
    a missing authorization (404), naming nothing (R-X2)."""
    theirs = world.other["authorization"][0]
    data = {
        "authorization": theirs.pk,
        "date": "2024-06-10",
        "activity_type": "engagement",
        "method": "phone",
        "units": 2,
    }
    return data, [str(theirs.pk)]


PROBES = {
    "/api/v1/ecm-activities/": _log_against_other_authorization,
    "referrals/": _search_list_for_other_member,
    "referrals/inbox/": _search_list_for_other_cin,
    "authorizations/": _search_list_for_other_member,
    "authorizations/queue/": _search_list_for_other_cin,
    "members/export/": _search_other_member,
    "members/": _search_other_member,
    "/api/v1/members/search/": _search_other_member,
    "/api/v1/referrals/": _duplicate_of_other_referral,
}


def _payment_report_of_other_provider(world):
    """The payment report (R-$1) asked for the other side's provider by its id: a provider's
    staff get their own rows, never the other's members (R-X2)."""
    return {"month": "2024-06", "provider": world.other["organization"][0].pk}, []


# Pages whose query parameters name a record: asked with the other organization's, and scanned.
GET_PROBES = {
    "activities/payment-report/": _payment_report_of_other_provider,
    "activities/payment-report/csv/": _payment_report_of_other_provider,
}
# API operations without a record in the path that write, outside PROBES: covered elsewhere.
NON_OBJECT_WRITES: dict[tuple[str, str], str] = {}
# Required query parameters of API operations, filled with a valid value.
QUERY_VALUES = {"date": "2024-06-03"}
# API list filters that take a record id: the other organization's id filters like a missing one.
FILTER_KINDS = {"authorization": "authorization", "member": "member", "referral": "referral"}

ROLES = [
    "care_coordinator",
    "provider_staff",
    "utilization_reviewer",
    "health_network_staff",
    "site_admin",
    "system_admin",
    "anonymous",
]
CALOPTIMA_ROLES = {"utilization_reviewer", "system_admin"}
MISSING_ID = 7399999  # no record has it
pytestmark = pytest.mark.django_db
OTHER_IDS = itertools.count(7310001)  # the other organization's records: ids found by scanning


# --- Discovery -----------------------------------------------------------------------------------


@dataclass
class Route:
    """A browser route or an API operation, its path template and its parameters."""

    template: str  # "referrals/<int:pk>/<str:action>/" or "/api/v1/referrals/{id}/accept/"
    methods: list[str]
    api: bool
    params: list[tuple[str, str]] = field(default_factory=list)  # (segment before, name)
    query: dict = field(default_factory=dict)  # required query parameters, filled
    missing_query: list[str] = field(default_factory=list)  # required, and not in QUERY_VALUES


PARAM = re.compile(r"<(?:\w+:)?(\w+)>|\{(\w+)\}")


def _params(template: str) -> list[tuple[str, str]]:
    found, literal = [], ""
    for segment in template.strip("/").split("/"):
        match = PARAM.fullmatch(segment)
        if match:
            found.append((literal, match.group(1) or match.group(2)))
        else:
            literal = segment
    return found


def _walk(patterns, prefix=""):
    for p in patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, route)
        elif isinstance(p, URLPattern):
            yield route


def browser_routes() -> tuple[list[Route], list[str]]:
    """Every route of calaim.urls outside ALLOWED (with the allowed ones, for the count)."""
    routes, allowed = [], []
    for route in _walk(get_resolver("calaim.urls").url_patterns):
        if any(route.startswith(prefix) for prefix in ALLOWED):
            allowed.append(route)
            continue
        routes.append(Route(route, ["get", "post"], api=False, params=_params(route)))
    return routes, allowed


@functools.cache
def api_operations() -> list[Route]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = []
    for path, item in schema["paths"].items():
        for method in [m for m in item if m in ("get", "post", "put", "patch", "delete")]:
            required = [
                p["name"]
                for p in item[method].get("parameters", [])
                if p["in"] == "query" and p.get("required")
            ]
            found.append(
                Route(
                    path,
                    [method],
                    api=True,
                    params=_params(path),
                    query={n: QUERY_VALUES[n] for n in required if n in QUERY_VALUES},
                    missing_query=[n for n in required if n not in QUERY_VALUES],
                )
            )
    found.append(Route("/api/schema/", ["get"], api=True))
    return found


def unmapped(routes: list[Route]) -> list[str]:
    problems = []
    for r in routes:
        for name in r.missing_query:
            problems.append(f"{r.template}: required query parameter {name!r}")
        for key in r.params:
            if key not in PATH_KINDS and key not in ENUM_VALUES and key not in TOKEN_VALUES:
                problems.append(f"{r.template}: parameter {key[1]!r} after {key[0]!r}")
        if r.api and not r.params:
            for method in r.methods:
                known = (method, r.template) in NON_OBJECT_WRITES or r.template in PROBES
                if method != "get" and not known:
                    problems.append(f"{method.upper()} {r.template}: a write without a record")
    return problems


def test_every_route_and_operation_is_mapped():
    """A new endpoint is covered the day it is added, or this fails and says what to map."""
    routes, _ = browser_routes()
    operations = api_operations()
    assert len(operations) > 10 and len(routes) > 20
    assert unmapped(routes + operations) == []


def test_a_route_or_operation_it_cannot_fill_is_reported():
    """What the day-one guarantee rests on: an unknown record parameter, an unknown required
    query parameter and a write without a record are each reported, not skipped."""
    new_page = "widgets/<int:pk>/"
    widget = "/api/v1/widgets/{id}/"
    new_operation = Route(widget, ["get"], api=True, params=_params(widget))
    new_query = Route("/api/v1/referrals/", ["get"], api=True, missing_query=["since"])
    new_write = Route("/api/v1/widgets/", ["post"], api=True)
    page = Route(new_page, ["get", "post"], api=False, params=_params(new_page))
    assert len(unmapped([page, new_operation, new_query, new_write])) == 4


# --- The world: one organization's records and another's ------------------------------------------


@dataclass
class World:
    users: dict
    own: dict  # kind -> records of the role's side (organizations "A")
    other: dict  # kind -> records of the other side ("B"), ids from OTHER_IDS
    other_markers: list[str]  # ids, references, CINs and names of "B" records


def _other_id() -> int:
    return next(OTHER_IDS)


def build_world() -> World:
    """Side A: a referring clinic, a provider and a health network, whose member has a referral, an
    authorization with a letter, an attachment and a closure request, and a legacy HN
    authorization with a letter. Side B: the same for another clinic, provider and network,
    including records about A's member (per record, R-X2) and a member only B has a part in."""
    meals = service("CS_MEDICALLY_TAILORED_MEALS")
    ecm = service("ECM")
    sides = {}
    for side in "AB":
        oid = _other_id if side == "B" else (lambda: None)
        clinic = EcmProviderFactory(name=f"Side {side} Clinic", is_referring_organization=True)
        provider = EcmProviderFactory(name=f"Side {side} Provider", is_cs_provider=True)
        network = HealthNetworkFactory(name=f"Side {side} Network")
        member = member_with_history(
            id=oid(),
            health_network=network,
            cin=f"9{'7' if side == 'A' else '8'}000001{side}",
            first_name=f"Member{side}",
            last_name=f"Sidename{side}",
        )
        sides[side] = dict(clinic=clinic, provider=provider, network=network, member=member)
    a, b = sides["A"], sides["B"]
    users = {
        "care_coordinator": UserFactory(organization=a["clinic"], role=Role.CARE_COORDINATOR),
        "provider_staff": UserFactory(organization=a["provider"], role=Role.PROVIDER_STAFF),
        "utilization_reviewer": UserFactory(
            organization=Organization.objects.get(is_caloptima=True),
            role=Role.UTILIZATION_REVIEWER,
        ),
        "health_network_staff": UserFactory(
            organization=a["network"], role=Role.HEALTH_NETWORK_STAFF
        ),
        "site_admin": UserFactory(organization=a["provider"], role=Role.SITE_ADMIN),
        "system_admin": SystemAdminFactory(),
    }

    def records(s, *, about, oid, service_):
        referral = ReferralFactory(
            id=oid(),
            member=about,
            service=service_,
            referring_organization=s["clinic"],
            referring_user=UserFactory(organization=s["clinic"]),
            receiving_organization=s["provider"],
            status="authorization_requested",
        )
        attachment = AttachmentFactory(id=oid(), referral=referral)
        authorization = AuthorizationFactory(
            id=oid(), member=about, provider=s["provider"], referral=referral, service=service_
        )
        letter = NoticeFactory(
            id=oid(), event=EventFactory(authorization=authorization, kind=Event.Kind.ASSIGNED)
        )
        closure = ClosureRequestFactory(id=oid(), authorization=authorization)
        return referral, attachment, authorization, letter, closure

    own = {k: [] for k in PATH_KINDS.values()}
    other = {k: [] for k in PATH_KINDS.values()}
    for side, bucket, oid in (("A", own, lambda: None), ("B", other, _other_id)):
        s = sides[side]
        legacy = LegacyAuthorizationFactory(
            id=oid(),
            member=s["member"],
            provider=s["provider"],
            health_network=s["network"],
            hn_authorization_number=f"HN{side}-2022-0042",
        )
        legacy_letter = NoticeFactory(
            id=oid(),
            event=DeniedEventFactory(authorization=legacy, kind=Event.Kind.TERMINATED),
            kind="termination",
            sender=s["network"],
        )
        sets = [records(s, about=s["member"], oid=oid, service_=ecm)]
        if side == "B":  # B's records about A's member: seeing the member opens none of them
            sets.append(records(s, about=a["member"], oid=oid, service_=meals))
        bucket["member"].append(s["member"])
        bucket["authorization"].append(legacy)
        bucket["notice"].append(legacy_letter)
        for referral, attachment, authorization, letter, closure in sets:
            bucket["referral"].append(referral)
            bucket["attachment"].append(attachment)
            bucket["authorization"].insert(0, authorization)
            bucket["notice"].insert(0, letter)
            bucket["closure"].append(closure)
            # An ECM activity on each (R-F1): seen by the provider that logged it only.
            bucket["activity"].append(EcmActivityFactory(id=oid(), authorization=authorization))
        bucket["user"].append(UserFactory(id=oid(), organization=s["provider"]))
        bucket["offering"].append(
            OfferingFactory(id=oid(), organization=s["provider"], service=meals)
        )
        bucket["panel_request"].append(
            PanelChangeRequestFactory(id=oid(), organization=s["clinic"])
        )
        bucket["file_run"].append(
            FileRun.objects.create(
                id=oid(),
                kind="ecm_activity_log",
                period_start="2024-06-03",
                period_end="2024-06-09",
                organization=s["network"],
                status="done",
                file_name=f"ECM_ACTIVITY_LOG_SIDE_{side}_20240603_20240609.csv",
            )
        )
    # A decision that changed the provider: side A's provider now holds an authorization whose
    # referral was made between side B's organizations; it sees the authorization, not the
    # referral (per record, R-X2).
    handed_over = ReferralFactory(
        id=_other_id(),
        member=a["member"],
        service=ecm,
        referring_organization=b["clinic"],
        referring_user=UserFactory(organization=b["clinic"]),
        receiving_organization=b["provider"],
        status="service_started",
    )
    other["referral"].insert(0, handed_over)
    handed = AuthorizationFactory(
        member=a["member"],
        provider=a["provider"],
        referral=handed_over,
        service=ecm,
        status="modified",
    )
    EventFactory(authorization=handed, note=f"From referral {handed_over.reference}.")
    own["authorization"].append(handed)
    other["self_referral"].append(
        SelfReferral.objects.create(
            id=_other_id(),
            confirmation_number="SR-7310999",
            first_name="Selfie",
            last_name="Referrer",
            birth_date="1980-01-01",
            phone="7145550100",
            language="en",
            service=meals,
            consent=True,
        )
    )
    ServiceFactory(code="CS_TEST_MATRIX")
    own["organization"] = [a["provider"]]
    other["organization"] = [b["provider"]]  # reference data: everyone may read it
    own["service"] = other["service"] = [meals]
    own["population"] = other["population"] = [type("P", (), {"pk": "2"})()]
    markers = [
        str(r.pk) for kind, rows in other.items() if kind not in REFERENCE_KINDS for r in rows
    ]
    markers += [b["member"].cin, "SidenameB", "HNB-2022-0042", "SR-7310999"]
    return World(users=users, own=own, other=other, other_markers=markers)


# --- Cells -------------------------------------------------------------------------------------


def _value(record, kind):
    if kind == "service":
        return record.code
    return str(record.pk)


def fill(route: Route, record, kind) -> list[str]:
    """The route's path for `record` (and its parent), one path per enum value."""
    values = {}
    for key in route.params:
        param_kind = PATH_KINDS.get(key)
        if key in TOKEN_VALUES:
            values[key] = [TOKEN_VALUES[key]]
        elif key in ENUM_VALUES:
            values[key] = ENUM_VALUES[key]
        elif param_kind == kind:
            values[key] = [record if isinstance(record, str) else _value(record, kind)]
        else:  # the parent of the target record
            parent_kind, parent_of = PARENTS[kind]
            assert param_kind == parent_kind, (route.template, key)
            values[key] = [str(parent_of(record).pk) if not isinstance(record, str) else record]
    paths = []
    for combo in itertools.product(*[values[k] for k in route.params]):
        path, it = route.template, iter(combo)
        path = PARAM.sub(lambda _m, it=it: next(it), path)
        paths.append(_with_query(route, path if route.api else "/" + path))
    return paths


def _with_query(route: Route, path: str) -> str:
    return f"{path}?{urlencode(route.query)}" if route.query else path


def target_kind(route: Route) -> str | None:
    kinds = [PATH_KINDS[k] for k in route.params if k in PATH_KINDS]
    return kinds[-1] if kinds else None


# What differs between two requests anyway: CSRF masks, CSP nonces, the idle countdown.
TOKENS = re.compile(
    rb'(csrfmiddlewaretoken" value|nonce|csrf_token" content|data-idle-seconds)="[^"]*"'
)


def shape(response, ids: list[str]) -> tuple:
    """What a caller can tell from a response, with the ids asked for taken out."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    body = TOKENS.sub(rb'\1=""', body)
    location = response.get("Location", "")
    for i in ids:
        body = re.sub(rb"(?<![0-9])" + i.encode() + rb"(?![0-9])", b"{ID}", body)
        location = re.sub(rf"(?<![0-9]){i}(?![0-9])", "{ID}", location)
    return response.status_code, response.get("Content-Type", ""), location, body


def _diff(got, absent, ids) -> str:
    """The first line that differs, to say how the two answers differ."""
    a, b = shape(got, ids), shape(absent, ids)
    if a[:3] != b[:3]:
        return f": {a[:3]} != {b[:3]}"
    for x, y in zip(a[3].splitlines(), b[3].splitlines(), strict=False):
        if x != y:
            return f": {x[:160]!r} != {y[:160]!r}"
    return ": bodies differ in length"


@dataclass
class Matrix:
    world: World
    cells: int = 0
    failures: list[str] = field(default_factory=list)

    def request(self, client, method, path, data=None, api=False, follow=False):
        self.cells += 1
        try:
            if api and method != "get":
                return getattr(client, method)(path, data or {}, content_type="application/json")
            if method == "get":
                return client.get(path, data or {})
            return client.post(path, data or {}, follow=follow)
        except Exception as exc:  # noqa: BLE001 - a 500 is a failing cell, reported with the rest
            self.failures.append(f"{method.upper()} {path}: raised {exc!r}")
            return None

    def scan(self, role, label, response, echoed=()):
        """No other-organization record named in what the role gets (R-X2); `echoed`: what the
        role itself sent, which a form shows back."""
        if response is None or role in CALOPTIMA_ROLES:
            return
        if response.status_code >= 500:
            self.failures.append(f"{role} {label}: {response.status_code}")
            return
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = TOKENS.sub(rb"", body).decode("utf-8", "replace")
        for marker in set(self.world.other_markers) - set(echoed):
            if re.search(rf"(?<![0-9A-Za-z]){re.escape(marker)}(?![0-9A-Za-z])", text):
                self.failures.append(f"{role} {label}: names another organization's {marker}")

    def same_as_missing(self, role, client, method, route, record, kind, data=None):
        """The other organization's record answers exactly as a missing id (R-X2)."""
        for path, missing in zip(
            fill(route, record, kind), fill(route, str(MISSING_ID), kind), strict=True
        ):
            ids = [_value(record, kind), str(MISSING_ID)]
            if kind in PARENTS:
                ids.append(str(PARENTS[kind][1](record).pk))
            got = self.request(client, method, path, data, route.api)
            absent = self.request(client, method, missing, data, route.api)
            if got is None or absent is None:
                continue
            if shape(got, ids) != shape(absent, ids):
                self.failures.append(
                    f"{role} {method.upper()} {path}: {got.status_code}, but a missing id "
                    f"{absent.status_code} (another organization's {kind}){_diff(got, absent, ids)}"
                )
            elif role != "anonymous" and got.status_code not in (404, 405):
                self.failures.append(f"{role} {method.upper()} {path}: {got.status_code}")


def _client(user) -> Client:
    client = Client(raise_request_exception=True)
    if user is not None:
        client.force_login(user)
    return client


def test_access_matrix(settings, capsys):
    """Every role x every browser route and API operation x own and other organization."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.API_THROTTLE_ANON = settings.API_THROTTLE_USER = "100000/minute"
    world = build_world()
    routes, allowed = browser_routes()
    operations = api_operations()
    assert unmapped(routes + operations) == [], "see test_every_route_and_operation_is_mapped"
    matrix = Matrix(world)
    for role in ROLES:
        user = world.users.get(role)
        client = _client(user)
        for route in routes + operations:
            _route_cells(matrix, role, client, route)
    print(
        f"access matrix: {matrix.cells} cells, {len(ROLES)} roles, {len(routes)} browser routes, "
        f"{len(operations)} API operations ({len(allowed)} routes allowed out)"
    )
    assert matrix.failures == [], f"{len(matrix.failures)} of {matrix.cells} cells failed:\n" + (
        "\n".join(matrix.failures)
    )


def _route_cells(matrix: Matrix, role: str, client, route: Route):
    world = matrix.world
    kind = target_kind(route)
    methods = [m for m in route.methods if m in ("get", "post", "put", "patch", "delete")]
    if route.template in STATIC_DOCUMENTS and role not in STATIC_ROLES:
        return
    if kind is None:  # a list, a page, a form, a one-time link: what the role gets is scanned
        paths = fill(route, None, None) if route.params else [_plain_path(route)]
        for path in paths if "get" in methods else []:
            response = matrix.request(client, "get", path, api=route.api)
            matrix.scan(role, f"GET {path}", response)
            _anonymous_reaches_only_public(matrix, role, route, response)
            if route.api and response is not None and response.status_code == 200:
                _filter_cells(matrix, role, client, path)
        get_probe = GET_PROBES.get(route.template)
        if get_probe and "get" in methods and role not in CALOPTIMA_ROLES | {"anonymous"}:
            query, echoed = get_probe(world)
            response = matrix.request(client, "get", _plain_path(route), query)
            matrix.scan(role, f"GET {route.template} ({get_probe.__name__})", response, echoed)
        probe = PROBES.get(route.template)
        if probe and "post" in methods and role not in CALOPTIMA_ROLES | {"anonymous"}:
            data, echoed = probe(world)
            # A work list's search answers with a redirect to the list it found: followed.
            response = matrix.request(
                client, "post", _plain_path(route), data, route.api, follow=not route.api
            )
            matrix.scan(role, f"POST {route.template} ({probe.__name__})", response, echoed)
        return
    if kind in REFERENCE_KINDS:
        for path in fill(route, world.own[kind][0], kind):
            response = matrix.request(client, "get", path, api=route.api)
            matrix.scan(role, f"GET {path}", response)
        return
    for record in world.own.get(kind, []):  # own records: what the page shows is scanned
        if "get" in methods and role != "anonymous":
            for path in fill(route, record, kind):
                matrix.scan(role, f"GET {path}", matrix.request(client, "get", path, api=route.api))
    for record in world.other.get(kind, []):
        if role in CALOPTIMA_ROLES:  # CalOptima Health sees all: other answers as own
            if "get" in methods and world.own.get(kind):
                _caloptima_sees_all(matrix, role, client, route, kind, record)
            continue
        for method in methods:
            matrix.same_as_missing(role, client, method, route, record, kind)
        if kind in PARENTS and world.own.get(kind):  # another's child under one's own parent
            _child_under_own_parent(matrix, role, client, route, kind, record, methods)


def _plain_path(route: Route) -> str:
    return _with_query(route, route.template if route.api else "/" + route.template)


def _anonymous_reaches_only_public(matrix, role, route, response):
    if role != "anonymous" or response is None or route.api or route.template in PUBLIC:
        return
    location = response.get("Location", "")
    if not (response.status_code in (401, 403, 404) or "/accounts/login/" in location):
        matrix.failures.append(f"anonymous GET /{route.template}: {response.status_code}")


def _caloptima_sees_all(matrix, role, client, route, kind, record):
    for mine, theirs in zip(
        fill(route, matrix.world.own[kind][0], kind), fill(route, record, kind), strict=True
    ):
        a = matrix.request(client, "get", mine, api=route.api)
        b = matrix.request(client, "get", theirs, api=route.api)
        if a is not None and b is not None and a.status_code != b.status_code:
            matrix.failures.append(
                f"{role} GET {theirs}: {b.status_code}, own {a.status_code} (sees all, R-X2)"
            )


def _child_under_own_parent(matrix, role, client, route, kind, record, methods):
    parent_kind, parent_of = PARENTS[kind]
    own_parent = str(parent_of(matrix.world.own[kind][0]).pk)
    for method in methods:
        paths = []
        for value in (str(record.pk), str(MISSING_ID)):
            path = route.template
            for key in route.params:
                token = own_parent if PATH_KINDS.get(key) == parent_kind else value
                path = PARAM.sub(lambda _m, t=token: t, path, count=1)
            paths.append(_with_query(route, path if route.api else "/" + path))
        got = matrix.request(client, method, paths[0], api=route.api)
        absent = matrix.request(client, method, paths[1], api=route.api)
        ids = [str(record.pk), str(MISSING_ID)]
        if got is not None and absent is not None and shape(got, ids) != shape(absent, ids):
            matrix.failures.append(
                f"{role} {method.upper()} {paths[0]}: {got.status_code}, a missing id "
                f"{absent.status_code} (another organization's {kind} under one's own "
                f"{parent_kind}){_diff(got, absent, ids)}"
            )


def _filter_cells(matrix, role, client, path):
    """List filters by record id: the other organization's id filters as a missing id does."""
    if role in CALOPTIMA_ROLES or role == "anonymous":
        return
    for name, kind in FILTER_KINDS.items():
        for record in matrix.world.other.get(kind, [])[:1]:
            got = matrix.request(client, "get", path, {name: record.pk}, api=True)
            absent = matrix.request(client, "get", path, {name: MISSING_ID}, api=True)
            ids = [str(record.pk), str(MISSING_ID)]
            if got is not None and absent is not None and shape(got, ids) != shape(absent, ids):
                matrix.failures.append(
                    f"{role} GET {path}?{name}=<other>: {got.status_code}, a missing id "
                    f"{absent.status_code}"
                )
