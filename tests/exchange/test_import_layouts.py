"""The files we receive are read as docs/files.md describes them: each reader's columns (name, type,
meaning), name and header are the documented ones, and the reader needs every documented column."""

import io
import re
from pathlib import Path

import pytest
from django.conf import settings

from exchange.files import hn_authorizations, member_import
from providers.selectors import organization_by_name

INBOUND = [
    pytest.param(member_import, id="member_import"),
    pytest.param(hn_authorizations, id="hn_authorizations"),
]
ROW = re.compile(r"^\| `(?P<name>[^`]+)` \| (?P<type>.+?) \| (?P<meaning>.+?) \|$")


def documented(title: str) -> list[str]:
    """The lines of the docs/files.md section headed `### {title}`, up to the next heading."""
    lines = (Path(settings.BASE_DIR) / "docs" / "files.md").read_text(encoding="utf-8").splitlines()
    start = lines.index(f"### {title}") + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("#")), len(lines))
    return lines[start:end]


@pytest.mark.parametrize("module", INBOUND)
def test_each_column_is_documented_with_its_type_and_meaning_in_order(module):
    rows = [m.groupdict() for line in documented(module.TITLE) if (m := ROW.match(line))]

    assert [(r["name"], r["type"], r["meaning"]) for r in rows] == [
        (c.name, c.type, c.meaning) for c in module.COLUMNS
    ]


@pytest.mark.parametrize("module", INBOUND)
def test_the_documented_name_and_header_are_the_readers(module):
    section = documented(module.TITLE)

    assert f"- Name: {module.NAME_PATTERN}." in section
    assert any(line.startswith(f"- Header: `{','.join(module.HEADER)}`") for line in section)
    assert list(module.HEADER) == [c.name for c in module.COLUMNS]


def read(module, text: str):
    lines = io.StringIO(text)
    if module is hn_authorizations:
        return module.import_file(
            network=organization_by_name("Prospect Medical Group"), lines=lines
        )
    return module.import_file(lines)


@pytest.mark.django_db
@pytest.mark.parametrize("module", INBOUND)
def test_the_reader_needs_every_documented_column(module):
    for column in module.HEADER:
        header = ",".join(c for c in module.HEADER if c != column)

        report = read(module, header + "\n")

        assert report.rejected == [(1, f"missing column(s): {column}")]
