"""Smoke test of the benchmark (issue 11): the generator fills the test database at 2,000 members
with every constraint met, and the file benchmark writes the eligibility file and the activity log
of the largest health network, by the app and by psql's \\copy, and prints its figures. The
figures themselves are measured at 1,000,000 members (bench/README.md)."""

import datetime
import io
import pathlib
import re
from urllib.parse import quote

import pytest
from django.db import connection

from activities.models import EcmActivity
from authorizations.models import Authorization
from bench import files, generate
from members.models import HealthNetworkAssignment, Member, MemberPopulationOfFocus
from providers.models import Organization

pytestmark = [
    pytest.mark.postgres,
    # The benchmark's child processes and psql read what the generator committed.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

MEMBERS = 2000


def database_url() -> str:
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{quote(db['USER'])}{password}@{host}/{db['NAME']}"


def test_generator_fills_every_table_at_scale_and_the_benchmark_prints_its_figures(
    require_postgres, tmp_path
):
    today = datetime.date(2026, 11, 25)  # a Wednesday: last week's log, December's eligibility
    scale = generate.Scale.for_members(MEMBERS)
    generate.generate(database_url(), scale, today, out=io.StringIO())

    assert Member.objects.count() == MEMBERS
    assert MemberPopulationOfFocus.objects.count() == 600
    assert Authorization.objects.filter(status__in=["approved", "modified"]).count() == 100
    assert EcmActivity.objects.count() == 4000
    assert all(
        re.fullmatch(r"\d{8}[A-Z]", cin) for cin in Member.objects.values_list("cin", flat=True)
    )
    networks = Organization.objects.filter(is_health_network=True)
    assert set(
        HealthNetworkAssignment.objects.filter(end_date=None).values_list(
            "health_network", flat=True
        )
    ) == set(networks.values_list("pk", flat=True))
    assert not Authorization.objects.exclude(provider__is_ecm_provider=True).exists()
    assert not Authorization.objects.exclude(responsible_party="caloptima_health").exists()

    printed = io.StringIO()
    results = files.main(
        ["--database-url", database_url(), "--network", "largest", "--no-warmup",
         "--today", today.isoformat(), "--out", str(tmp_path)],
        out=printed,
    )  # fmt: skip

    assert [r["kind"] for r in results] == ["ecm_eligibility", "ecm_activity_log"]
    for result in results:
        written = pathlib.Path(result["file"]).read_bytes().splitlines()
        copied = pathlib.Path(result["copy_file"]).read_bytes().splitlines()
        assert result["rows"] > 0
        assert len(written) == len(copied) == result["rows"] + 1  # the header and each row
        assert result["peak_rss_mb"] >= result["base_rss_mb"] > 0
        assert result["app_s"] > 0 and result["copy_s"] > 0
    text = printed.getvalue()
    print(text)  # the figures, with -s
    assert "app/\\copy" in text and "peak RSS" in text and "rows/s" in text
    assert re.search(r"ecm_activity_log .* \d+\.\d\dx", text)
    assert "worst app/\\copy" in text
