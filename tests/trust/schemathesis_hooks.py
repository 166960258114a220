"""Schemathesis hooks for tests/trust/test_schemathesis.py (loaded through SCHEMATHESIS_HOOKS).

Most non-negative ids that schemathesis generates are mapped onto records the test seeded, so that
detail pages and actions answer from real data rather than 404 every time; the rest, and every
negative or non-integer id, still reach the API as generated."""

import json
import os
import re

import schemathesis

ID_REGEX = r"[0-9]{1,18}"  # common.api.ID_REGEX (not imported: no Django in this process)

KNOWN_IDS: dict[str, list[int]] = json.loads(os.environ.get("CALAIM_KNOWN_IDS", "{}"))


def _resource(path: str) -> str:
    # "/api/v1/referrals/{id}/accept/" -> "referrals"
    parts = [p for p in path.split("/") if p]
    return parts[2] if len(parts) > 2 else ""


@schemathesis.hook
def map_path_parameters(context, path_parameters):
    operation = context.operation
    if operation is None or not isinstance(path_parameters, dict):
        return path_parameters
    resource = _resource(operation.path)
    for name, key in (("id", resource), ("closure_id", "closure-requests")):
        ids = KNOWN_IDS.get(key)
        value = path_parameters.get(name)
        if isinstance(value, str) and re.fullmatch(ID_REGEX, value):
            value = int(value)
        # Only values the schema allows (an id beyond the pattern must still be refused).
        is_id = isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**18
        if ids and is_id and value % 5:  # four in five land on a seeded record
            path_parameters[name] = ids[value % len(ids)]
    return path_parameters
