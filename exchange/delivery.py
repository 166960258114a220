"""Delivery of a finished file to its partner (R-F4: files travel by SFTP).

By SFTP when the partner has an active SftpDestination, else to a local folder per partner
(settings.EXCHANGE_DELIVERY_DIR/<partner>/). Either way the file is written under a temporary name
in the same folder and renamed over the final name: a reader never sees a partial file, and a
re-run replaces the file instead of leaving a second copy. Failures raise DeliveryError with a
reason a system admin can act on; a private key never appears in a message or a log."""

import base64
import binascii
import contextlib
import hashlib
import io
import logging
import os
import posixpath
import shutil
import socket
import stat
from pathlib import Path

import paramiko
from django.conf import settings
from django.utils.text import slugify

from .models import SftpDestination

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 15  # connect, SSH banner and handshake, login, and each SFTP request

# Key classes tried in turn on a private key's text (OpenSSH or legacy PEM format).
PRIVATE_KEY_CLASSES = (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey)
HOST_KEY_TYPES = (
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "ssh-rsa",
)


class DeliveryError(Exception):
    """The file could not be delivered; `reason` says why in words a system admin acts on."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def deliver(run, path: Path) -> str:
    """Put the finished file at `path` where the run's partner reads it; return where it went."""
    name = _file_name(run, Path(path))
    if not Path(path).is_file():
        raise DeliveryError(f"The file to deliver, {path}, is missing: run the file again.")
    destination = SftpDestination.objects.filter(
        organization_id=run.organization_id, active=True
    ).first()
    try:
        if destination is None:
            where = deliver_to_folder(Path(path), local_folder(run.organization), name)
        else:
            where = deliver_by_sftp(Path(path), destination, name)
    except DeliveryError as error:
        log.warning("File run %s not delivered: %s", run.pk, error.reason)
        raise
    log.info("File run %s delivered to %s", run.pk, where)
    return where


def _file_name(run, path: Path) -> str:
    name = run.file_name or path.name
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\0" in name:
        raise DeliveryError(f"The file name {name!r} cannot be used as a file name.")
    return name


# --- Local folder --------------------------------------------------------------------------------


def local_folder(organization) -> Path:
    """The partner's own folder under EXCHANGE_DELIVERY_DIR."""
    slug = slugify(organization.name) or f"organization-{organization.pk}"
    return Path(settings.EXCHANGE_DELIVERY_DIR) / slug


def deliver_to_folder(path: Path, folder: Path, name: str) -> str:
    final, part = folder / name, folder / f".{name}.part"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with path.open("rb") as source, part.open("wb") as target:
            shutil.copyfileobj(source, target, 1 << 20)
            target.flush()
            os.fsync(target.fileno())
        os.replace(part, final)  # atomic on one file system: the old file or the new, never half
    except OSError as error:
        part.unlink(missing_ok=True)
        raise DeliveryError(
            f"Could not write {final}: {error.strerror or error}. "
            "Check that the delivery folder (EXCHANGE_DELIVERY_DIR) exists and is writable."
        ) from None
    return str(final)


# --- SFTP ----------------------------------------------------------------------------------------


def load_private_key(text: str) -> paramiko.PKey:
    """The private key from its OpenSSH or PEM text (ed25519, ECDSA or RSA)."""
    text = text.replace("\r\n", "\n").strip() + "\n"
    for key_class in PRIVATE_KEY_CLASSES:
        try:
            return key_class.from_private_key(io.StringIO(text))
        except paramiko.PasswordRequiredException:
            raise DeliveryError(
                "The private key is protected by a passphrase; give a key without one."
            ) from None
        except (paramiko.SSHException, ValueError, TypeError, IndexError, binascii.Error):
            continue  # not this kind of key; the error may quote the key, so it is dropped
    raise DeliveryError(
        "The private key could not be read: paste the whole OpenSSH or PEM private key "
        "(ed25519, ECDSA or RSA), from its BEGIN line to its END line."
    )


def parse_host_key(line: str) -> paramiko.PKey:
    """The server's public host key from "ssh-ed25519 AAAA..." (a known_hosts or ssh-keyscan
    line, with the host in front, is accepted too)."""
    words = line.split()
    for i, word in enumerate(words[:-1]):
        if word in HOST_KEY_TYPES:
            try:
                blob = base64.b64decode(words[i + 1], validate=True)
                return paramiko.PKey.from_type_string(word, blob)
            except (binascii.Error, ValueError, TypeError, IndexError, paramiko.SSHException):
                break
    raise DeliveryError(
        "The host key could not be read: give the server's public host key as one line, "
        "for example 'ssh-ed25519 AAAAC3Nz...' (ssh-keyscan prints it)."
    )


def fingerprint(key: paramiko.PKey) -> str:
    """SHA256 fingerprint as OpenSSH prints it (ssh-keygen -lf)."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def deliver_by_sftp(path: Path, destination: SftpDestination, name: str) -> str:
    where = f"{destination.host}:{destination.port}"
    key = load_private_key(destination.private_key)
    expected = parse_host_key(destination.host_key)
    transport = paramiko.Transport(_connect(destination, where))
    try:
        _handshake(transport, expected, where)
        _login(transport, destination, key, where)
        try:
            sftp = paramiko.SFTPClient.from_transport(transport)
        except (paramiko.SSHException, EOFError, OSError) as error:
            raise DeliveryError(
                f"The server {where} accepted the login but does not offer SFTP to "
                f"{destination.username} ({error})."
            ) from None
        sftp.get_channel().settimeout(TIMEOUT_SECONDS)
        remote = _upload(sftp, path, destination.remote_folder or ".", name, where)
    finally:
        transport.close()
    host = f"[{destination.host}]" if ":" in destination.host else destination.host
    return f"sftp://{destination.username}@{host}:{destination.port}{remote}"


def _connect(destination: SftpDestination, where: str) -> socket.socket:
    if not destination.host.strip() or not 0 < destination.port < 65536:
        raise DeliveryError(f"The SFTP destination {where} is not a host name and a port 1-65535.")
    try:
        return socket.create_connection(
            (destination.host, destination.port), timeout=TIMEOUT_SECONDS
        )
    except socket.gaierror as error:
        reason = f"Could not find the SFTP server {destination.host!r} ({error.strerror})."
    except ConnectionRefusedError:
        reason = (
            f"The SFTP server {where} refused the connection: nothing listens on that port, "
            "or a firewall rejects us."
        )
    except TimeoutError:
        reason = f"The SFTP server {where} did not answer within {TIMEOUT_SECONDS} seconds."
    except OSError as error:
        reason = f"Could not reach the SFTP server {where} ({error.strerror or error})."
    raise DeliveryError(reason)


def _handshake(transport: paramiko.Transport, expected: paramiko.PKey, where: str) -> None:
    """SSH handshake that accepts only the configured host key (never trust on first use)."""
    transport.banner_timeout = transport.handshake_timeout = TIMEOUT_SECONDS
    options = transport.get_security_options()
    wanted = expected.get_name()
    algorithms = [
        algorithm
        for algorithm in options.key_types
        if algorithm == wanted or (wanted == "ssh-rsa" and algorithm.startswith("rsa-sha2-"))
    ]
    if not algorithms:
        raise DeliveryError(f"Host keys of type {wanted} are not supported: ask for another.")
    options.key_types = algorithms  # the server must prove it holds the configured key
    try:
        transport.start_client(timeout=TIMEOUT_SECONDS)  # returns quietly on timeout, so ...
        offered = transport.get_remote_server_key()  # ... this raises if no key was exchanged
    except (paramiko.SSHException, EOFError, OSError) as error:
        if "host key" in str(error).lower():
            raise DeliveryError(
                f"The server {where} has no {wanted} host key, so it is not the server whose "
                f"host key is configured ({fingerprint(expected)}): refused."
            ) from None
        raise DeliveryError(
            f"The server {where} did not complete the SSH handshake within {TIMEOUT_SECONDS} "
            f"seconds, or is not an SSH server ({error or type(error).__name__})."
        ) from None
    if offered.get_name() != expected.get_name() or offered.asbytes() != expected.asbytes():
        raise DeliveryError(
            f"The server {where} presented host key {fingerprint(offered)}, not the configured "
            f"{fingerprint(expected)}: refused (it may be another server). Check the new key "
            "with the partner before changing the configured host key."
        )


def _login(transport, destination: SftpDestination, key: paramiko.PKey, where: str) -> None:
    transport.auth_timeout = TIMEOUT_SECONDS
    try:
        transport.auth_publickey(destination.username, key)
    except paramiko.AuthenticationException:
        raise DeliveryError(
            f"The SFTP server {where} refused the login of user {destination.username!r} with "
            f"the configured private key ({key.get_name()} {fingerprint(key)}): ask the partner "
            "to authorize its public key for that user."
        ) from None
    except (paramiko.SSHException, EOFError, OSError) as error:
        raise DeliveryError(
            f"The login to the SFTP server {where} did not complete ({error})."
        ) from None


def _upload(sftp: paramiko.SFTPClient, path: Path, folder: str, name: str, where: str) -> str:
    """Upload under a temporary name, then rename over the final name (atomic on OpenSSH)."""
    try:
        is_folder = stat.S_ISDIR(sftp.stat(folder).st_mode)
        absolute = posixpath.join(sftp.normalize(folder), name)
    except FileNotFoundError:
        is_folder = None
    except (OSError, paramiko.SSHException, EOFError) as error:
        raise DeliveryError(
            f"Could not open the remote folder {folder!r} on {where} ({error})."
        ) from None
    if not is_folder:
        raise DeliveryError(
            f"The remote folder {folder!r} does not exist on {where}"
            + ("" if is_folder is None else " (it is a file, not a folder)")
            + ": ask the partner to create it, or correct the SFTP destination."
        )
    final, part = posixpath.join(folder, name), posixpath.join(folder, f".{name}.part")
    try:
        sftp.put(str(path), part, confirm=True)  # confirm: the size on the server is checked
        sftp.posix_rename(part, final)
        return absolute
    except PermissionError:
        _remove_quietly(sftp, part)
        raise DeliveryError(
            f"The SFTP server {where} refused to let us write {name!r} into {folder!r} "
            "(permission denied)."
        ) from None
    except (OSError, paramiko.SSHException, EOFError) as error:
        _remove_quietly(sftp, part)
        raise DeliveryError(
            f"Uploading {name!r} to {folder!r} on {where} failed ({error}); the partner's "
            "copy under that name, if any, was not changed."
        ) from None


def _remove_quietly(sftp: paramiko.SFTPClient, remote: str) -> None:
    with contextlib.suppress(OSError, paramiko.SSHException, EOFError):
        sftp.remove(remote)
