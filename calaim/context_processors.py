from activities.payment import may_read_report
from activities.services import LOGGING_ROLES
from providers.models import Role


def navigation(request):
    """Role-aware navigation links for the base layout."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {"nav": []}
    nav = [
        ("home", "Home"),
        ("referrals:list", "Referrals"),
        ("referrals:inbox", "Inbox"),
        ("authorizations:list", "Authorizations"),
        ("members:search", "Members"),
        ("providers:directory", "Directory"),
    ]
    if user.role in LOGGING_ROLES and user.organization and user.organization.is_ecm_provider:
        nav.insert(4, ("activities:members", "ECM members"))  # log ECM activities (R-F1)
    if user.is_caloptima_staff:
        nav.insert(1, ("authorizations:queue", "Review queue"))
        nav.append(("referrals:intake", "Intake"))
    if may_read_report(user):
        nav.append(("activities:payment_report", "ECM payment"))  # R-$1
    if user.role in (Role.SITE_ADMIN,) or user.is_system_admin:
        nav.append(("providers:users", "Users"))
    if user.is_system_admin or (
        user.role == Role.SITE_ADMIN and user.organization and user.organization.is_ecm_provider
    ):
        nav.append(("providers:panel_requests", "POF panel"))
    if user.is_system_admin:
        nav.append(("audit:trail", "Audit trail"))  # R-X3 compliance view
        nav.append(("exchange:runs", "Files"))  # file runs (R-F4)
        nav.append(("admin:index", "Admin"))
    return {"nav": _mark_current(nav, getattr(request, "resolver_match", None))}


def _mark_current(nav, match):
    """The exact page if it is in the menu, else the first menu entry of the same section."""
    view = match.view_name if match else ""
    section = match.namespace if match else ""
    current = next((name for name, _ in nav if name == view), None)
    if current is None and section:
        current = next((name for name, _ in nav if name.startswith(f"{section}:")), None)
    return [(name, label, name == current) for name, label in nav]
