"""Referral pieces that lower apps' pages show without importing referrals (layering): a member
page loads this library to list the member's referrals the user may see (R-X2)."""

from django import template

from referrals import selectors

register = template.Library()


@register.inclusion_tag("referrals/_member_referrals.html")
def member_referrals(user, member):
    """The member's referrals in the user's scope, newest first, in one query (R-X2 per record:
    seeing the member does not open referrals held with other organizations)."""
    rows = selectors.referral_list(user).filter(member_id=member.pk).order_by("-created_at", "-pk")
    return {"referrals": list(rows), "member": member}
