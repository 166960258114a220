"""Django admin with every form control named (axe `label`, `select-name`): the base classes our
apps' admin.py use. Imports Django only.

A split date-time (AdminSplitDateTime) has one label for two inputs, so each input is named
("Decided at: date"); inlines are stacked (each control has its own label) rather than tabular
(a column header that names no control)."""

from django.contrib import admin
from django.forms import MultiWidget

PARTS = ("date", "time")


def name_each_input(formfield):
    """Give each input of a multi-input field its own accessible name."""
    if formfield is None:
        return formfield
    widget = getattr(formfield.widget, "widget", formfield.widget)  # a related-field wrapper
    if isinstance(widget, MultiWidget):
        for i, sub in enumerate(widget.widgets):
            part = PARTS[i] if i < len(PARTS) else str(i + 1)
            sub.attrs = {**sub.attrs, "aria-label": f"{formfield.label}: {part}"}
    return formfield


class NamedInputs:
    def formfield_for_dbfield(self, db_field, request, **kwargs):
        return name_each_input(super().formfield_for_dbfield(db_field, request, **kwargs))


class ModelAdmin(NamedInputs, admin.ModelAdmin):
    pass


class StackedInline(NamedInputs, admin.StackedInline):
    pass
