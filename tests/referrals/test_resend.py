"""A declined referral is not a dead end (R-R2): its referrer sends it to another provider without
retyping; the new referral carries the old one's details and copies of its attachments, is routed
as any new referral (R-R3, R-R4, R-P2), and the two are linked both ways."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from members.models import PopulationOfFocus
from providers.models import Role
from referrals import services
from referrals.models import Attachment, Referral, Status, Urgency
from tests.providers.factories import CsProviderFactory, OfferingFactory, UserFactory
from tests.referrals.conftest import START
from tests.referrals.factories import PDF_BYTES, PNG_BYTES

pytestmark = pytest.mark.django_db


@pytest.fixture
def meals_kitchen(meals):
    """Another CS provider with room for medically tailored meals."""
    org = CsProviderFactory(name="Second Harvest Kitchen")
    OfferingFactory(organization=org, service=meals, accepting_referrals=True, open_slots=4)
    return org


@pytest.fixture
def declined(submit, mercy_staff):
    """An expedited meals referral with two attachments, declined by Mercy House."""
    referral, _ = submit(
        urgency=Urgency.EXPEDITED,
        expedited_justification="Discharged yesterday with no food at home.",
        notes="Prefers deliveries after 3 pm.",
        authorized_representative="Ana Ruiz, daughter",
        attachments=[
            SimpleUploadedFile("discharge.pdf", PDF_BYTES),
            SimpleUploadedFile("diet.png", PNG_BYTES),
        ],
    )
    services.decline(user=mercy_staff, referral_id=referral.pk, reason="No drivers in that area.")
    referral.refresh_from_db()
    return referral


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- The service ---------------------------------------------------------------------------------


def test_r_r2_a_declined_referral_is_resent_with_its_details_and_linked_both_ways(
    coordinator, declined, meals_kitchen
):
    new = services.resend_referral(
        user=coordinator, referral_id=declined.pk, receiving_organization=meals_kitchen
    )

    assert new.pk != declined.pk and new.reference != declined.reference
    assert new.resent_from == declined and list(declined.resent_as.all()) == [new]
    assert new.status == Status.SENT and new.receiving_organization == meals_kitchen
    carried = [
        "member_id",
        "service_id",
        "reason",
        "notes",
        "urgency",
        "expedited_justification",
        "member_consent",
        "authorized_representative",
        "requested_start_date",
        "referring_organization_id",
    ]
    assert {f: getattr(new, f) for f in carried} == {f: getattr(declined, f) for f in carried}
    assert new.referring_user == coordinator
    assert new.history.first().note == "Sent again after another provider declined it."


def test_r_r2_attachments_are_copied_not_shared(coordinator, declined, meals_kitchen):
    new = services.resend_referral(
        user=coordinator, referral_id=declined.pk, receiving_organization=meals_kitchen
    )

    old_files = list(declined.attachments.all())
    new_files = list(new.attachments.all())
    assert [a.original_name for a in new_files] == ["discharge.pdf", "diet.png"]
    assert {a.file.name for a in new_files}.isdisjoint({a.file.name for a in old_files})
    assert all(a.file.name.startswith(f"referrals/{new.pk}/") for a in new_files)
    for old, copy in zip(old_files, new_files, strict=True):
        assert copy.file.read() == old.file.read()
    # Removing the old referral's file leaves the copy whole.
    old_files[0].file.delete(save=False)
    assert new_files[0].file.storage.exists(new_files[0].file.name)


def test_r_p2_resent_ecm_referral_carries_its_pofs(coordinator, member, ecm, mercy_staff):
    """An ECM referral carries its claimed POFs, and a provider lacking them is refused beside
    the provider (the same routing rule as a new referral)."""
    from tests.providers.factories import EcmProviderFactory, PanelEntryFactory

    first = EcmProviderFactory(name="First ECM")
    second = EcmProviderFactory(name="Second ECM")
    lacking = EcmProviderFactory(name="Lacking ECM")
    pof = PopulationOfFocus.objects.get(code="1a")
    for org in (first, second, lacking):
        OfferingFactory(organization=org, service=ecm, open_slots=2)
    for org in (first, second):
        PanelEntryFactory(organization=org, population=pof)
    referral, _ = services.create_referral(
        user=coordinator,
        member=member,
        service=ecm,
        requested_start_date=START,
        reason="Frequent ED visits.",
        member_consent=True,
        populations=[pof],
        receiving_organization=first,
    )
    first_staff = UserFactory(organization=first, role=Role.PROVIDER_STAFF)
    services.decline(user=first_staff, referral_id=referral.pk, reason="Panel full.")

    with pytest.raises(ValidationError) as excinfo:
        services.resend_referral(
            user=coordinator, referral_id=referral.pk, receiving_organization=lacking
        )
    assert "receiving_organization" in excinfo.value.message_dict
    assert Referral.objects.count() == 1

    new = services.resend_referral(
        user=coordinator, referral_id=referral.pk, receiving_organization=second
    )
    assert list(new.populations.all()) == [pof]


def test_r_r4_a_health_network_resend_goes_to_caloptima(hn_staff, member, meals, mercy_house):
    referral, _ = services.create_referral(
        user=hn_staff,
        member=member,
        service=meals,
        requested_start_date=START,
        reason="Needs meals.",
        member_consent=True,
        receiving_organization=mercy_house,
    )
    caloptima_staff = UserFactory(
        organization=referral.receiving_organization, role=Role.CARE_COORDINATOR
    )
    services.decline(user=caloptima_staff, referral_id=referral.pk, reason="Not eligible yet.")

    new = services.resend_referral(user=hn_staff, referral_id=referral.pk)

    assert new.receiving_organization.is_caloptima and new.status == Status.IN_REVIEW


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("mercy_staff", "Only the organization that made the referral"),
        ("stranger", "Only the organization that made the referral"),
    ],
)
def test_r_r2_only_the_referrer_resends(request, who, expected, declined, meals_kitchen):
    with pytest.raises(ValidationError) as excinfo:
        services.resend_referral(
            user=request.getfixturevalue(who),
            referral_id=declined.pk,
            receiving_organization=meals_kitchen,
        )
    assert expected in excinfo.value.message_dict["status"][0]
    assert Referral.objects.count() == 1


def test_r_r2_only_a_declined_referral_is_resent_and_only_once(
    coordinator, submit, declined, meals_kitchen
):
    services.resend_referral(
        user=coordinator, referral_id=declined.pk, receiving_organization=meals_kitchen
    )
    with pytest.raises(ValidationError) as excinfo:
        services.resend_referral(
            user=coordinator, referral_id=declined.pk, receiving_organization=meals_kitchen
        )
    assert "already sent again as R-" in excinfo.value.message_dict["status"][0]

    open_one = Referral.objects.exclude(pk=declined.pk).get()
    with pytest.raises(ValidationError) as excinfo:
        services.resend_referral(
            user=coordinator, referral_id=open_one.pk, receiving_organization=meals_kitchen
        )
    assert "Only a declined referral" in excinfo.value.message_dict["status"][0]
    assert Referral.objects.count() == 2


def test_r_r2_not_to_the_provider_that_declined(coordinator, declined, mercy_house):
    with pytest.raises(ValidationError) as excinfo:
        services.resend_referral(
            user=coordinator, referral_id=declined.pk, receiving_organization=mercy_house
        )
    assert "Mercy House declined it" in excinfo.value.message_dict["receiving_organization"][0]
    assert Referral.objects.count() == 1 and Attachment.objects.count() == 2


# --- The pages -----------------------------------------------------------------------------------


def test_r_r2_the_referrer_sees_send_to_another_provider_on_a_declined_referral(
    coordinator, mercy_staff, declined
):
    url = reverse("referrals:detail", args=[declined.pk])
    resend = reverse("referrals:resend", args=[declined.pk])

    assert resend in signed_in(coordinator).get(url).content.decode()
    assert resend not in signed_in(mercy_staff).get(url).content.decode()


def test_r_r2_the_form_lists_providers_with_room_except_the_one_that_declined(
    coordinator, declined, meals_kitchen, meals
):
    full = CsProviderFactory(name="Full Pantry")
    OfferingFactory(organization=full, service=meals, open_slots=0)
    closed = CsProviderFactory(name="Closed Kitchen")
    OfferingFactory(organization=closed, service=meals, accepting_referrals=False, open_slots=3)

    response = signed_in(coordinator).get(reverse("referrals:resend", args=[declined.pk]))

    assert response.status_code == 200
    choices = list(response.context["form"].fields["receiving_organization"].queryset)
    assert choices == [meals_kitchen]
    html = response.content.decode()
    assert "No drivers in that area." in html and "discharge.pdf" in html


def test_r_r2_resending_from_the_page_makes_the_new_referral_and_links_both_pages(
    coordinator, mercy_staff, declined, meals_kitchen
):
    client = signed_in(coordinator)

    response = client.post(
        reverse("referrals:resend", args=[declined.pk]),
        {"receiving_organization": meals_kitchen.pk},
    )

    new = declined.resent_as.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:detail", args=[new.pk])
    new_page = client.get(response["Location"]).content.decode()
    old_page = client.get(reverse("referrals:detail", args=[declined.pk])).content.decode()
    assert f'Re-sent from <a href="/referrals/{declined.pk}/">{declined.reference}</a>' in (
        new_page
    )
    assert f'Re-sent as <a href="/referrals/{new.pk}/">{new.reference}</a>' in old_page
    assert reverse("referrals:resend", args=[declined.pk]) not in old_page  # once only
    # R-X2: each party sees the link only to what it may see.
    assert (
        "Re-sent as"
        not in signed_in(mercy_staff)
        .get(reverse("referrals:detail", args=[declined.pk]))
        .content.decode()
    )
    kitchen_staff = UserFactory(organization=meals_kitchen, role=Role.PROVIDER_STAFF)
    kitchen_page = signed_in(kitchen_staff).get(response["Location"]).content.decode()
    assert "Re-sent from" not in kitchen_page and new.reference in kitchen_page


def test_r_r2_choosing_no_provider_is_refused_beside_the_field(coordinator, declined):
    response = signed_in(coordinator).post(reverse("referrals:resend", args=[declined.pk]), {})

    assert response.status_code == 400
    assert 'id="id_receiving_organization_error">Choose the provider to send it to.' in (
        response.content.decode()
    )
    assert Referral.objects.count() == 1


def test_r_r2_the_resend_page_is_closed_to_others(mercy_staff, stranger, declined):
    url = reverse("referrals:resend", args=[declined.pk])

    assert signed_in(stranger).get(url).status_code == 404
    response = signed_in(mercy_staff).post(url, {"receiving_organization": "1"})
    assert response.status_code == 409 and Referral.objects.count() == 1
    assert "Only the organization that made the referral" in response.content.decode()


def test_r_r2_with_no_other_provider_with_room_the_page_says_so(coordinator, declined, meals):
    response = signed_in(coordinator).get(reverse("referrals:resend", args=[declined.pk]))

    assert 'id="no-room">No other provider has open slots for medically tailored meals' in (
        response.content.decode()
    )
