"""R-X3: every view, search, download, export and change of a member's information is recorded
with who, their organization and role, what, which record and member, when, from where, the
request id and the outcome; sign-ins, failed sign-ins and sign-outs too."""

import pytest
from django.contrib.auth import authenticate
from django.test import Client, RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from common.audit.models import AuditEvent
from providers.models import Organization, Role
from tests.audit.conftest import client_for
from tests.notices.factories import NoticeFactory
from tests.providers.factories import OfferingFactory
from tests.referrals.factories import service

pytestmark = pytest.mark.django_db


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def last(**filters) -> AuditEvent:
    return AuditEvent.objects.filter(**filters).latest("id")


def test_r_x3_a_member_page_view_records_who_what_which_member_when_where(reviewer, member):
    client = client_for(reviewer)
    response = client.get(reverse("members:detail", args=[member.pk]), REMOTE_ADDR="198.51.100.4")

    assert response.status_code == 200
    row = last(event="view")
    assert (row.object_type, row.object_pk, row.object_id) == (
        "members.member",
        str(member.pk),
        member.pk,
    )
    assert row.member_id == member.pk
    assert row.actor_id == reviewer.pk and row.username == reviewer.username
    assert (row.organization_id, row.organization_name) == (
        reviewer.organization_id,
        reviewer.organization.name,
    )
    assert row.role == Role.UTILIZATION_REVIEWER
    assert row.outcome == "allowed" and row.status_code == 200
    assert row.remote_addr == "198.51.100.4"
    assert row.cid == response["X-Request-ID"] and len(row.cid) == 32
    assert (row.channel, row.method, row.path) == ("browser", "GET", f"/members/{member.pk}/")
    assert row.timestamp is not None


def test_r_x3_a_view_of_a_record_through_its_parent_names_the_member(reviewer, authorization):
    client_for(reviewer).get(reverse("authorizations:detail", args=[authorization.pk]))

    row = last(event="view", object_type="authorizations.authorization")
    assert row.member_id == authorization.member_id and row.outcome == "allowed"


def test_r_x3_an_out_of_scope_record_is_a_refused_view_with_its_member(stranger, authorization):
    response = client_for(stranger).get(reverse("authorizations:detail", args=[authorization.pk]))

    assert response.status_code == 404
    row = last(object_type="authorizations.authorization")
    assert (row.event, row.outcome, row.status_code) == ("view", "refused", 404)
    assert row.member_id == authorization.member_id
    assert row.username == stranger.username


def test_r_x3_a_signed_out_visitor_sent_to_sign_in_is_a_refused_view(member):
    response = Client().get(reverse("members:detail", args=[member.pk]))

    assert response.status_code == 302
    row = last(object_type="members.member")
    assert (row.event, row.outcome, row.actor_id, row.member_id) == (
        "view",
        "refused",
        None,
        member.pk,
    )


def test_r_x3_refused_api_access_is_recorded(stranger, referral):
    response = api_for(stranger).get(f"/api/v1/referrals/{referral.pk}/")

    assert response.status_code == 404
    row = last(object_type="referrals.referral")
    assert (row.event, row.outcome, row.channel) == ("view", "refused", "api")
    assert row.member_id == referral.member_id


def test_r_x3_a_missing_record_is_a_refused_view_like_an_out_of_scope_one(reviewer):
    response = api_for(reviewer).get("/api/v1/authorizations/987654/")

    assert response.status_code == 404
    row = last(object_type="authorizations.authorization")
    assert (row.object_id, row.member_id, row.outcome) == (987654, None, "refused")


def test_r_x3_a_browser_member_search_is_recorded_without_its_terms(reviewer, member):
    response = client_for(reviewer).post(reverse("members:search"), {"cin": member.cin})

    assert response.status_code == 200
    row = last(event="search")
    assert (row.object_type, row.outcome, row.method) == ("members.member", "allowed", "POST")
    values = " ".join(
        str(v) for v in AuditEvent.objects.filter(pk=row.pk).values().first().values()
    )
    assert member.cin not in values and member.last_name not in values


def test_r_x3_an_api_search_records_the_members_it_returned(reviewer, member):
    response = api_for(reviewer).post("/api/v1/members/search/", {"cin": member.cin})

    assert response.status_code == 200
    row = last(event="search")
    assert row.member_ids == [member.pk]
    assert member.cin not in row.path


def test_r_x3_an_api_list_records_the_listed_members(reviewer, referral, authorization):
    api_for(reviewer).get("/api/v1/authorizations/")

    row = last(event="search", object_type="authorizations.authorization")
    assert row.member_ids == [authorization.member_id]


def test_r_x3_a_letter_download_is_recorded(reviewer):
    notice = NoticeFactory()

    response = client_for(reviewer).get(reverse("notices:download", args=[notice.pk]))

    assert response.status_code == 200
    row = last(event="download")
    assert (row.object_type, row.object_id) == ("notices.notice", notice.pk)
    assert row.member_id == notice.authorization.member_id


def test_r_x3_a_letter_download_through_the_api_is_recorded(reviewer):
    notice = NoticeFactory()

    api_for(reviewer).get(f"/api/v1/notices/{notice.pk}/download/")

    row = last(event="download", channel="api")
    assert row.member_id == notice.authorization.member_id and row.outcome == "allowed"


def test_r_x3_a_change_records_the_request_and_the_field_diff_with_its_member(
    coordinator, referral
):
    response = api_for(coordinator).post(
        f"/api/v1/referrals/{referral.pk}/messages/", {"body": "Member moved; new phone."}
    )

    assert response.status_code in (200, 201), response.content
    request_id = response["X-Request-ID"]
    request_row = last(event="change")
    assert (request_row.object_type, request_row.object_id) == ("referrals.referral", referral.pk)
    assert request_row.member_id == referral.member_id and request_row.outcome == "allowed"
    created = AuditEvent.objects.get(
        cid=request_id, event="create", object_type="referrals.message"
    )
    assert created.member_id == referral.member_id
    assert created.actor_id == coordinator.pk and created.username == coordinator.username
    assert "body" in created.changed_fields
    assert created.channel == "api"


def test_r_x3_a_refused_change_is_recorded(stranger, referral):
    response = api_for(stranger).post(f"/api/v1/referrals/{referral.pk}/accept/")

    assert response.status_code == 404
    row = last(object_type="referrals.referral")
    assert (row.event, row.outcome, row.method) == ("change", "refused", "POST")


def test_r_x3_a_change_in_django_admin_is_recorded(sysadmin, member):
    client = client_for(sysadmin)
    url = reverse("admin:members_member_change", args=[member.pk])
    assert client.get(url).status_code == 200

    viewed = last(event="view", channel="admin")
    assert (viewed.object_type, viewed.member_id) == ("members.member", member.pk)
    member.preferred_language = "es"
    member.save()  # as the admin form would: the change row carries the diff
    changed = last(event="update", object_type="members.member")
    assert changed.member_id == member.pk and "preferred_language" in changed.changed_fields


def test_r_x3_changes_outside_a_request_are_recorded_as_system(member):
    member.first_name = "Renamed"
    member.save()

    row = last(event="update", object_type="members.member")
    assert (row.channel, row.actor_id, row.member_id) == ("system", None, member.pk)


# --- Look-ups by CIN and birth date ------------------------------------------------------------


@pytest.fixture
def mercy_house():
    org = Organization.objects.get(name="Mercy House")
    OfferingFactory(
        organization=org, service=service("CS_MEDICALLY_TAILORED_MEALS"), accepting_referrals=True
    )
    return org


def test_r_x3_the_wizard_member_step_records_the_look_up(coordinator, member):
    client = client_for(coordinator)
    client.post(
        reverse("referrals:new"),
        {
            "new_referral_wizard-current_step": "member",
            "member-cin": member.cin,
            "member-birth_date": member.birth_date.isoformat(),
            "member-requested_start_date": "2024-06-03",
        },
    )

    rows = AuditEvent.objects.filter(event="lookup")
    assert rows.count() == 1
    row = rows.get()
    assert (row.member_id, row.username, row.object_type) == (
        member.pk,
        coordinator.username,
        "members.member",
    )
    assert member.cin not in str(AuditEvent.objects.filter(pk=row.pk).values().first())


def test_r_x3_a_look_up_that_finds_no_one_is_recorded_too(coordinator, member):
    client_for(coordinator).post(
        reverse("referrals:new"),
        {
            "new_referral_wizard-current_step": "member",
            "member-cin": member.cin,
            "member-birth_date": "1990-01-01",
            "member-requested_start_date": "2024-06-03",
        },
    )

    row = last(event="lookup")
    assert row.member_id is None and row.username == coordinator.username


def test_r_x3_an_api_create_records_the_look_up_and_the_new_referral(
    coordinator, member, mercy_house
):
    response = api_for(coordinator).post(
        "/api/v1/referrals/",
        {
            "cin": member.cin,
            "birth_date": member.birth_date.isoformat(),
            "service": "CS_MEDICALLY_TAILORED_MEALS",
            "requested_start_date": "2024-06-03",
            "reason": "Diabetes with a recent hospital stay.",
            "member_consent": True,
            "receiving_organization": mercy_house.pk,
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    cid = response["X-Request-ID"]
    assert AuditEvent.objects.get(cid=cid, event="lookup").member_id == member.pk
    created = AuditEvent.objects.get(cid=cid, event="create", object_type="referrals.referral")
    assert created.member_id == member.pk and created.username == coordinator.username


# --- Sign-in ---------------------------------------------------------------------------------


def test_r_x3_sign_in_and_sign_out_are_recorded(coordinator):
    client = client_for(coordinator)
    signed_in = last(event="sign_in")
    assert (signed_in.actor_id, signed_in.organization_id, signed_in.role) == (
        coordinator.pk,
        coordinator.organization_id,
        Role.CARE_COORDINATOR,
    )

    client.post(reverse("logout"))

    signed_out = last(event="sign_out")
    assert signed_out.username == coordinator.username and signed_out.outcome == "allowed"


def test_r_x3_a_failed_sign_in_is_recorded_with_the_name_tried_and_no_password(coordinator):
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="192.0.2.9")

    assert authenticate(request, username=coordinator.username, password="wrong-pass") is None

    row = last(event="sign_in_failed")
    assert (row.username, row.outcome, row.actor_id) == (coordinator.username, "refused", None)
    assert "wrong-pass" not in str(AuditEvent.objects.filter(pk=row.pk).values().first())


def test_r_x3_a_sign_in_failure_through_the_login_page_is_recorded(coordinator):
    Client().post(reverse("login"), {"username": "nobody-here", "password": "x"})

    row = last(event="sign_in_failed")
    assert row.username == "nobody-here" and row.remote_addr == "127.0.0.1"
    assert row.cid  # inside a request: its request id


# --- Files -----------------------------------------------------------------------------------


def test_r_x3_the_member_file_import_is_recorded_with_each_change(tmp_path, health_network):
    from django.core.management import call_command

    path = tmp_path / "members.csv"
    path.write_text(
        "cin,member_id,first_name,last_name,birth_date,sex,language,program,span_start,"
        "span_end,health_network,pof_codes\n"
        f"93456789C,M-1,Ana,Reyes,1980-02-03,F,en,medi_cal,2024-01-01,,{health_network.name},\n"
    )

    call_command("import_members", str(path))

    run = last(event="import")
    assert (run.channel, run.object_type, run.path, run.outcome) == (
        "file",
        "members.member",
        "members.csv",
        "allowed",
    )
    created = last(event="create", object_type="members.member")
    assert created.cid == run.cid and created.channel == "file"
    assert created.member_id is not None


def test_r_x3_the_member_file_task_is_recorded_like_the_command(tmp_path, health_network):
    from exchange.tasks import import_member_file

    path = tmp_path / "eligibility.csv"
    path.write_text(
        "cin,member_id,first_name,last_name,birth_date,sex,language,program,span_start,"
        "span_end,health_network,pof_codes\n"
        f"93456780D,M-2,Bea,Lim,1981-02-03,F,en,medi_cal,2024-01-01,,{health_network.name},\n"
    )

    import_member_file.delay(str(path)).get()

    run = last(event="import")
    assert (run.object_repr, run.path, run.channel) == (
        "import_member_file",
        "eligibility.csv",
        "file",
    )
    assert AuditEvent.objects.filter(cid=run.cid, event="create").exists()


def test_r_x3_a_failed_file_run_is_recorded_as_failed(tmp_path):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError):
        call_command("import_members", str(tmp_path / "missing.csv"))

    run = last(event="import")
    assert (run.outcome, run.path) == ("failed", "missing.csv")


def test_r_x3_the_letters_list_records_the_members_of_its_letters(reviewer):
    notice = NoticeFactory()

    api_for(reviewer).get("/api/v1/notices/")

    row = last(event="search", object_type="notices.notice")
    assert row.member_ids == [notice.authorization.member_id]
