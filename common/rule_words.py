"""Rule ids (R-M3, R-P2, ...) are for code, tests and the domain notes: users read the rule's
words. Messages written by services may carry the id for the record ("... (R-P2)", "R-R4: ...");
`without_rule_ids` takes it out where a user reads the message. Imports nothing from Django."""

import re

_ID = r"R-[A-Z$]\d+"
_IDS = rf"{_ID}(?:\s*(?:,|and|\.\.)\s*{_ID})*"
# " (R-P2)", " (R-M3, R-M5)", "(rule R-X2)" after the words; "R-R4: " before them.
_BRACKETED = re.compile(rf"\s*\((?:rule\s+)?{_IDS}\)")
_LEADING = re.compile(rf"(^|(?<=[.;]\s)){_IDS}:\s*")


def without_rule_ids(text) -> str:
    """The message as a user reads it: the same words, without rule ids."""
    if not text:
        return text
    text = str(text)
    led = _LEADING.match(text) is not None
    text = _BRACKETED.sub("", text)
    text = _LEADING.sub(lambda m: m.group(1), text)
    return text[:1].upper() + text[1:] if led else text
