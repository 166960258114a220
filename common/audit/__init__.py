"""The audit trail (R-X3). Everything is recorded by the middleware, the change signals of the
registered models and the sign-in signals; `note_lookup` is the one call a selector makes."""


def note_lookup(model, found) -> None:
    from .services import note_lookup as note

    note(model, found)
