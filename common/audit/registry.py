"""What is recorded, as data (R-X3): the models that hold member information (and the path from
each to its member), and the routes that show, list, download or change them.

Models and routes are named by string so that this leaf package imports no app. A route not
listed here is not member information (directory, dashboards, sign-in: signals record those);
tests/audit/test_registry.py fails when a route of a member model is added without a decision."""

from dataclasses import dataclass

from django.conf import settings

from .models import Event

# model label -> lookup path from a row to its member's id.
MEMBER_MODELS = {
    "members.member": "pk",
    "members.eligibilityspan": "member_id",
    "members.healthnetworkassignment": "member_id",
    "members.memberpopulationoffocus": "member_id",
    "referrals.referral": "member_id",
    "referrals.statuschange": "referral__member_id",
    "referrals.message": "referral__member_id",
    "referrals.attachment": "referral__member_id",
    "referrals.selfreferral": "referral__member_id",
    "authorizations.authorization": "member_id",
    "authorizations.event": "authorization__member_id",
    "authorizations.closurerequest": "authorization__member_id",
    "notices.notice": "authorization__member_id",
    "activities.ecmactivity": "member_id",
}

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Route:
    """How a route is recorded: `read` is the event of a GET or HEAD, `write` that of an unsafe
    method (None: not recorded). `pk` names the URL argument that is the record's id; `members`
    names the key of the API list rows that holds the member (ids of a list are recorded)."""

    model: str
    read: str | None
    pk: str | None = "pk"
    write: str | None = Event.CHANGE
    members: str | None = None

    def event(self, method: str) -> str | None:
        if method in ("GET", "HEAD"):
            return self.read
        return self.write if method in UNSAFE else None


def record(model, pk="pk"):
    return Route(model, Event.VIEW, pk)


def listing(model, members=None, read=Event.SEARCH):
    return Route(model, read, None, members=members)


def work_list(model):
    """A browser work list: showing it is a search, and so is POSTing its search box."""
    return Route(model, Event.SEARCH, None, write=Event.SEARCH)


def export(model):
    """A CSV of a work list (common/listing.py): every filtered row, read as an export."""
    return Route(model, Event.EXPORT, None, write=None)


MEMBER = "members.member"
REFERRAL = "referrals.referral"
AUTHORIZATION = "authorizations.authorization"
NOTICE = "notices.notice"
SELF_REFERRAL = "referrals.selfreferral"
ECM_ACTIVITY = "activities.ecmactivity"
FILE_RUN = "exchange.filerun"

ROUTES = {
    # Browser
    "members:search": Route(MEMBER, None, None, write=Event.SEARCH),  # a POST is the search
    "members:export": Route(MEMBER, Event.EXPORT, None, write=Event.EXPORT),  # POSTed search
    "members:detail": record(MEMBER),
    "referrals:list": work_list(REFERRAL),
    "referrals:export": export(REFERRAL),
    "referrals:inbox": work_list(REFERRAL),
    "referrals:inbox_export": export(REFERRAL),
    "referrals:intake": listing(SELF_REFERRAL),
    "referrals:intake_match": record(SELF_REFERRAL),
    "referrals:intake_reject": record(SELF_REFERRAL),
    "referrals:detail": record(REFERRAL),
    "referrals:post_message": record(REFERRAL),
    "referrals:add_attachment": record(REFERRAL),
    "referrals:move": record(REFERRAL),
    "referrals:resend": record(REFERRAL),
    "referrals:download": Route("referrals.attachment", Event.DOWNLOAD),
    # Wizard steps and the public form: the look-up is noted by the selector, the new rows are
    # recorded by the change signals.
    "referrals:new": Route(REFERRAL, None, None, write=None),
    "self_referral": Route(SELF_REFERRAL, None, None, write=None),
    "authorizations:list": work_list(AUTHORIZATION),
    "authorizations:export": export(AUTHORIZATION),
    "authorizations:queue": work_list(AUTHORIZATION),
    "authorizations:queue_export": export(AUTHORIZATION),
    "authorizations:detail": record(AUTHORIZATION),
    "authorizations:assign": record(AUTHORIZATION),
    "authorizations:request_closure": record(AUTHORIZATION),
    "authorizations:decide_closure": record(AUTHORIZATION),
    "authorizations:change_legacy": record(AUTHORIZATION),
    "notices:download": Route(NOTICE, Event.DOWNLOAD),
    # ECM activities (R-F1): the lists name the record in their path (a member, an authorization);
    # a logged activity is recorded by the change signals.
    "activities:members": listing(AUTHORIZATION),
    "activities:for_member": record(MEMBER),
    "activities:for_authorization": record(AUTHORIZATION),
    "activities:log": record(AUTHORIZATION),
    # File runs (R-F4), system admins only. A file's download is recorded by exchange/views.py
    # itself (who, which file, which HN, when: the middleware knows the run's id only); the
    # status the page polls holds no member information; asking for a run is a change request.
    "exchange:runs": Route(FILE_RUN, None, None, write=Event.CHANGE),
    "exchange:run_status": Route(FILE_RUN, None, write=None),
    "exchange:rerun": Route(FILE_RUN, None),
    "exchange:download": Route(FILE_RUN, None, write=None),
    # The ECM payment report (R-$1): members' units per month, shown and exported.
    "activities:payment_report": listing(ECM_ACTIVITY),
    "activities:payment_report_csv": export(ECM_ACTIVITY),
    # API
    "member-list": listing(MEMBER, members="id"),
    "member-search": Route(MEMBER, None, None, write=Event.SEARCH, members="id"),  # a POST
    "member-detail": record(MEMBER),
    "member-eligibility": record(MEMBER),
    "referral-list": listing(REFERRAL, members="member"),
    "referral-detail": record(REFERRAL),
    "referral-accept": record(REFERRAL),
    "referral-decline": record(REFERRAL),
    "referral-assign": record(REFERRAL),
    "referral-request-authorization": record(REFERRAL),
    "referral-start-service": record(REFERRAL),
    "referral-close": record(REFERRAL),
    "referral-messages": record(REFERRAL),
    "referral-attachments": record(REFERRAL),
    "authorization-list": listing(AUTHORIZATION, members="member"),
    "authorization-detail": record(AUTHORIZATION),
    "authorization-assign": record(AUTHORIZATION),
    "authorization-decide": record(AUTHORIZATION),
    "authorization-closure-requests": record(AUTHORIZATION),
    "authorization-decide-closure": record(AUTHORIZATION),
    "authorization-change-legacy": record(AUTHORIZATION),
    "notice-list": listing(NOTICE, members="member"),
    "notice-detail": record(NOTICE),
    "notice-download": Route(NOTICE, Event.DOWNLOAD),
    "ecm-activity-list": listing(ECM_ACTIVITY, members="member"),
    "ecm-activity-detail": record(ECM_ACTIVITY),
    # The compliance view: reading the trail is itself recorded.
    "audit:trail": listing("audit.auditevent"),
    "audit:download": listing("audit.auditevent", read=Event.EXPORT),
}

# Django admin: admin:<app>_<model>_<page> for every member model.
ADMIN_PAGES = {
    "changelist": lambda model: listing(model),
    "change": lambda model: record(model, "object_id"),
    "history": lambda model: record(model, "object_id"),
    "delete": lambda model: record(model, "object_id"),
    "add": lambda model: Route(model, None, None, write=None),  # the new row is recorded
}


def member_models() -> dict[str, str]:
    return getattr(settings, "AUDIT_MEMBER_MODELS", MEMBER_MODELS)


def route_for(view_name: str) -> Route | None:
    route = ROUTES.get(view_name)
    if route is not None or not view_name.startswith("admin:"):
        return route
    name = view_name.removeprefix("admin:")
    for label in member_models():
        prefix = label.replace(".", "_") + "_"
        if name.startswith(prefix) and name[len(prefix) :] in ADMIN_PAGES:
            return ADMIN_PAGES[name[len(prefix) :]](label)
    return None
