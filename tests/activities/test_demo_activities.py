"""seed_demo logs a few ECM activities (R-F1) on AltaMed's ECM authorizations in force, through
the service, and a re-run logs none twice."""

import io

import pytest
from django.core.management import call_command

from activities.models import EcmActivity
from activities.selectors import activities_for
from providers.models import User

pytestmark = pytest.mark.django_db


def seed():
    call_command("seed_demo", "--allow-demo-data", "--members", "60", stdout=io.StringIO())


def test_the_demo_has_ecm_activities_that_its_site_admin_sees_and_a_rerun_adds_none():
    seed()
    logged = list(EcmActivity.objects.values_list("pk", flat=True))
    assert logged, "the demo shows activities"
    admin = User.objects.get(username="siteadmin")
    assert set(activities_for(admin).values_list("pk", flat=True)) == set(logged)
    assert not activities_for(User.objects.get(username="hnstaff")).exists()  # Prospect's

    seed()
    assert sorted(EcmActivity.objects.values_list("pk", flat=True)) == sorted(logged)
