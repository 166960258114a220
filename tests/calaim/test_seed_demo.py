"""The demo data command: what it prints, and the demo members the README names (synthetic)."""

import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from common.dates import business_today
from members.models import Member
from members.selectors import eligibility_on, history_prefetches

pytestmark = pytest.mark.django_db
README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture
def seeded(settings, capsys):
    """seed_demo as the README runs it: with the console email backend of the running app."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    out = io.StringIO()
    call_command("seed_demo", "--allow-demo-data", "--members", "20", stdout=out)
    captured = capsys.readouterr()
    return out.getvalue() + captured.out + captured.err


def test_seed_demo_prints_no_email_bodies_and_no_task_log(seeded):
    assert "Subject:" not in seeded and "Content-Type:" not in seeded
    assert "celery.app.trace" not in seeded
    assert "Demo data ready" in seeded


def readme_demo_members() -> dict[str, str]:
    """CIN -> the 'what to see' cell of the README's table of members to try."""
    rows = re.findall(r"^\| `(\d{8}[A-Z])` \| [^|]+ \| ([^|]+) \|$", README.read_text(), re.M)
    return dict(rows)


def test_the_readme_names_a_medi_cal_member_with_a_pof_a_pace_and_a_onecare_member(seeded):
    """R-M3, R-M4, R-M5: each member the README lists exists after seed_demo as described."""
    listed = readme_demo_members()
    programs = {}
    for cin in listed:
        member = Member.objects.prefetch_related(*history_prefetches()).get(cin=cin)
        verdict = eligibility_on(member, business_today())
        programs[verdict.program] = verdict
    assert set(programs) == {"medi_cal", "pace", "onecare"}
    assert programs["medi_cal"].populations and programs["medi_cal"].ecm_eligible
    assert not programs["pace"].ecm_eligible and programs["pace"].cs_eligible
    assert not programs["onecare"].ecm_eligible and programs["onecare"].cs_eligible


def test_every_demo_member_has_a_full_mailing_address_for_the_letters_window(seeded):
    """R-N4 letters print the member's mailing address in the envelope window: the demo's members
    have a street, a city, a state and a ZIP code, so a demo letter shows the whole block."""
    incomplete = Member.objects.filter(address_line1="") | Member.objects.filter(zip_code="")
    assert Member.objects.count() == 20 and not incomplete.exists()
