"""A real SFTP server on 127.0.0.1 for the delivery tests (R-F4): Debian's OpenSSH `sshd` run in
the foreground on a free port with a temporary host key, a temporary authorized client key and its
own config, stopped after the tests of the module. Not a mock: paramiko talks to OpenSSH.

Import the fixture into a test module: `from tests.exchange.sftp_server import sftp_server`."""

import getpass
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import require

SSHD = "/usr/sbin/sshd"
SSH_KEYGEN = shutil.which("ssh-keygen") or "/usr/bin/ssh-keygen"


@dataclass(frozen=True)
class SftpServer:
    host: str
    port: int
    username: str
    host_key: str  # "ssh-ed25519 AAAA...": the server's public host key, as a partner gives it
    private_key: str  # an authorized client key (OpenSSH ed25519)
    rsa_private_key: str  # another authorized client key (RSA, legacy PEM)
    stranger_key: str  # a valid key that is NOT authorized
    other_host_key: str  # a host key that is not this server's
    root: Path  # a folder the user can write into, for remote_folder
    log: Path  # sshd's own log (LogLevel VERBOSE)

    def fresh_folder(self, name: str) -> Path:
        folder = self.root / name
        folder.mkdir()
        return folder


def keygen(path: Path, kind: str = "ed25519", *extra: str) -> tuple[str, str]:
    """A new key pair at `path` (no passphrase); returns (private text, public line)."""
    subprocess.run(
        [SSH_KEYGEN, "-q", "-t", kind, "-N", "", "-C", "test", "-f", str(path), *extra],
        check=True,
        capture_output=True,
    )
    return path.read_text(), Path(f"{path}.pub").read_text().strip()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, log: Path, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"sshd exited with {process.returncode}:\n{log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                if s.recv(4).startswith(b"SSH-"):
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"sshd did not listen on {port} within {seconds} s:\n{log.read_text()}")


def write_config(folder: Path, port: int, host_key: Path, authorized: Path, user: str) -> Path:
    config = folder / "sshd_config"
    config.write_text(
        "\n".join(
            [
                f"Port {port}",
                "ListenAddress 127.0.0.1",
                f"HostKey {host_key}",
                f"AuthorizedKeysFile {authorized}",
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PermitRootLogin prohibit-password",
                "UsePAM no",
                "StrictModes no",
                f"PidFile {folder / 'sshd.pid'}",
                "Subsystem sftp internal-sftp",
                f"AllowUsers {user}",
                "LogLevel VERBOSE",
                "",
            ]
        )
    )
    return config


@pytest.fixture(scope="module")
def sftp_server(tmp_path_factory):
    """Start sshd for the module; yield an SftpServer; stop it."""
    require(os.access(SSHD, os.X_OK), f"OpenSSH server ({SSHD}, Debian package openssh-server)")
    folder = tmp_path_factory.mktemp("sshd")
    user = getpass.getuser()
    _, host_public = keygen(folder / "host_ed25519")
    _, other_host_public = keygen(folder / "other_host_ed25519")
    client, client_public = keygen(folder / "client_ed25519")
    rsa_client, rsa_public = keygen(folder / "client_rsa", "rsa", "-b", "2048", "-m", "PEM")
    stranger, _ = keygen(folder / "stranger_ed25519")
    authorized = folder / "authorized_keys"
    authorized.write_text(f"{client_public}\n{rsa_public}\n")
    authorized.chmod(0o600)
    port = free_port()
    config = write_config(folder, port, folder / "host_ed25519", authorized, user)
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, parents=True, exist_ok=True)  # privilege separation
    log = folder / "sshd.log"
    with log.open("wb") as out:
        process = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stdout=out, stderr=out)
    try:
        wait_for_port(port, process, log)
        root = tmp_path_factory.mktemp("sftp-root")
        yield SftpServer(
            host="127.0.0.1",
            port=port,
            username=user,
            host_key=" ".join(host_public.split()[:2]),
            private_key=client,
            rsa_private_key=rsa_client,
            stranger_key=stranger,
            other_host_key=" ".join(other_host_public.split()[:2]),
            root=root,
            log=log,
        )
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
