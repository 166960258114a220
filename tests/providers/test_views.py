"""The providers pages: directory, users (R-X1), POF panel requests (R-P3) and Django admin."""

import io
import re

import pytest
from django.core.management import call_command

from providers.models import EcmPanelEntry, PanelChangeRequest, Role, User
from tests.providers.conftest import DIRECTORY_FILTERS
from tests.providers.factories import (
    CsProviderFactory,
    HealthNetworkFactory,
    OfferingFactory,
    PanelChangeRequestFactory,
    ServiceFactory,
    SiteAdminFactory,
    SystemAdminFactory,
    UserFactory,
    directory_organizations,
    pof,
)

pytestmark = pytest.mark.django_db
DIRECTORY = "/providers/"
USERS = "/providers/users/"
PANEL = "/providers/panel-requests/"


def listed_organizations(response) -> set[str]:
    assert response.status_code == 200
    return set(re.findall(r"<td><strong>(.*?)</strong>", response.content.decode()))


# --- Directory -------------------------------------------------------------------------------


@pytest.mark.parametrize("filters, expected", DIRECTORY_FILTERS)
def test_directory_filters_by_service_population_and_accepting(
    client, reviewer, directory_rows, filters, expected
):
    query = {k: "on" if v is True else v for k, v in filters.items()}
    client.force_login(reviewer)
    assert listed_organizations(client.get(DIRECTORY, query)) == expected


def test_directory_shows_published_capacity_and_panel(client, reviewer, directory_rows):
    client.force_login(reviewer)
    page = client.get(DIRECTORY).content.decode()
    assert 'Test meals: <span class="badge ok">accepting · 7 open slots</span>' in page
    assert "accepting · 1 open slot</span>" in page
    assert "not accepting" in page
    clinic_row = page[page.index("Lighthouse Clinic") :].split("</tr>")[0]
    assert (
        "<li>POF 2 <small>Individuals at risk" in clinic_row and "<li>POF 4 <small>" in clinic_row
    )


def test_directory_with_a_service_filter_shows_that_services_capacity_only(
    client, reviewer, directory_rows
):
    client.force_login(reviewer)
    page = client.get(DIRECTORY + "?service=ECM").content.decode()
    clinic_row = page[page.index("Lighthouse Clinic") :].split("</tr>")[0]
    assert "Enhanced Care Management" in clinic_row and "Test meals" not in clinic_row


def test_directory_needs_sign_in(client):
    response = client.get(DIRECTORY)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("extra", [3, 30])
@pytest.mark.parametrize(
    "query, max_queries",
    [
        # session, user, user's organization, the filter form's service and POF choices,
        # organizations, offerings, panel entries
        ("", 8),
        # + the filter form looking up the chosen service and POF
        ("?service=CS_TEST_A&population=2&accepting=on", 10),
    ],
)
def test_directory_query_count_does_not_grow_with_rows(
    client, reviewer, django_assert_max_num_queries, extra, query, max_queries
):
    directory_organizations(extra)
    client.force_login(reviewer)
    with django_assert_max_num_queries(max_queries):
        response = client.get(DIRECTORY + query)
    assert len(listed_organizations(response)) == extra


# --- Users (R-X1) ----------------------------------------------------------------------------


@pytest.fixture
def site_admin():
    return SiteAdminFactory(organization=HealthNetworkFactory(name="Canyon Network"))


def test_r_x1_users_page_lists_only_the_site_admins_organization(client, site_admin):
    colleague = UserFactory(organization=site_admin.organization, username="colleague")
    UserFactory(organization=HealthNetworkFactory(), username="outsider")
    client.force_login(site_admin)
    page = client.get(USERS)
    assert page.status_code == 200
    names = set(re.findall(r"<td>([\w.-]+)</td><td>[^<]*@", page.content.decode()))
    assert names == {site_admin.username, colleague.username}


@pytest.mark.parametrize(
    "role",
    [
        Role.CARE_COORDINATOR,
        Role.PROVIDER_STAFF,
        Role.HEALTH_NETWORK_STAFF,
    ],
)
def test_r_x1_users_page_is_404_for_other_roles(client, role):
    user = UserFactory(role=role, organization=HealthNetworkFactory())
    colleague = UserFactory(organization=user.organization)
    client.force_login(user)
    assert client.get(USERS).status_code == 404
    assert client.post(f"{USERS}{colleague.pk}/active/", {"active": "0"}).status_code == 404
    colleague.refresh_from_db()
    assert colleague.is_active


def test_r_x1_users_page_is_404_for_a_utilization_reviewer(client, reviewer):
    client.force_login(reviewer)
    assert client.get(USERS).status_code == 404


def test_r_x1_site_admin_changes_role_and_deactivates_own_user(client, site_admin):
    person = UserFactory(organization=site_admin.organization)
    client.force_login(site_admin)
    response = client.post(f"{USERS}{person.pk}/role/", {"role": Role.HEALTH_NETWORK_STAFF})
    assert response.status_code == 302
    response = client.post(f"{USERS}{person.pk}/active/", {"active": "0"}, follow=True)
    assert f"{person.username} deactivated." in response.content.decode()
    person.refresh_from_db()
    assert (person.role, person.is_active) == (Role.HEALTH_NETWORK_STAFF, False)


@pytest.mark.parametrize(
    "action, data",
    [("role", {"role": Role.SITE_ADMIN}), ("active", {"active": "0"})],
)
def test_r_x1_site_admin_posting_for_another_orgs_user_gets_404(client, site_admin, action, data):
    outsider = UserFactory(organization=HealthNetworkFactory(), role=Role.CARE_COORDINATOR)
    client.force_login(site_admin)
    assert client.post(f"{USERS}{outsider.pk}/{action}/", data).status_code == 404
    outsider.refresh_from_db()
    assert (outsider.role, outsider.is_active) == (Role.CARE_COORDINATOR, True)


def test_r_x1_site_admin_cannot_deactivate_themself_on_the_page(client, site_admin):
    client.force_login(site_admin)
    response = client.post(f"{USERS}{site_admin.pk}/active/", {"active": "0"}, follow=True)
    assert "You cannot deactivate your own account." in response.content.decode()
    site_admin.refresh_from_db()
    assert site_admin.is_active


def test_r_x1_role_select_offers_no_system_admin_to_a_site_admin(client, site_admin):
    person = UserFactory(organization=site_admin.organization)
    client.force_login(site_admin)
    page = client.get(USERS).content.decode()
    assert 'value="site_admin"' in page
    assert 'value="system_admin"' not in page
    response = client.post(f"{USERS}{person.pk}/role/", {"role": Role.SYSTEM_ADMIN})
    assert response.status_code == 400
    person.refresh_from_db()
    assert person.role == Role.CARE_COORDINATOR
    assert not (person.is_staff or person.is_superuser)


NEW_USER = {
    "username": "newperson",
    "first_name": "New",
    "last_name": "Person",
    "email": "new@example.invalid",
    "role": Role.CARE_COORDINATOR,
}


def test_r_x1_site_admin_invites_a_user_to_their_organization(
    client, site_admin, django_capture_on_commit_callbacks, mailoutbox
):
    client.force_login(site_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(USERS, NEW_USER)
    assert response.status_code == 302
    created = User.objects.get(username="newperson")
    assert created.organization == site_admin.organization
    assert not created.has_usable_password()
    assert mailoutbox[0].to == ["new@example.invalid"]
    assert "/accounts/invite/" in mailoutbox[0].body


def test_r_x1_duplicate_username_is_shown_beside_the_field(client, site_admin):
    UserFactory(username="newperson", organization=HealthNetworkFactory())
    client.force_login(site_admin)
    response = client.post(USERS, NEW_USER)
    assert response.status_code == 400
    assert response.context["form"].errors == {"username": ["This username is taken."]}
    assert 'id="id_username_error">This username is taken.' in response.content.decode()


def test_r_x1_changing_a_role_says_the_new_role(client, site_admin):
    person = UserFactory(organization=site_admin.organization, role=Role.CARE_COORDINATOR)
    client.force_login(site_admin)
    response = client.post(f"{USERS}{person.pk}/role/", {"role": Role.PROVIDER_STAFF}, follow=True)
    page = response.content.decode()
    assert f"{person.username} is now Provider staff." in page
    assert "is now Care coordinator" not in page


@pytest.mark.parametrize(
    "org_factory, absent, present",
    [
        (HealthNetworkFactory, {"utilization_reviewer", "system_admin"}, {"health_network_staff"}),
        (CsProviderFactory, {"utilization_reviewer", "health_network_staff"}, {"provider_staff"}),
    ],
    ids=["health-network", "cs-provider"],
)
def test_r_x1_roles_the_organization_cannot_hold_are_not_offered(
    client, org_factory, absent, present
):
    admin = SiteAdminFactory(organization=org_factory())
    UserFactory(organization=admin.organization)
    client.force_login(admin)
    page = client.get(USERS).content.decode()
    offered = set(re.findall(r'<option value="(\w+)"', page))
    assert present <= offered and not (absent & offered)


def test_r_x1_a_posted_role_the_organization_cannot_hold_is_refused_beside_the_select(
    client, site_admin
):
    person = UserFactory(organization=site_admin.organization, role=Role.CARE_COORDINATOR)
    client.force_login(site_admin)
    response = client.post(f"{USERS}{person.pk}/role/", {"role": Role.UTILIZATION_REVIEWER})
    assert response.status_code == 400
    page = response.content.decode()
    assert (
        f'<p class="error" id="role-{person.pk}-error">'
        "Utilization reviewers work for CalOptima Health only.</p>"
    ) in page
    assert f'aria-describedby="role-{person.pk}-error"' in page
    person.refresh_from_db()
    assert person.role == Role.CARE_COORDINATOR


def test_r_x1_deactivate_and_revoke_ask_for_confirmation(client, site_admin):
    from rest_framework.authtoken.models import Token

    person = UserFactory(organization=site_admin.organization)
    Token.objects.create(user=person)
    client.force_login(site_admin)
    page = client.get(USERS).content.decode()
    assert re.search(r'<button[^>]*data-confirm="Deactivate [^"]+"[^>]*>Deactivate</button>', page)
    assert re.search(
        r'<button[^>]*data-confirm="Revoke [^"]+"[^>]*>Revoke API token</button>', page
    )


# --- Capacity (R-R3) --------------------------------------------------------------------------

CAPACITY = "/providers/capacity/"


@pytest.fixture
def provider_staff():
    return UserFactory(role=Role.PROVIDER_STAFF, organization=CsProviderFactory())


def capacity_data(offering, slots, accepting=True):
    data = {f"o{offering.pk}-open_slots": slots}
    if accepting:
        data[f"o{offering.pk}-accepting_referrals"] = "on"
    return data


def test_r_r3_provider_staff_edit_their_organizations_capacity_in_place(client, provider_staff):
    mine = OfferingFactory(organization=provider_staff.organization, open_slots=5)
    theirs = OfferingFactory(open_slots=5)
    client.force_login(provider_staff)
    page = client.get(CAPACITY).content.decode()
    assert f'action="/providers/capacity/{mine.pk}/' in page
    assert f"/providers/capacity/{theirs.pk}/" not in page
    response = client.post(f"{CAPACITY}{mine.pk}/", capacity_data(mine, "9", accepting=False))
    assert response.status_code == 302
    mine.refresh_from_db()
    assert (mine.accepting_referrals, mine.open_slots) == (False, 9)
    page = client.get(response["Location"]).content.decode()
    assert f"Capacity for {mine.service} updated." in page


def test_r_r3_other_organizations_offerings_are_404(client, provider_staff):
    theirs = OfferingFactory(open_slots=5)
    client.force_login(provider_staff)
    response = client.post(f"{CAPACITY}{theirs.pk}/", capacity_data(theirs, "0", False))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert (theirs.accepting_referrals, theirs.open_slots) == (True, 5)


def test_r_r3_site_admin_edits_capacity_and_the_users_page_links_to_it(client):
    admin = SiteAdminFactory(organization=CsProviderFactory())
    mine = OfferingFactory(organization=admin.organization, open_slots=5)
    client.force_login(admin)
    assert f'href="{CAPACITY}"' in client.get(USERS).content.decode()
    client.post(f"{CAPACITY}{mine.pk}/", capacity_data(mine, "12"))
    mine.refresh_from_db()
    assert mine.open_slots == 12


@pytest.mark.parametrize("role", [Role.CARE_COORDINATOR, Role.HEALTH_NETWORK_STAFF])
def test_r_r3_capacity_page_is_404_for_other_roles(client, role):
    user = UserFactory(role=role, organization=HealthNetworkFactory(is_cs_provider=True))
    offering = OfferingFactory(organization=user.organization, open_slots=5)
    client.force_login(user)
    assert client.get(CAPACITY).status_code == 404
    assert client.post(f"{CAPACITY}{offering.pk}/", capacity_data(offering, "1")).status_code == 404


@pytest.mark.parametrize(
    "typed, message",
    [
        ("99999999999", "At most 10,000 open slots."),
        ("10001", "At most 10,000 open slots."),
        ("-1", "Open slots must be zero or more."),
        ("many", "Open slots must be a whole number."),
    ],
)
def test_r_r3_bad_open_slots_are_refused_beside_the_field_keeping_what_was_typed(
    client, provider_staff, typed, message
):
    mine = OfferingFactory(organization=provider_staff.organization, open_slots=5)
    client.force_login(provider_staff)
    response = client.post(f"{CAPACITY}{mine.pk}/", capacity_data(mine, typed))
    assert response.status_code == 400
    page = response.content.decode()
    assert f'<p class="error" id="id_o{mine.pk}-open_slots_error">{message}</p>' in page
    assert f'value="{typed}"' in page
    mine.refresh_from_db()
    assert mine.open_slots == 5


@pytest.mark.parametrize("count", [2, 12])
def test_capacity_page_query_count_is_pinned(
    client, provider_staff, django_assert_max_num_queries, count
):
    for _ in range(count):
        OfferingFactory(organization=provider_staff.organization)
    client.force_login(provider_staff)
    # session, user, organization (header), offerings with their services
    with django_assert_max_num_queries(4):
        assert client.get(CAPACITY).status_code == 200


# --- POF panel requests (R-P3) ----------------------------------------------------------------


def test_r_p3_panel_request_flow(client, site_admin):
    OfferingFactory(organization=site_admin.organization, service=ServiceFactory(code="ECM"))
    sysadmin = SystemAdminFactory()

    client.force_login(site_admin)
    assert "On your panel now: none." in client.get(PANEL).content.decode()
    response = client.post(
        PANEL,
        {
            "population": pof("4").pk,
            "action": "add",
            "expertise_statement": "Re-entry navigators on staff since 2019.",
        },
        follow=True,
    )
    assert "Your request was sent to CalOptima Health." in response.content.decode()
    req = PanelChangeRequest.objects.get()
    assert (req.organization, req.status) == (site_admin.organization, "pending")

    client.force_login(sysadmin)
    page = client.get(PANEL).content.decode()
    assert "Add POF 4" in page and f"/providers/panel-requests/{req.pk}/decide/" in page
    response = client.post(f"{PANEL}{req.pk}/decide/", {"decision": "approve", "note": ""})
    assert response.status_code == 302

    client.force_login(site_admin)
    page = client.get(PANEL).content.decode()
    assert (
        "On your panel now: <strong>POF 4</strong> (Individuals transitioning from incarceration)."
        in page
    )
    assert "Approved" in page
    row = client.get(DIRECTORY + "?population=4").content.decode()
    assert "Canyon Network" in row


def test_r_p3_rejection_without_a_note_is_refused_on_the_page(client):
    req = PanelChangeRequestFactory(population=pof("2"))
    client.force_login(SystemAdminFactory())
    response = client.post(f"{PANEL}{req.pk}/decide/", {"decision": "reject"}, follow=True)
    assert "Give the reason for the rejection." in response.content.decode()
    req.refresh_from_db()
    assert req.status == "pending"
    assert not EcmPanelEntry.objects.filter(organization=req.organization, population__code="2")


def test_r_p2_asking_for_pof_3_shows_the_reason_on_the_form(client, site_admin):
    client.force_login(site_admin)
    response = client.post(
        PANEL, {"population": pof("3").pk, "action": "add", "expertise_statement": "We can."}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert re.search(r"POF 3 is served by [^<]+ alone\.", page)
    assert "R-P2" not in page
    assert not PanelChangeRequest.objects.exists()


@pytest.mark.parametrize(
    "make_user",
    [
        lambda: UserFactory(role=Role.CARE_COORDINATOR, organization=HealthNetworkFactory()),
        lambda: SiteAdminFactory(organization=CsProviderFactory()),
    ],
    ids=["care-coordinator", "cs-site-admin"],
)
def test_r_p3_panel_page_is_404_for_others(client, make_user):
    req = PanelChangeRequestFactory(population=pof("2"))
    client.force_login(make_user())
    assert client.get(PANEL).status_code == 404
    assert client.post(f"{PANEL}{req.pk}/decide/", {"decision": "approve"}).status_code == 404
    req.refresh_from_db()
    assert req.status == "pending"


def test_r_p3_site_admin_cannot_decide_their_own_request(client, site_admin):
    req = PanelChangeRequestFactory(organization=site_admin.organization, population=pof("2"))
    client.force_login(site_admin)
    assert client.post(f"{PANEL}{req.pk}/decide/", {"decision": "approve"}).status_code == 404
    req.refresh_from_db()
    assert req.status == "pending"


# --- Django admin -----------------------------------------------------------------------------


@pytest.fixture
def demo_data():
    call_command("seed_demo", "--allow-demo-data", "--members", "2", stdout=io.StringIO())


@pytest.mark.parametrize(
    "path",
    ["/admin/", "/admin/providers/organization/", "/admin/providers/user/", "/admin/members/"],
)
def test_django_admin_is_reachable_for_the_demo_system_admin(client, demo_data, path):
    assert client.login(username="sysadmin", password="calaim-demo-2026")
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("username", ["coordinator", "siteadmin", "reviewer"])
def test_django_admin_is_not_reachable_for_other_demo_users(client, demo_data, username):
    assert client.login(username=username, password="calaim-demo-2026")
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert client.get("/admin/providers/user/").status_code == 302


@pytest.mark.parametrize("count", [2, 20])
def test_users_page_query_count_is_pinned(client, site_admin, django_assert_max_num_queries, count):
    for _ in range(count):
        UserFactory(organization=site_admin.organization)
    client.force_login(site_admin)
    # session, user, organization (header), people with their tokens
    with django_assert_max_num_queries(4):
        assert client.get(USERS).status_code == 200
