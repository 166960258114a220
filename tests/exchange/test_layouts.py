"""The files we send are written as docs/files.md describes them (R-F1..R-F4): each file's
columns (name, type, meaning) in order, its header, its name pattern, and the common layout
(UTF-8 without BOM, comma, CRLF) that the writer uses."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from exchange import services
from exchange.files import OUTBOUND

ROW = re.compile(r"^\| `(?P<name>[^`]+)` \| (?P<type>.+?) \| (?P<meaning>.+?) \|$")
FILES = [pytest.param(outbound, id=kind) for kind, outbound in OUTBOUND.items()]


def page() -> list[str]:
    return (Path(settings.BASE_DIR) / "docs" / "files.md").read_text(encoding="utf-8").splitlines()


def documented(title: str) -> list[str]:
    """The lines of the section headed `### {title}`, up to the next heading."""
    lines = page()
    start = lines.index(f"### {title}") + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("#")), len(lines))
    return lines[start:end]


def sent(outbound) -> list[str]:
    return documented(f"{outbound.title} (sent)")


@pytest.mark.parametrize("outbound", FILES)
def test_each_column_is_documented_with_its_type_and_meaning_in_order(outbound):
    rows = [m.groupdict() for line in sent(outbound) if (m := ROW.match(line))]
    assert [(r["name"], r["type"], r["meaning"]) for r in rows] == [
        (c.name, c.type, c.meaning) for c in outbound.columns
    ]


@pytest.mark.parametrize("outbound", FILES)
def test_the_documented_header_kind_and_name_pattern_are_the_files(outbound):
    section = sent(outbound)
    assert f"- Header: `{','.join(outbound.header)}`" in section
    assert f"- Name pattern (code): `{outbound.name_pattern}`." in section
    assert any(line.startswith(f"Kind `{outbound.kind}` ({outbound.rule}, ") for line in section)


@pytest.mark.parametrize("outbound", FILES)
def test_documented_types_are_the_ones_the_writer_knows(outbound):
    known = {"integer", "date (YYYY-MM-DD)", "code", "codes joined by ;", "text"}
    for column in outbound.columns:
        assert re.sub(r" \(\d+\)$", "", column.type) in known, column


def test_the_common_layout_is_the_writers():
    lines = page()
    start = lines.index("## Files we send")
    common = lines[start : lines.index(f"### {next(iter(OUTBOUND.values())).title} (sent)")]
    assert services.ENCODING == "utf-8" and "- Encoding: UTF-8 without a byte-order mark." in common
    assert services.DELIMITER == ","
    assert any(line.startswith("- Delimiter: comma;") for line in common)
    assert services.LINE_END == "\r\n"
    assert "- Line ending: CRLF (`\\r\\n`) after every line, the last one included." in common


def test_the_headings_for_the_files_we_receive_stay():
    lines = page()
    assert "## Files we receive" in lines and "## Files we send" in lines
