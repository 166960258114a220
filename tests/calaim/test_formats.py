"""Times are shown in California time and say so (PST or PDT): one format module
(calaim/formats), used by name in every template."""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template

from tests.referrals.factories import ReferralFactory

ROOT = Path(settings.BASE_DIR)
DATE_FILTER = re.compile(r"""\|date:["']([^"']+)["']""")
TIME_CHARACTERS = set("aAfgGhHiPsu")


def templates() -> list[Path]:
    return [
        p
        for p in ROOT.glob("**/templates/**/*.html")
        if not any(part in (".venv", "node_modules") for part in p.parts)
    ]


def test_every_time_format_in_a_template_names_the_zone():
    """A pattern with hours or minutes also prints T (the zone), or it is a named format."""
    found = []
    for path in templates():
        for fmt in DATE_FILTER.findall(path.read_text()):
            if fmt.endswith("_FORMAT") or fmt == "c":
                continue
            if TIME_CHARACTERS & set(fmt.replace("\\", "")) and "T" not in fmt:
                found.append(f"{path.relative_to(ROOT)}: {fmt}")
    assert found == []


@pytest.mark.parametrize("name", ["DATETIME_FORMAT", "SHORT_DATETIME_FORMAT"])
@pytest.mark.parametrize("language", ["en", "es"])
def test_named_date_time_formats_carry_the_zone(name, language):
    from django.utils import translation

    winter = datetime.datetime(2026, 1, 15, 20, 30, tzinfo=datetime.UTC)
    summer = datetime.datetime(2026, 7, 15, 20, 30, tzinfo=datetime.UTC)
    with translation.override(language):
        text = Template(f'{{{{ w|date:"{name}" }}}} / {{{{ s|date:"{name}" }}}}').render(
            Context({"w": winter, "s": summer})
        )
    assert "PST" in text and "PDT" in text


@pytest.mark.django_db
def test_a_referrals_history_and_messages_show_times_with_the_zone(client):
    referral = ReferralFactory()
    referral.messages.create(
        author=referral.referring_user,
        organization=referral.referring_organization,
        body="Called the member.",
    )
    client.force_login(referral.referring_user)
    page = client.get(f"/referrals/{referral.pk}/").content.decode()
    main = re.sub(r"<[^>]+>", " ", page[page.index("<main") : page.index("</main>")])
    times = re.findall(r"\b\d{2}:\d{2}\b(?: P[SD]T)?", main)
    assert times and all(t.endswith(("PST", "PDT")) for t in times), times
