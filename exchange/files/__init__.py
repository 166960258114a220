"""One module per file exchanged with a partner: its layout (columns as data) and its row builder
or row reader, nothing else. `OUTBOUND` names every file that goes out, by kind."""

from .base import OutboundFile

OUTBOUND: dict[str, OutboundFile] = {}
