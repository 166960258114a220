"""One module per file exchanged with a partner: its layout (columns as data) and its row builder
or row reader, nothing else. `OUTBOUND` names every file that goes out, by kind."""

from . import ecm_activity_log, ecm_eligibility, pof_list, reconciliation
from .base import OutboundFile

OUTBOUND: dict[str, OutboundFile] = {
    module.FILE.kind: module.FILE
    for module in (ecm_activity_log, ecm_eligibility, pof_list, reconciliation)
}
