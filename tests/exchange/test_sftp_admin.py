"""R-F4: system admins set where a partner's files go by SFTP in Django admin. The private key is
write-only (never shown back, empty keeps it), both keys are checked before anything is saved, and
only system admins reach the page."""

import subprocess

import pytest
from django.test import Client
from django.urls import reverse

from exchange import delivery
from exchange.models import SftpDestination
from providers.models import Role
from tests.exchange.sftp_server import SSH_KEYGEN, keygen
from tests.providers.factories import HealthNetworkFactory, SystemAdminFactory, UserFactory

pytestmark = pytest.mark.django_db

ADD = reverse("admin:exchange_sftpdestination_add")


@pytest.fixture
def keys(tmp_path):
    private, _ = keygen(tmp_path / "client")
    other, _ = keygen(tmp_path / "other")
    _, host = keygen(tmp_path / "host")
    return {"private": private, "other": other, "host": host}


@pytest.fixture
def admin_client():
    client = Client()
    client.force_login(SystemAdminFactory())
    return client


@pytest.fixture
def network():
    return HealthNetworkFactory(name="Seaside Test Network")


def form_data(network, keys, **changes):
    data = {
        "organization": network.pk,
        "host": "sftp.seaside.example",
        "port": 22,
        "username": "caloptima",
        "private_key": keys["private"].replace("\n", "\r\n"),  # as a browser sends a textarea
        "host_key": keys["host"],
        "remote_folder": "inbound",
        "active": "on",
    }
    data.update(changes)
    return data


def change_url(destination):
    return reverse("admin:exchange_sftpdestination_change", args=[destination.pk])


def secret_lines(private_key: str) -> list[str]:
    return [line for line in private_key.splitlines() if "PRIVATE KEY" not in line]


def test_r_f4_a_system_admin_adds_a_destination(admin_client, network, keys):
    response = admin_client.post(ADD, form_data(network, keys))

    assert response.status_code == 302, response.context["adminform"].form.errors
    saved = SftpDestination.objects.get(organization=network)
    assert saved.private_key == keys["private"]  # line ends as OpenSSH wrote them
    assert delivery.load_private_key(saved.private_key).get_name() == "ssh-ed25519"
    assert saved.host_key == " ".join(keys["host"].split()[:2])  # the comment is dropped
    assert (saved.host, saved.username, saved.remote_folder, saved.active) == (
        "sftp.seaside.example",
        "caloptima",
        "inbound",
        True,
    )


def test_r_f4_the_private_key_is_never_shown_back(admin_client, network, keys):
    admin_client.post(ADD, form_data(network, keys))
    destination = SftpDestination.objects.get()

    page = admin_client.get(change_url(destination)).content.decode()

    assert not any(line in page for line in secret_lines(keys["private"]))
    key = delivery.load_private_key(keys["private"])
    assert f"A private key is set (ssh-ed25519 {delivery.fingerprint(key)})" in page
    assert delivery.fingerprint(delivery.parse_host_key(keys["host"])) in page


def test_r_f4_an_empty_key_box_keeps_the_key_and_a_new_key_replaces_it(admin_client, network, keys):
    admin_client.post(ADD, form_data(network, keys))
    destination = SftpDestination.objects.get()

    kept = admin_client.post(change_url(destination), form_data(network, keys, private_key=""))
    assert kept.status_code == 302
    destination.refresh_from_db()
    assert destination.private_key == keys["private"]

    replaced = admin_client.post(
        change_url(destination), form_data(network, keys, private_key=keys["other"])
    )
    assert replaced.status_code == 302
    destination.refresh_from_db()
    assert destination.private_key == keys["other"]


@pytest.mark.parametrize(
    "changes, field, reason",
    [
        ({"private_key": ""}, "private_key", "Paste the private key"),
        (
            {"private_key": "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAAsecret\n"},
            "private_key",
            "The private key could not be read",
        ),
        ({"host_key": "ssh-ed25519 not-a-key"}, "host_key", "The host key could not be read"),
        ({"host_key": ""}, "host_key", "This field is required"),
        ({"port": 0}, "port", "A port is a number from 1 to 65535"),
        ({"port": 65536}, "port", "A port is a number from 1 to 65535"),
    ],
)
def test_r_f4_bad_keys_are_refused_beside_the_field(
    admin_client, network, keys, changes, field, reason
):
    response = admin_client.post(ADD, form_data(network, keys, **changes))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert reason in " ".join(errors[field])
    assert not SftpDestination.objects.exists()
    page = response.content.decode()
    assert "AAAAsecret" not in page  # what was typed in the secret box is not echoed
    assert not any(line in page for line in secret_lines(keys["private"]))


def test_r_f4_a_key_with_a_passphrase_is_refused_beside_the_field(
    admin_client, network, keys, tmp_path
):
    subprocess.run(
        [SSH_KEYGEN, "-q", "-t", "ed25519", "-N", "pass", "-f", str(tmp_path / "locked")],
        check=True,
    )

    response = admin_client.post(
        ADD, form_data(network, keys, private_key=(tmp_path / "locked").read_text())
    )

    assert "protected by a passphrase" in " ".join(
        response.context["adminform"].form.errors["private_key"]
    )
    assert not SftpDestination.objects.exists()


@pytest.mark.parametrize("role", [Role.UTILIZATION_REVIEWER, Role.SITE_ADMIN])
def test_r_f4_only_system_admins_reach_the_page(network, role):
    user = UserFactory(role=role, is_staff=True)
    client = Client()
    client.force_login(user)

    assert client.get(reverse("admin:exchange_sftpdestination_changelist")).status_code == 403
    assert client.get(ADD).status_code == 403
