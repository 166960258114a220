"""R-F4: files travel by SFTP. Delivery against a real OpenSSH server on 127.0.0.1 (started by
tests/exchange/sftp_server.py), and to the local folder when a partner has no SFTP destination:
the file arrives whole, a re-run replaces it (one file, no temporary leftovers), and every failure
is a DeliveryError whose reason says what went wrong, without the private key."""

import datetime
import hashlib
import os
import socket
import threading
import time

import pytest

from exchange import delivery, services
from exchange.delivery import DeliveryError, deliver
from exchange.files import OUTBOUND
from exchange.models import FileRun, RunStatus, SftpDestination
from tests.exchange.factories import EcmActivityFactory, ecm_authorization, eligible_member
from tests.exchange.sftp_server import sftp_server  # noqa: F401 (fixture)
from tests.providers.factories import HealthNetworkFactory

pytestmark = pytest.mark.django_db

CONTENT = "CIN,NAME\n" + "".join(f"{i:08d}A,Member {i}\n" for i in range(20_000))


def sha256(path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


@pytest.fixture
def network():
    return HealthNetworkFactory(name="Seaside Test Network")


@pytest.fixture
def run(network):
    return FileRun.objects.create(
        kind="ecm_activity_log",
        period_start=datetime.date(2026, 11, 16),
        period_end=datetime.date(2026, 11, 22),
        organization=network,
        file_name="ECM_ACTIVITY_LOG_SEASIDE_20261116_20261122.csv",
    )


@pytest.fixture
def made_file(tmp_path):
    path = tmp_path / "archive" / "made.csv"
    path.parent.mkdir()
    path.write_text(CONTENT)
    return path


@pytest.fixture
def destination(network, sftp_server):  # noqa: F811
    def make(**changes):
        values = {
            "organization": network,
            "host": sftp_server.host,
            "port": sftp_server.port,
            "username": sftp_server.username,
            "private_key": sftp_server.private_key,
            "host_key": sftp_server.host_key,
            "remote_folder": str(sftp_server.fresh_folder(f"in-{time.monotonic_ns()}")),
        }
        values.update(changes)
        SftpDestination.objects.filter(organization=network).delete()
        return SftpDestination.objects.create(**values)

    return make


def listing(folder) -> list[str]:
    return sorted(os.listdir(folder))


# --- By SFTP -------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["private_key", "rsa_private_key"])
def test_r_f4_the_file_arrives_whole_by_sftp(run, made_file, destination, sftp_server, key):  # noqa: F811
    """An ed25519 key (OpenSSH format) and an RSA key (legacy PEM) both sign in."""
    dest = destination(private_key=getattr(sftp_server, key))

    where = deliver(run, made_file)

    arrived = os.path.join(dest.remote_folder, run.file_name)
    assert where == (
        f"sftp://{sftp_server.username}@127.0.0.1:{sftp_server.port}{dest.remote_folder}/"
        f"{run.file_name}"
    )
    with open(arrived, "rb") as remote:
        assert remote.read() == made_file.read_bytes()
    assert sha256(arrived) == sha256(made_file)
    assert listing(dest.remote_folder) == [run.file_name]


def test_r_f4_a_rerun_replaces_the_remote_file_never_a_second_copy(
    run, made_file, destination, tmp_path
):
    dest = destination()
    deliver(run, made_file)
    second = tmp_path / "second.csv"
    second.write_text("CIN,NAME\n12345678A,Changed\n")

    deliver(run, second)

    assert listing(dest.remote_folder) == [run.file_name]  # no .part, no copy
    with open(os.path.join(dest.remote_folder, run.file_name), "rb") as arrived:
        assert arrived.read() == second.read_bytes()


def test_r_f4_the_file_name_comes_from_the_run_or_else_the_made_file(run, made_file, destination):
    dest = destination()
    run.file_name = ""

    deliver(run, made_file)

    assert listing(dest.remote_folder) == ["made.csv"]


def test_r_f4_a_refused_login_says_so_without_the_key(run, made_file, destination, sftp_server):  # noqa: F811
    dest = destination(private_key=sftp_server.stranger_key)

    with pytest.raises(DeliveryError) as refused:
        deliver(run, made_file)

    reason = refused.value.reason
    assert "refused the login" in reason
    assert repr(sftp_server.username) in reason and f"127.0.0.1:{sftp_server.port}" in reason
    assert "PRIVATE KEY" not in reason and sftp_server.stranger_key.splitlines()[1] not in reason
    assert refused.value.__cause__ is None and refused.value.__suppress_context__
    assert listing(dest.remote_folder) == []


def test_r_f4_another_host_key_is_refused_before_signing_in(
    run,
    made_file,
    destination,
    sftp_server,  # noqa: F811
):
    dest = destination(host_key=sftp_server.other_host_key)
    logged = len(sftp_server.log.read_text())

    with pytest.raises(DeliveryError) as refused:
        deliver(run, made_file)

    reason = refused.value.reason
    expected = delivery.fingerprint(delivery.parse_host_key(sftp_server.other_host_key))
    offered = delivery.fingerprint(delivery.parse_host_key(sftp_server.host_key))
    assert f"presented host key {offered}, not the configured {expected}: refused" in reason
    assert listing(dest.remote_folder) == []
    assert "Accepted publickey" not in sftp_server.log.read_text()[logged:]


def test_r_f4_a_host_key_of_another_type_is_refused(run, made_file, destination, tmp_path):
    from tests.exchange.sftp_server import keygen

    _, rsa_host = keygen(tmp_path / "rsa_host", "rsa", "-b", "2048")
    destination(host_key=rsa_host)

    with pytest.raises(DeliveryError) as refused:
        deliver(run, made_file)

    assert "has no ssh-rsa host key" in refused.value.reason
    assert "refused" in refused.value.reason


def test_r_f4_a_missing_remote_folder_is_named(run, made_file, destination, sftp_server):  # noqa: F811
    missing = str(sftp_server.root / "no-such-folder")
    destination(remote_folder=missing)

    with pytest.raises(DeliveryError) as failed:
        deliver(run, made_file)

    assert f"The remote folder {missing!r} does not exist" in failed.value.reason


def test_r_f4_a_remote_folder_that_is_a_file_is_named(run, made_file, destination, sftp_server):  # noqa: F811
    a_file = sftp_server.root / f"a-file-{time.monotonic_ns()}"
    a_file.write_text("x")
    destination(remote_folder=str(a_file))

    with pytest.raises(DeliveryError) as failed:
        deliver(run, made_file)

    assert "it is a file, not a folder" in failed.value.reason


def test_r_f4_a_closed_port_fails_at_once_with_the_reason(run, made_file, destination):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    destination(port=closed)
    began = time.monotonic()

    with pytest.raises(DeliveryError) as failed:
        deliver(run, made_file)

    assert time.monotonic() - began < 5
    assert f"127.0.0.1:{closed} refused the connection" in failed.value.reason


def test_r_f4_a_server_that_never_answers_times_out(run, made_file, destination, monkeypatch):
    """A port that accepts the connection and then says nothing (no SSH banner)."""
    monkeypatch.setattr(delivery, "TIMEOUT_SECONDS", 2)
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)
    accepted = []
    threading.Thread(target=lambda: accepted.append(silent.accept()), daemon=True).start()
    destination(port=silent.getsockname()[1])
    began = time.monotonic()
    try:
        with pytest.raises(DeliveryError) as failed:
            deliver(run, made_file)
    finally:
        for connection, _ in accepted:
            connection.close()
        silent.close()

    assert time.monotonic() - began < 8
    assert "did not complete the SSH handshake within 2 seconds" in failed.value.reason


def test_r_f4_a_server_that_is_not_ssh_is_named(run, made_file, destination):
    """A port where another kind of server answers and hangs up (say, a web server)."""
    other = socket.socket()
    other.bind(("127.0.0.1", 0))
    other.listen(1)

    def answer_and_hang_up():
        connection, _ = other.accept()
        connection.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")
        connection.close()

    threading.Thread(target=answer_and_hang_up, daemon=True).start()
    destination(port=other.getsockname()[1])
    try:
        with pytest.raises(DeliveryError) as failed:
            deliver(run, made_file)
    finally:
        other.close()

    assert "did not complete the SSH handshake" in failed.value.reason
    assert "or is not an SSH server" in failed.value.reason


@pytest.mark.parametrize("port", [0, 65536, 70000])
def test_r_f4_a_port_out_of_range_is_named(run, made_file, destination, port):
    destination(port=port)

    with pytest.raises(DeliveryError, match="a port 1-65535"):
        deliver(run, made_file)


def test_r_f4_an_unknown_host_name_is_named(run, made_file, destination):
    destination(host="sftp.invalid")

    with pytest.raises(DeliveryError) as failed:
        deliver(run, made_file)

    assert "Could not find the SFTP server 'sftp.invalid'" in failed.value.reason


def test_r_f4_an_inactive_destination_means_the_local_folder(
    run, made_file, destination, settings, tmp_path
):
    settings.EXCHANGE_DELIVERY_DIR = tmp_path / "outbox"
    dest = destination(active=False)

    where = deliver(run, made_file)

    assert where == str(tmp_path / "outbox" / "seaside-test-network" / run.file_name)
    assert listing(dest.remote_folder) == []


# --- Keys ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not a key",
        "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----",
    ],
)
def test_r_f4_an_unreadable_private_key_is_refused_without_quoting_it(text):
    with pytest.raises(DeliveryError) as refused:
        delivery.load_private_key(text)

    assert "The private key could not be read" in refused.value.reason
    assert "AAAA" not in refused.value.reason


def test_r_f4_a_private_key_pasted_with_windows_line_ends_is_read(sftp_server):  # noqa: F811
    key = delivery.load_private_key(sftp_server.private_key.replace("\n", "\r\n"))

    assert key.get_name() == "ssh-ed25519"


def test_r_f4_a_key_with_a_passphrase_is_refused_with_the_reason(tmp_path):
    import subprocess

    from tests.exchange.sftp_server import SSH_KEYGEN

    subprocess.run(
        [SSH_KEYGEN, "-q", "-t", "ed25519", "-N", "secret", "-f", str(tmp_path / "k")], check=True
    )

    with pytest.raises(DeliveryError) as refused:
        delivery.load_private_key((tmp_path / "k").read_text())

    assert "protected by a passphrase" in refused.value.reason


@pytest.mark.parametrize(
    "line",
    [
        "ssh-ed25519",
        "ssh-ed25519 not-base64!",
        "ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAABAQ==",  # base64 of another type's blob
        "ssh-dss AAAAB3NzaC1kc3MAAACBAP",
        "",
    ],
)
def test_r_f4_an_unreadable_host_key_is_refused(line):
    with pytest.raises(DeliveryError, match="The host key could not be read"):
        delivery.parse_host_key(line)


def test_r_f4_a_host_key_in_known_hosts_form_is_read(sftp_server):  # noqa: F811
    line = f"[127.0.0.1]:{sftp_server.port} {sftp_server.host_key} root@host"

    assert delivery.parse_host_key(line).asbytes() == (
        delivery.parse_host_key(sftp_server.host_key).asbytes()
    )


# --- Local folder --------------------------------------------------------------------------------


@pytest.fixture
def outbox(settings, tmp_path):
    settings.EXCHANGE_DELIVERY_DIR = tmp_path / "outbox"
    return tmp_path / "outbox" / "seaside-test-network"


def test_r_f4_without_sftp_the_file_goes_to_the_partners_local_folder(run, made_file, outbox):
    where = deliver(run, made_file)

    assert where == str(outbox / run.file_name)
    assert sha256(outbox / run.file_name) == sha256(made_file)
    assert listing(outbox) == [run.file_name]
    assert made_file.exists()  # the archived copy stays


def test_r_f4_a_local_rerun_replaces_the_file_never_a_second_copy(run, made_file, outbox, tmp_path):
    deliver(run, made_file)
    before = os.stat(outbox / run.file_name).st_ino
    second = tmp_path / "second.csv"
    second.write_text("CIN,NAME\n")

    deliver(run, second)

    assert listing(outbox) == [run.file_name]
    assert (outbox / run.file_name).read_text() == "CIN,NAME\n"
    assert os.stat(outbox / run.file_name).st_ino != before  # a new file renamed in, not rewritten


def test_r_f4_a_reader_of_the_local_folder_never_sees_a_partial_file(
    run, made_file, outbox, tmp_path, monkeypatch
):
    """While the copy is written, the final name still holds the whole previous file."""
    deliver(run, made_file)
    seen = []
    real_copy = delivery.shutil.copyfileobj

    def copy_and_look(source, target, length):
        real_copy(source, target, length)
        seen.append((listing(outbox), (outbox / run.file_name).read_text()))

    monkeypatch.setattr(delivery.shutil, "copyfileobj", copy_and_look)
    second = tmp_path / "second.csv"
    second.write_text("CIN,NAME\n")

    deliver(run, second)

    assert seen == [([f".{run.file_name}.part", run.file_name], CONTENT)]
    assert listing(outbox) == [run.file_name]


def test_r_f4_a_failed_local_write_leaves_nothing_and_says_why(run, made_file, outbox, monkeypatch):
    def full_disk(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(delivery.os, "fsync", full_disk)

    with pytest.raises(DeliveryError, match="No space left on device"):
        deliver(run, made_file)

    assert listing(outbox) == []


def test_r_f4_a_missing_made_file_is_named_and_nothing_is_delivered(run, outbox, tmp_path):
    with pytest.raises(DeliveryError, match="is missing: run the file again"):
        deliver(run, tmp_path / "gone.csv")

    assert not outbox.exists()


@pytest.mark.parametrize("name", ["../escape.csv", "a/b.csv", ".."])
def test_r_f4_a_file_name_with_a_path_is_refused(run, made_file, outbox, name):
    run.file_name = name

    with pytest.raises(DeliveryError, match="cannot be used as a file name"):
        deliver(run, made_file)

    assert not outbox.exists()


# --- End to end: a generated run (exchange.services) delivered by SFTP ---------------------------


KIND, WEEK = "ecm_activity_log", datetime.date(2026, 11, 16)


def generated(network):
    """The week's activity log for the network, made as the Celery task makes it."""
    end = WEEK + datetime.timedelta(days=6)
    run, _ = FileRun.objects.get_or_create(
        kind=KIND,
        period_start=WEEK,
        organization=network,
        defaults={
            "period_end": end,
            "file_name": services.file_name(OUTBOUND[KIND], network, WEEK, end),
        },
    )
    return services.generate(run.pk)


@pytest.fixture
def activity(network):
    member = eligible_member(network)
    return EcmActivityFactory(authorization=ecm_authorization(member))


def test_r_f4_a_generated_run_arrives_on_the_partners_sftp_server(
    network,
    activity,
    destination,
    sftp_server,  # noqa: F811
):
    dest = destination()

    run = generated(network)

    run.refresh_from_db()
    arrived = os.path.join(dest.remote_folder, run.file_name)
    assert run.status == RunStatus.DONE, run.error
    assert sha256(arrived) == run.sha256 == sha256(services.archived_path(run))
    with open(arrived, encoding="utf-8") as remote:
        assert activity.member.cin in remote.read()
    assert (
        run.delivered_to == f"sftp://{sftp_server.username}@127.0.0.1:{sftp_server.port}{arrived}"
    )
    assert run.delivered_at is not None
    first_upload = os.stat(arrived).st_ino

    again = services.run_now(kind=KIND, period_start=WEEK, organization=network)  # R-F4

    again.refresh_from_db()
    assert (again.pk, again.status, again.sha256) == (run.pk, RunStatus.DONE, run.sha256)
    assert again.delivered_at > run.delivered_at
    assert os.stat(arrived).st_ino != first_upload  # uploaded again and renamed over the first
    assert listing(dest.remote_folder) == [run.file_name]
    assert sha256(arrived) == run.sha256


def test_r_f4_a_refused_login_fails_the_run_with_the_reason_and_delivers_nothing(
    network,
    activity,
    destination,
    sftp_server,  # noqa: F811
):
    dest = destination(private_key=sftp_server.stranger_key)

    with pytest.raises(DeliveryError):
        generated(network)

    run = FileRun.objects.get(organization=network, kind=KIND)
    assert run.status == RunStatus.FAILED
    assert "refused the login" in run.error and repr(sftp_server.username) in run.error
    assert "PRIVATE KEY" not in run.error
    assert (run.delivered_at, run.delivered_to) == (None, "")
    assert listing(dest.remote_folder) == []
