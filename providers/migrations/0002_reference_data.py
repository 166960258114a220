"""Reference data: the service catalogue (R-C1, R-C4), the organizations named in the seeds, and who
serves POF 3, 5 and 6 (R-P2)."""

import datetime

from django.db import migrations

D = datetime.date
SERVICES = [
    ("ECM", "Enhanced Care Management", "ecm", D(2022, 1, 1)),
    ("CS_HOUSING_NAVIGATION", "Housing transition navigation services", "cs", D(2022, 1, 1)),
    ("CS_HOUSING_DEPOSITS", "Housing deposits", "cs", D(2022, 1, 1)),
    ("CS_HOUSING_TENANCY", "Housing tenancy and sustaining services", "cs", D(2022, 1, 1)),
    ("CS_RECUPERATIVE_CARE", "Recuperative care (medical respite)", "cs", D(2022, 1, 1)),
    ("CS_POST_HOSPITALIZATION_HOUSING", "Short-term post-hospitalization housing", "cs",
     D(2022, 7, 1)),
    ("CS_DAY_HABILITATION", "Day habilitation programs", "cs", D(2022, 7, 1)),
    ("CS_PERSONAL_CARE_HOMEMAKER", "Personal care and homemaker services", "cs", D(2022, 7, 1)),
    ("CS_MEDICALLY_TAILORED_MEALS", "Medically tailored meals", "cs", D(2022, 7, 1)),
    ("CS_SOBERING_CENTERS", "Sobering centers", "cs", D(2022, 7, 1)),
    ("CS_RESPITE", "Respite services", "cs", D(2023, 1, 1)),
    ("CS_ASSISTED_LIVING_TRANSITION",
     "Nursing facility transition/diversion to assisted living facilities", "cs", D(2023, 1, 1)),
    ("CS_COMMUNITY_TRANSITION",
     "Community transition services/nursing facility transition to a home", "cs", D(2023, 1, 1)),
    ("CS_HOME_MODIFICATIONS", "Environmental accessibility adaptations (home modifications)", "cs",
     D(2023, 1, 1)),
    ("CS_ASTHMA_REMEDIATION", "Asthma remediation", "cs", D(2023, 1, 1)),
    # R-C4: the catalogue grows as data.
    ("CS_TRANSITIONAL_RENT", "Transitional rent", "cs", D(2025, 7, 1)),
]

HEALTH_NETWORKS = [
    "AltaMed Health Services",
    "AMVI Medical Group",
    "CalOptima Community Network",
    "CHOC Health Alliance",
    "Family Choice Medical Group",
    "Noble Mid-Orange County",
    "Optum Care Network Arta",
    "Optum Care Network Monarch",
    "Optum Care Network Talbert",
    "Prospect Medical Group",
    "United Care Medical Group",
]
CS_PROVIDERS = [
    "American Family Housing",
    "Blue Sky Manor Inc.",
    "Community Action Partnership of Orange County",
    "Friendship Shelter",
    "Jamboree Housing",
    "Lutheran Social Services of Southern California",
    "Mercy House",
    "Volunteers of America of Los Angeles",
]
CALOPTIMA = "CalOptima Health"
COUNTY = "Orange County Health Care Agency, Behavioral Health Services"
LIBERTANA = "Libertana"


def load(apps, schema_editor):
    Service = apps.get_model("providers", "Service")
    Organization = apps.get_model("providers", "Organization")
    EcmPanelEntry = apps.get_model("providers", "EcmPanelEntry")
    PopulationOfFocus = apps.get_model("members", "PopulationOfFocus")

    for code, name, kind, available_from in SERVICES:
        Service.objects.update_or_create(
            code=code, defaults={"name": name, "kind": kind, "available_from": available_from}
        )

    def org(name, **kinds):
        return Organization.objects.update_or_create(name=name, defaults=kinds)[0]

    caloptima = org(CALOPTIMA, is_caloptima=True, is_ecm_provider=True, is_cs_provider=True)
    networks = [org(n, is_health_network=True, is_ecm_provider=True) for n in HEALTH_NETWORKS]
    county = org(COUNTY, is_county=True, is_ecm_provider=True)
    libertana = org(LIBERTANA, is_ecm_provider=True)
    for name in CS_PROVIDERS:
        org(name, is_cs_provider=True)

    pof = {p.code: p for p in PopulationOfFocus.objects.all()}
    # R-P2: POF 3 -> the county alone; POF 6 -> Libertana alone; POF 5 -> CalOptima Health and HNs.
    pof["3"].sole_provider = county
    pof["3"].save()
    pof["6"].sole_provider = libertana
    pof["6"].save()
    pof["5"].served_by_plan_and_networks = True
    pof["5"].save()
    EcmPanelEntry.objects.get_or_create(organization=county, population=pof["3"])
    EcmPanelEntry.objects.get_or_create(organization=libertana, population=pof["6"])
    for o in [caloptima, *networks]:
        EcmPanelEntry.objects.get_or_create(organization=o, population=pof["5"])


class Migration(migrations.Migration):
    dependencies = [("providers", "0001_initial"), ("members", "0003_populations_of_focus")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
