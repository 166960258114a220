from django import template

from members.models import Program

register = template.Library()


@register.filter
def program_label(value: str | None) -> str:
    """'medi_cal' -> 'Medi-Cal'; empty for no program."""
    return Program(value).label if value else ""
