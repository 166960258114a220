"""How the site shows things to people, on any page: rule ids become the rule's words."""

from django import template
from django.utils.safestring import mark_safe

from common.rule_words import without_rule_ids

register = template.Library()


@register.filter
def rule_words(value) -> str:
    """A service's message without rule ids (they stay in code and tests). Markup (a form's error
    list) stays markup: taking out an id adds none."""
    if hasattr(value, "__html__"):
        return mark_safe(without_rule_ids(value.__html__()))  # noqa: S308 (already safe HTML)
    return without_rule_ids(value)
