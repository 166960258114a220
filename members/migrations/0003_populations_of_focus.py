"""R-P1: the DHCS Populations of Focus with adult/child go-live dates."""

import datetime

from django.db import migrations

D = datetime.date
POPULATIONS = [
    # code, name, age group, adults live from, children live from
    ("1a", "Adults without dependent children experiencing homelessness", "adult", D(2022, 1, 1), None),
    ("1b", "Homeless families or unaccompanied children/youth experiencing homelessness", "both",
     D(2022, 1, 1), D(2023, 7, 1)),
    ("2", "Individuals at risk for avoidable hospital or ED utilization", "both",
     D(2022, 1, 1), D(2023, 7, 1)),
    ("3", "Individuals with serious mental health and/or substance use disorder needs", "both",
     D(2022, 1, 1), D(2023, 7, 1)),
    ("4", "Individuals transitioning from incarceration", "both", D(2024, 1, 1), D(2024, 1, 1)),
    ("5", "Adults living in the community and at risk for long-term care institutionalization",
     "adult", D(2023, 1, 1), None),
    ("6", "Adult nursing facility residents transitioning to the community", "adult",
     D(2023, 1, 1), None),
    ("7", "Children and youth enrolled in CCS or CCS Whole Child Model with needs beyond the CCS "
     "condition", "child", None, D(2023, 7, 1)),
    ("8", "Children and youth involved in child welfare", "child", None, D(2023, 7, 1)),
    ("9", "Birth equity population of focus", "adult", D(2024, 1, 1), None),
]


def load(apps, schema_editor):
    PopulationOfFocus = apps.get_model("members", "PopulationOfFocus")
    for code, name, group, adult, child in POPULATIONS:
        PopulationOfFocus.objects.update_or_create(
            code=code,
            defaults={"name": name, "age_group": group, "adult_live_from": adult,
                      "child_live_from": child},
        )


class Migration(migrations.Migration):
    dependencies = [("members", "0002_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
