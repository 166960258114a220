"""Activity links that the authorization page (a lower app's) shows without importing activities
(layering): the page loads this library."""

from django import template

from activities import services
from authorizations.models import IN_FORCE

register = template.Library()


@register.inclusion_tag("activities/_authorization_links.html")
def activity_links(user, authorization):
    """For an ECM authorization: its activities, and the entry form for the provider's staff."""
    return {
        "a": authorization,
        "is_ecm": authorization.service.kind == "ecm",
        "can_log": services.can_log(user, authorization) and authorization.status in IN_FORCE,
    }
