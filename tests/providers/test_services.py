"""What the providers app does: POF panel change requests (R-P3, R-P2), users managed by site
administrators (R-X1) and published capacity (R-R3)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from providers import services
from providers.models import (
    MAX_OPEN_SLOTS,
    EcmPanelEntry,
    Organization,
    PanelChangeRequest,
    Role,
    User,
)
from tests.providers.factories import (
    CsProviderFactory,
    EcmProviderFactory,
    HealthNetworkFactory,
    OfferingFactory,
    PanelChangeRequestFactory,
    PanelEntryFactory,
    SiteAdminFactory,
    SystemAdminFactory,
    UserFactory,
    pof,
)

pytestmark = pytest.mark.django_db
ADD, REMOVE = PanelChangeRequest.Action.ADD, PanelChangeRequest.Action.REMOVE
EXPERTISE = "Our team has run street outreach for people experiencing homelessness since 2015."


def on_panel(org, code) -> bool:
    return EcmPanelEntry.objects.filter(organization=org, population__code=code).exists()


def field_errors(excinfo) -> dict:
    return excinfo.value.message_dict


# --- R-P3 panel change requests -------------------------------------------------------------


def test_r_p3_ecm_site_admin_asks_to_add_a_pof():
    admin = SiteAdminFactory()
    req = services.request_panel_change(
        user=admin, population=pof("2"), action=ADD, expertise_statement=f"  {EXPERTISE}  "
    )
    assert req.status == PanelChangeRequest.Status.PENDING
    assert (req.organization, req.requested_by) == (admin.organization, admin)
    assert req.expertise_statement == EXPERTISE
    assert not on_panel(admin.organization, "2")  # nothing changes before a decision


@pytest.mark.parametrize(
    "role, org_factory",
    [
        (Role.CARE_COORDINATOR, HealthNetworkFactory),
        (Role.PROVIDER_STAFF, EcmProviderFactory),
        (Role.HEALTH_NETWORK_STAFF, HealthNetworkFactory),
        (Role.SITE_ADMIN, CsProviderFactory),  # not an ECM provider
    ],
)
def test_r_p3_only_an_ecm_providers_site_admin_may_ask(role, org_factory):
    user = UserFactory(role=role, organization=org_factory())
    with pytest.raises(PermissionDenied):
        services.request_panel_change(
            user=user, population=pof("2"), action=ADD, expertise_statement=EXPERTISE
        )
    assert not PanelChangeRequest.objects.exists()


def test_r_p3_a_system_admin_does_not_ask_for_a_panel_change():
    with pytest.raises(PermissionDenied):
        services.request_panel_change(
            user=SystemAdminFactory(), population=pof("2"), action=ADD, expertise_statement="x"
        )


@pytest.mark.parametrize("statement", ["", "   \n\t "])
def test_r_p3_expertise_statement_is_required(statement):
    with pytest.raises(ValidationError) as excinfo:
        services.request_panel_change(
            user=SiteAdminFactory(), population=pof("2"), action=ADD, expertise_statement=statement
        )
    assert "expertise_statement" in field_errors(excinfo)
    assert not PanelChangeRequest.objects.exists()


def test_r_p3_adding_a_pof_already_on_the_panel_is_refused():
    admin = SiteAdminFactory()
    PanelEntryFactory(organization=admin.organization, population=pof("2"))
    with pytest.raises(ValidationError) as excinfo:
        services.request_panel_change(
            user=admin, population=pof("2"), action=ADD, expertise_statement=EXPERTISE
        )
    assert "already on the panel" in field_errors(excinfo)["population"][0]


def test_r_p3_removing_a_pof_not_on_the_panel_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        services.request_panel_change(
            user=SiteAdminFactory(), population=pof("2"), action=REMOVE, expertise_statement="x"
        )
    assert "not on the panel" in field_errors(excinfo)["population"][0]


@pytest.mark.parametrize(
    "code, sole_provider",
    [
        ("3", "Orange County Health Care Agency, Behavioral Health Services"),
        ("6", "Libertana"),
    ],
)
@pytest.mark.parametrize("org_factory", [HealthNetworkFactory, EcmProviderFactory])
def test_r_p2_adding_pof_3_or_6_to_another_organization_is_refused(
    code, sole_provider, org_factory
):
    admin = SiteAdminFactory(organization=org_factory())
    with pytest.raises(ValidationError) as excinfo:
        services.request_panel_change(
            user=admin, population=pof(code), action=ADD, expertise_statement=EXPERTISE
        )
    message = field_errors(excinfo)["population"][0]
    assert sole_provider in message and "R-P2" not in message  # words, not the rule id
    assert not PanelChangeRequest.objects.exists()


def test_r_p2_pof_5_may_be_added_by_a_health_network():
    admin = SiteAdminFactory(organization=HealthNetworkFactory())
    req = services.request_panel_change(
        user=admin, population=pof("5"), action=ADD, expertise_statement=EXPERTISE
    )
    assert req.status == PanelChangeRequest.Status.PENDING


def test_r_p2_pof_5_is_refused_to_an_ecm_provider_that_is_not_the_plan_or_a_network():
    admin = SiteAdminFactory(organization=EcmProviderFactory())
    with pytest.raises(ValidationError) as excinfo:
        services.request_panel_change(
            user=admin, population=pof("5"), action=ADD, expertise_statement=EXPERTISE
        )
    assert "health networks" in field_errors(excinfo)["population"][0]


def test_r_p3_one_pending_request_per_organization_and_pof():
    admin = SiteAdminFactory()
    services.request_panel_change(
        user=admin, population=pof("2"), action=ADD, expertise_statement=EXPERTISE
    )
    with pytest.raises(ValidationError) as excinfo:
        services.request_panel_change(
            user=admin, population=pof("2"), action=ADD, expertise_statement=EXPERTISE
        )
    assert "already pending" in field_errors(excinfo)["population"][0]
    assert PanelChangeRequest.objects.count() == 1
    # Another POF, or the same POF for another organization, is a separate request.
    services.request_panel_change(
        user=admin, population=pof("4"), action=ADD, expertise_statement=EXPERTISE
    )
    services.request_panel_change(
        user=SiteAdminFactory(), population=pof("2"), action=ADD, expertise_statement=EXPERTISE
    )
    assert PanelChangeRequest.objects.count() == 3


def test_r_p3_after_a_rejection_the_organization_may_ask_again():
    req = PanelChangeRequestFactory(population=pof("2"))
    services.decide_panel_change(
        user=SystemAdminFactory(), request_id=req.pk, approve=False, note="Send staff CVs."
    )
    again = services.request_panel_change(
        user=req.requested_by, population=pof("2"), action=ADD, expertise_statement=EXPERTISE
    )
    assert again.status == PanelChangeRequest.Status.PENDING


def test_r_p3_system_admin_approves_an_addition_and_the_panel_changes():
    req = PanelChangeRequestFactory(population=pof("2"), action=ADD)
    sysadmin = SystemAdminFactory()
    decided = services.decide_panel_change(user=sysadmin, request_id=req.pk, approve=True)
    assert on_panel(req.organization, "2")
    req.refresh_from_db()
    assert req.status == PanelChangeRequest.Status.APPROVED
    assert req.decided_by == sysadmin and req.decided_at is not None
    assert decided.pk == req.pk


def test_r_p3_system_admin_approves_a_removal_and_the_pof_leaves_the_panel():
    org = HealthNetworkFactory()
    PanelEntryFactory(organization=org, population=pof("2"))
    PanelEntryFactory(organization=org, population=pof("4"))
    req = PanelChangeRequestFactory(organization=org, population=pof("2"), action=REMOVE)
    services.decide_panel_change(user=SystemAdminFactory(), request_id=req.pk, approve=True)
    assert not on_panel(org, "2")
    assert on_panel(org, "4")


def test_r_p3_rejection_needs_a_note_and_leaves_the_panel_unchanged():
    req = PanelChangeRequestFactory(population=pof("2"), action=ADD)
    sysadmin = SystemAdminFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.decide_panel_change(user=sysadmin, request_id=req.pk, approve=False, note="  ")
    assert "decision_note" in field_errors(excinfo)
    req.refresh_from_db()
    assert req.status == PanelChangeRequest.Status.PENDING

    services.decide_panel_change(
        user=sysadmin, request_id=req.pk, approve=False, note="No evidence of staff training."
    )
    req.refresh_from_db()
    assert req.status == PanelChangeRequest.Status.REJECTED
    assert req.decision_note == "No evidence of staff training."
    assert not on_panel(req.organization, "2")


@pytest.mark.parametrize("first_approve", [True, False])
@pytest.mark.parametrize("second_approve", [True, False])
def test_r_p3_an_already_decided_request_is_refused(first_approve, second_approve):
    org = HealthNetworkFactory()
    req = PanelChangeRequestFactory(organization=org, population=pof("2"), action=ADD)
    sysadmin = SystemAdminFactory()
    services.decide_panel_change(user=sysadmin, request_id=req.pk, approve=first_approve, note="n")
    with pytest.raises(ValidationError) as excinfo:
        services.decide_panel_change(
            user=sysadmin, request_id=req.pk, approve=second_approve, note="again"
        )
    assert "already" in field_errors(excinfo)["status"][0]
    req.refresh_from_db()
    assert req.status == ("approved" if first_approve else "rejected")
    assert req.decision_note == "n"
    assert on_panel(org, "2") is first_approve


@pytest.mark.parametrize(
    "make_user",
    [
        lambda req: req.requested_by,
        lambda req: UserFactory(
            role=Role.UTILIZATION_REVIEWER,
            organization=Organization.objects.get(is_caloptima=True),
        ),
        lambda req: SiteAdminFactory(organization=Organization.objects.get(is_caloptima=True)),
    ],
    ids=["requesting-site-admin", "utilization-reviewer", "caloptima-site-admin"],
)
def test_r_p3_only_a_system_admin_decides(make_user):
    req = PanelChangeRequestFactory(population=pof("2"))
    with pytest.raises(PermissionDenied):
        services.decide_panel_change(user=make_user(req), request_id=req.pk, approve=True)
    req.refresh_from_db()
    assert req.status == PanelChangeRequest.Status.PENDING
    assert not on_panel(req.organization, "2")


# --- R-X1 user management --------------------------------------------------------------------


def new_user(actor, **overrides):
    fields = {
        "username": "jdoe",
        "email": "jdoe@example.invalid",
        "first_name": "Jo",
        "last_name": "Doe",
        "role": Role.CARE_COORDINATOR,
        "site_url": "https://calaim.example.org/",
    }
    return services.invite_user(actor=actor, **(fields | overrides))


def test_r_x1_site_admin_invites_a_user_to_their_own_organization(
    django_capture_on_commit_callbacks, mailoutbox
):
    admin = SiteAdminFactory()
    with django_capture_on_commit_callbacks(execute=True):
        user = new_user(admin)
    user.refresh_from_db()
    assert user.organization == admin.organization
    assert user.role == Role.CARE_COORDINATOR
    assert user.is_active and not user.is_staff and not user.is_superuser
    # Nobody but the person knows a password: the account has none until the link is used.
    assert not user.has_usable_password()
    assert [m.to for m in mailoutbox] == [["jdoe@example.invalid"]]
    assert "https://calaim.example.org/accounts/invite/" in mailoutbox[0].body


def test_r_x1_site_admin_changes_a_role_and_deactivates_a_user():
    admin = SiteAdminFactory()
    person = UserFactory(organization=admin.organization, role=Role.CARE_COORDINATOR)
    services.change_role(actor=admin, user_id=person.pk, role=Role.HEALTH_NETWORK_STAFF)
    person.refresh_from_db()
    assert person.role == Role.HEALTH_NETWORK_STAFF

    services.set_active(actor=admin, user_id=person.pk, active=False)
    person.refresh_from_db()
    assert not person.is_active

    services.set_active(actor=admin, user_id=person.pk, active=True)
    person.refresh_from_db()
    assert person.is_active


def test_r_x1_a_deactivated_user_cannot_sign_in(client):
    admin = SiteAdminFactory()
    person = UserFactory(organization=admin.organization)
    assert client.login(username=person.username, password="test-pass-123")
    client.logout()
    services.set_active(actor=admin, user_id=person.pk, active=False)
    assert not client.login(username=person.username, password="test-pass-123")


@pytest.mark.parametrize(
    "act",
    [
        lambda admin, person: services.change_role(
            actor=admin, user_id=person.pk, role=Role.SITE_ADMIN
        ),
        lambda admin, person: services.set_active(actor=admin, user_id=person.pk, active=False),
    ],
    ids=["change-role", "deactivate"],
)
def test_r_x1_site_admin_cannot_act_on_another_organizations_user(act):
    admin = SiteAdminFactory()
    outsider = UserFactory(organization=HealthNetworkFactory(), role=Role.CARE_COORDINATOR)
    with pytest.raises(PermissionDenied):
        act(admin, outsider)
    outsider.refresh_from_db()
    assert (outsider.role, outsider.is_active) == (Role.CARE_COORDINATOR, True)


@pytest.mark.parametrize(
    "role", [Role.CARE_COORDINATOR, Role.PROVIDER_STAFF, Role.HEALTH_NETWORK_STAFF]
)
def test_r_x1_only_site_or_system_admins_manage_users(role):
    actor = UserFactory(role=role, organization=HealthNetworkFactory())
    colleague = UserFactory(organization=actor.organization)
    with pytest.raises(PermissionDenied):
        new_user(actor)
    with pytest.raises(PermissionDenied):
        services.set_active(actor=actor, user_id=colleague.pk, active=False)
    assert not User.objects.filter(username="jdoe").exists()
    colleague.refresh_from_db()
    assert colleague.is_active


def test_r_x1_site_admin_cannot_grant_system_admin():
    admin = SiteAdminFactory(organization=Organization.objects.get(is_caloptima=True))
    with pytest.raises(ValidationError) as excinfo:
        new_user(admin, role=Role.SYSTEM_ADMIN)
    assert "system admin" in field_errors(excinfo)["role"][0]
    assert not User.objects.filter(username="jdoe").exists()

    person = UserFactory(organization=admin.organization)
    with pytest.raises(ValidationError):
        services.change_role(actor=admin, user_id=person.pk, role=Role.SYSTEM_ADMIN)
    person.refresh_from_db()
    assert person.role == Role.CARE_COORDINATOR
    assert not (person.is_staff or person.is_superuser)


@pytest.mark.parametrize(
    "act",
    [
        lambda admin, sysadmin: services.change_role(
            actor=admin, user_id=sysadmin.pk, role=Role.CARE_COORDINATOR
        ),
        lambda admin, sysadmin: services.set_active(actor=admin, user_id=sysadmin.pk, active=False),
    ],
    ids=["demote", "deactivate"],
)
def test_r_x1_site_admin_cannot_demote_or_deactivate_a_system_admin(act):
    caloptima = Organization.objects.get(is_caloptima=True)
    admin = SiteAdminFactory(organization=caloptima)
    sysadmin = SystemAdminFactory()
    with pytest.raises(ValidationError):
        act(admin, sysadmin)
    sysadmin.refresh_from_db()
    assert sysadmin.role == Role.SYSTEM_ADMIN
    assert sysadmin.is_active and sysadmin.is_staff and sysadmin.is_superuser


def test_r_x1_system_admin_may_grant_and_revoke_system_admin():
    sysadmin = SystemAdminFactory()
    person = UserFactory(organization=sysadmin.organization, role=Role.UTILIZATION_REVIEWER)
    services.change_role(actor=sysadmin, user_id=person.pk, role=Role.SYSTEM_ADMIN)
    person.refresh_from_db()
    assert person.is_staff and person.is_superuser
    services.change_role(actor=sysadmin, user_id=person.pk, role=Role.UTILIZATION_REVIEWER)
    person.refresh_from_db()
    assert not (person.is_staff or person.is_superuser)


@pytest.mark.parametrize(
    "org_factory, role, message",
    [
        (HealthNetworkFactory, Role.UTILIZATION_REVIEWER, "CalOptima Health only"),
        (CsProviderFactory, Role.HEALTH_NETWORK_STAFF, "health network"),
        (CsProviderFactory, "chief", "not a role"),
    ],
)
def test_r_x1_role_must_fit_the_organization(org_factory, role, message):
    admin = SiteAdminFactory(organization=org_factory())
    with pytest.raises(ValidationError) as excinfo:
        new_user(admin, role=role)
    assert message in field_errors(excinfo)["role"][0]
    person = UserFactory(organization=admin.organization)
    with pytest.raises(ValidationError):
        services.change_role(actor=admin, user_id=person.pk, role=role)
    person.refresh_from_db()
    assert person.role == Role.CARE_COORDINATOR


def test_r_x1_role_rule_holds_on_the_model_too():
    user = UserFactory.build(role=Role.UTILIZATION_REVIEWER, organization=HealthNetworkFactory())
    with pytest.raises(ValidationError) as excinfo:
        user.full_clean()
    assert "role" in field_errors(excinfo)


def test_r_x1_site_admin_cannot_deactivate_or_demote_themself():
    admin = SiteAdminFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.set_active(actor=admin, user_id=admin.pk, active=False)
    assert "is_active" in field_errors(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        services.change_role(actor=admin, user_id=admin.pk, role=Role.CARE_COORDINATOR)
    assert "role" in field_errors(excinfo)
    admin.refresh_from_db()
    assert admin.is_active and admin.role == Role.SITE_ADMIN


@pytest.mark.parametrize("taken", ["jdoe", "JDoe"])
def test_r_x1_duplicate_username_is_refused_with_a_field_message(taken):
    admin = SiteAdminFactory()
    UserFactory(username="jdoe", organization=HealthNetworkFactory())
    with pytest.raises(ValidationError) as excinfo:
        new_user(admin, username=taken)
    assert field_errors(excinfo) == {"username": ["This username is taken."]}
    assert User.objects.filter(username__iexact="jdoe").count() == 1


# --- Capacity (R-R3) -------------------------------------------------------------------------


def test_r_r3_site_admin_publishes_capacity_for_their_organization():
    admin = SiteAdminFactory(organization=CsProviderFactory())
    offering = OfferingFactory(organization=admin.organization, open_slots=5)
    services.update_capacity(
        actor=admin, offering_id=offering.pk, accepting_referrals=False, open_slots=0
    )
    offering.refresh_from_db()
    assert (offering.accepting_referrals, offering.open_slots) == (False, 0)
    services.update_capacity(
        actor=admin, offering_id=offering.pk, accepting_referrals=True, open_slots=12
    )
    offering.refresh_from_db()
    assert (offering.accepting_referrals, offering.open_slots) == (True, 12)


@pytest.mark.parametrize("slots", [-1, None, MAX_OPEN_SLOTS + 1, 99_999_999_999])
def test_r_r3_open_slots_must_be_zero_to_the_maximum(slots):
    admin = SiteAdminFactory(organization=CsProviderFactory())
    offering = OfferingFactory(organization=admin.organization, open_slots=5)
    with pytest.raises(ValidationError) as excinfo:
        services.update_capacity(
            actor=admin, offering_id=offering.pk, accepting_referrals=True, open_slots=slots
        )
    assert "open_slots" in field_errors(excinfo)
    offering.refresh_from_db()
    assert offering.open_slots == 5


def test_r_r3_capacity_of_another_organization_is_refused():
    admin = SiteAdminFactory(organization=CsProviderFactory())
    other = OfferingFactory(open_slots=5)
    with pytest.raises(PermissionDenied):
        services.update_capacity(
            actor=admin, offering_id=other.pk, accepting_referrals=False, open_slots=0
        )
    other.refresh_from_db()
    assert (other.accepting_referrals, other.open_slots) == (True, 5)


def test_r_r3_provider_staff_keep_their_own_organizations_capacity_current():
    staff = UserFactory(role=Role.PROVIDER_STAFF, organization=CsProviderFactory())
    offering = OfferingFactory(organization=staff.organization, open_slots=5)
    services.update_capacity(
        actor=staff, offering_id=offering.pk, accepting_referrals=True, open_slots=MAX_OPEN_SLOTS
    )
    offering.refresh_from_db()
    assert offering.open_slots == MAX_OPEN_SLOTS


@pytest.mark.parametrize("role", [Role.CARE_COORDINATOR, Role.HEALTH_NETWORK_STAFF])
def test_r_r3_other_roles_of_the_organization_do_not_edit_capacity(role):
    org = HealthNetworkFactory(is_cs_provider=True)
    offering = OfferingFactory(organization=org, open_slots=5)
    with pytest.raises(PermissionDenied):
        services.update_capacity(
            actor=UserFactory(role=role, organization=org),
            offering_id=offering.pk,
            accepting_referrals=False,
            open_slots=0,
        )
