"""Files that are not what the layout says (not UTF-8, a field too large, empty) end the command
with a message naming the file, never a traceback (docs/files.md: the files we receive)."""

import io

import pytest
from django.core.management import CommandError, call_command

from exchange.files import hn_authorizations, member_import

pytestmark = pytest.mark.django_db

COMMANDS = [
    pytest.param(("import_members",), member_import.HEADER, id="import_members"),
    pytest.param(
        ("import_hn_authorizations", "--network", "Prospect Medical Group"),
        hn_authorizations.HEADER,
        id="import_hn_authorizations",
    ),
]


def run(command, path):
    out, err = io.StringIO(), io.StringIO()
    call_command(*command, str(path), stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue().strip()


@pytest.mark.parametrize("command, header", COMMANDS)
def test_a_file_that_is_not_utf8_is_a_command_error(tmp_path, command, header):
    path = tmp_path / "latin1.csv"
    path.write_bytes((",".join(header) + "\nGarc\xeda\n").encode("latin-1"))

    with pytest.raises(CommandError, match=r"latin1\.csv.*not UTF-8"):
        run(command, path)


@pytest.mark.parametrize("command, header", COMMANDS)
def test_a_field_too_large_is_a_command_error(tmp_path, command, header):
    path = tmp_path / "huge.csv"
    path.write_text(",".join(header) + "\n" + "x" * 200_000 + "\n", encoding="utf-8")

    with pytest.raises(CommandError, match=r"huge\.csv"):
        run(command, path)


@pytest.mark.parametrize("command, header", COMMANDS)
def test_an_empty_file_is_reported_as_missing_every_column(tmp_path, command, header):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")

    out, err = run(command, path)

    assert out == "0 rows read, 0 applied, 0 unchanged, 1 rejected"
    assert err == f"line 1: missing column(s): {', '.join(header)}"
