"""How long free text may be, in one place: forms show the limit, serializers and services
enforce it.

A limit is a promise to the person typing: the form says it beside the field (maxlength and help
text), the server refuses more with a message beside the field and keeps what was typed.
"""

# A name, a title, a contact line, a reference typed by a person.
SHORT_TEXT = 200
# A reason, an explanation, a note: a few paragraphs.
TEXT = 4000
# A message in a thread: a long letter's worth.
MESSAGE = 5000


def limit_help(limit: int) -> str:
    """The words shown beside a bounded field."""
    return f"Up to {limit:,} characters."
