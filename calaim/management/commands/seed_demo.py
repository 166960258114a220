"""Synthetic demo data: capacity, panels, about 200 members, one user per role, referrals and
authorization requests in the review queue, and legacy HN authorizations. Idempotent."""

import base64
import contextlib
import datetime
import hashlib
import logging
import random

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from members.models import AlternativeFormat, Language, Member, PopulationOfFocus, Program
from members.services import (
    add_eligibility_span,
    add_population,
    assign_health_network,
    upsert_member,
)
from providers.models import EcmPanelEntry, Offering, Organization, Role, Service, User

D = datetime.date
DEMO_PASSWORD = "calaim-demo-2026"
REFERRING_CLINIC = "Harbor Community Clinic (demo)"
DEMO_USERS = [
    # username, first, last, role, organization
    ("coordinator", "Casey", "Coordinator", Role.CARE_COORDINATOR, "AltaMed Health Services"),
    ("clinic", "Robin", "Referrer", Role.CARE_COORDINATOR, REFERRING_CLINIC),
    ("provider", "Pat", "Provider", Role.PROVIDER_STAFF, "Mercy House"),
    ("reviewer", "Rene", "Reviewer", Role.UTILIZATION_REVIEWER, "CalOptima Health"),
    ("hnstaff", "Harper", "Network", Role.HEALTH_NETWORK_STAFF, "Prospect Medical Group"),
    ("siteadmin", "Sam", "Siteadmin", Role.SITE_ADMIN, "AltaMed Health Services"),
    ("sysadmin", "Alex", "Admin", Role.SYSTEM_ADMIN, "CalOptima Health"),
]
# Synthetic street names for the letters' window-envelope address block.
STREETS = [
    "West Chapman Avenue",
    "North Harbor Boulevard",
    "East Fourth Street",
    "South Main Street",
    "Katella Avenue",
    "Westminster Avenue",
    "Brookhurst Street",
    "Jeffrey Road",
]

FIRST = [
    "Ana",
    "Luis",
    "Mai",
    "Minh",
    "Ji-woo",
    "Soo",
    "Wei",
    "Lan",
    "Omar",
    "Leila",
    "Sara",
    "John",
    "Maria",
    "Jose",
    "Hana",
    "Dara",
    "Noor",
    "Elena",
    "Tomas",
    "Grace",
    "Kai",
    "Rosa",
    "Ivan",
    "Amir",
    "Linh",
    "Yuna",
    "Chen",
    "Farah",
    "Diego",
    "Ruth",
]
LAST = [
    "Alvarez",
    "Nguyen",
    "Tran",
    "Kim",
    "Park",
    "Li",
    "Wong",
    "Haddad",
    "Rahimi",
    "Garcia",
    "Lopez",
    "Pham",
    "Le",
    "Choi",
    "Zhang",
    "Karimi",
    "Saleh",
    "Martinez",
    "Hernandez",
    "Reyes",
    "Flores",
    "Vo",
    "Lee",
    "Chang",
    "Torres",
    "Ramos",
    "Diaz",
    "Castro",
    "Ortiz",
    "Mendoza",
]
CS_PORTFOLIO = {
    "American Family Housing": [
        "CS_HOUSING_NAVIGATION",
        "CS_HOUSING_DEPOSITS",
        "CS_HOUSING_TENANCY",
    ],
    "Blue Sky Manor Inc.": ["CS_ASSISTED_LIVING_TRANSITION", "CS_PERSONAL_CARE_HOMEMAKER"],
    "Community Action Partnership of Orange County": [
        "CS_MEDICALLY_TAILORED_MEALS",
        "CS_ASTHMA_REMEDIATION",
    ],
    "Friendship Shelter": ["CS_HOUSING_NAVIGATION", "CS_HOUSING_TENANCY", "CS_RECUPERATIVE_CARE"],
    "Jamboree Housing": ["CS_HOUSING_TENANCY", "CS_HOUSING_DEPOSITS", "CS_TRANSITIONAL_RENT"],
    "Lutheran Social Services of Southern California": [
        "CS_HOUSING_NAVIGATION",
        "CS_HOUSING_DEPOSITS",
        "CS_RESPITE",
    ],
    "Mercy House": [
        "CS_HOUSING_NAVIGATION",
        "CS_HOUSING_DEPOSITS",
        "CS_RECUPERATIVE_CARE",
        "CS_POST_HOSPITALIZATION_HOUSING",
    ],
    "Volunteers of America of Los Angeles": [
        "CS_SOBERING_CENTERS",
        "CS_DAY_HABILITATION",
        "CS_HOME_MODIFICATIONS",
        "CS_COMMUNITY_TRANSITION",
    ],
}
HN_PANEL = ["1a", "1b", "2", "4", "5", "7", "8", "9"]


@contextlib.contextmanager
def _quietly():
    """The demo's referrals notify their parties as real ones do: those emails stay in memory
    (the console backend would print every body) and the in-process task log stays quiet. The
    console email backend is for the running app only."""
    trace = logging.getLogger("celery.app.trace")
    level = trace.level
    trace.setLevel(logging.WARNING)
    try:
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            yield
    finally:
        trace.setLevel(level)


class Command(BaseCommand):
    help = "Load synthetic demo data (refused unless DEBUG or --allow-demo-data). Safe to re-run."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-demo-data",
            action="store_true",
            help="Load even when DEBUG is off (never on a production database).",
        )
        parser.add_argument("--members", type=int, default=200)
        parser.add_argument(
            "--roster-only",
            action="store_true",
            help="Members, roster and users only: no referrals or authorizations.",
        )

    def handle(self, *args, allow_demo_data, members, roster_only=False, **options):
        if not (settings.DEBUG or allow_demo_data or settings.CALAIM_ALLOW_DEMO_SEED):
            raise CommandError("Refused: DEBUG is off. Pass --allow-demo-data to load demo data.")
        with _quietly():
            with transaction.atomic():
                self._roster()
                self._users()
            created = self._members(members)
            if not roster_only:
                self._legacy_authorizations()
                self._requests()
                self._activities()
        self.stdout.write(
            f"Demo data ready: {members} members ({created} new or changed), "
            f"{len(DEMO_USERS)} demo users (password {DEMO_PASSWORD})."
        )

    def _roster(self):
        services = {s.code: s for s in Service.objects.all()}
        pofs = {p.code: p for p in PopulationOfFocus.objects.all()}
        clinic, _ = Organization.objects.get_or_create(
            name=REFERRING_CLINIC, defaults={"is_referring_organization": True}
        )
        for i, org in enumerate(Organization.objects.filter(is_ecm_provider=True)):
            Offering.objects.get_or_create(
                organization=org,
                service=services["ECM"],
                defaults={"accepting_referrals": i % 5 != 3, "open_slots": 10 + (i * 7) % 40},
            )
            if org.is_health_network:
                for code in HN_PANEL:
                    EcmPanelEntry.objects.get_or_create(organization=org, population=pofs[code])
        caloptima = Organization.objects.get(is_caloptima=True)
        Offering.objects.get_or_create(
            organization=caloptima,
            service=services["CS_HOUSING_NAVIGATION"],
            defaults={"accepting_referrals": True, "open_slots": 120},
        )
        for i, (name, codes) in enumerate(CS_PORTFOLIO.items()):
            org = Organization.objects.get(name=name)
            for j, code in enumerate(codes):
                Offering.objects.get_or_create(
                    organization=org,
                    service=services[code],
                    defaults={
                        "accepting_referrals": (i + j) % 4 != 2,
                        "open_slots": 3 + (i * 5 + j) % 20,
                    },
                )
        return clinic

    def _users(self):
        for username, first, last, role, org_name in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "role": role,
                    "email": f"{username}@demo.calaim.invalid",
                    "organization": Organization.objects.get(name=org_name),
                },
            )
            if created:
                user.is_staff = user.is_superuser = role == Role.SYSTEM_ADMIN
                user.set_password(DEMO_PASSWORD)
                user.save()
            if user.requires_two_factor:
                self._demo_authenticator(user)

    def _demo_authenticator(self, user):
        """Staff who must use two-step sign-in get an authenticator with a published demo key
        (synthetic accounts only), so the demo can be signed in to: see the README."""
        key = hashlib.sha1(f"calaim-demo-totp:{user.username}".encode()).hexdigest()
        device, _ = TOTPDevice.objects.get_or_create(
            user=user, name="Demo authenticator", defaults={"key": key, "confirmed": True}
        )
        self.stdout.write(
            f"Two-step sign-in for {user.username}: authenticator key "
            f"{base64.b32encode(device.bin_key).decode()}"
        )

    def _members(self, count: int) -> int:
        rng = random.Random(2026)
        networks = list(Organization.objects.health_networks().order_by("name"))
        pofs = {p.code: p for p in PopulationOfFocus.objects.all()}
        languages = [c for c, _ in Language.choices]
        changed = 0
        for n in range(count):
            birth = D(1940, 1, 1) + datetime.timedelta(days=rng.randrange(0, 365 * 80))
            cin = f"9{n:07d}{'ABCDEFGHJKLMNPRSTVWXYZ'[n % 22]}"
            with transaction.atomic():
                member, was_changed = upsert_member(
                    cin=cin,
                    member_id=f"M{100000 + n}",
                    first_name=rng.choice(FIRST),
                    last_name=rng.choice(LAST),
                    birth_date=birth,
                    sex=rng.choice("FMFMX"),
                    preferred_language=rng.choice(languages[:3] * 3 + languages),
                    alternative_format=AlternativeFormat.LARGE_PRINT
                    if n % 17 == 0
                    else AlternativeFormat.NONE,
                    phone=f"(714) 555-{n:04d}",
                    # A street from n, not from rng: the draws (and so the names) stay the same.
                    address_line1=f"{100 + n * 37 % 9800} {STREETS[n % len(STREETS)]}",
                    address_line2=f"Apt {n % 40 + 1}" if n % 3 == 0 else "",
                    city=rng.choice(["Anaheim", "Santa Ana", "Irvine", "Garden Grove", "Orange"]),
                    zip_code=rng.choice(["92801", "92701", "92618", "92840", "92866"]),
                )
                changed += was_changed
                self._history(member, n, rng, networks, pofs)
        return changed

    def _history(self, member, n, rng, networks, pofs):
        """Spans that start and end, HN changes, POFs fitting the member's age."""
        kind = n % 20
        start = D(2021 + n % 4, 1 + n % 12, 1)
        hn = networks[n % len(networks)]
        if kind < 13:  # Medi-Cal, open
            add_eligibility_span(
                member=member, program=Program.MEDI_CAL, start_date=start, end_date=None
            )
        elif kind < 16:  # Medi-Cal, then OneCare from 2023 or 2024 (ECM ends 2024, R-M5)
            switch = D(2023 + n % 2, 7, 1)
            start = min(start, D(2022, 1, 1))
            add_eligibility_span(
                member=member,
                program=Program.MEDI_CAL,
                start_date=start,
                end_date=switch - datetime.timedelta(days=1),
            )
            add_eligibility_span(
                member=member, program=Program.ONECARE, start_date=switch, end_date=None
            )
        elif kind < 18:  # PACE (R-M4)
            add_eligibility_span(
                member=member, program=Program.PACE, start_date=start, end_date=None
            )
        else:  # lapsed Medi-Cal
            add_eligibility_span(
                member=member, program=Program.MEDI_CAL, start_date=start, end_date=D(2025, 6, 30)
            )
        if n % 9 == 4:  # changed network mid-way
            other = networks[(n + 3) % len(networks)]
            middle = D(2024, 1, 1)
            if start < middle:
                assign_health_network(
                    member=member,
                    health_network=other,
                    start_date=start,
                    end_date=middle - datetime.timedelta(days=1),
                )
                start = middle
        assign_health_network(member=member, health_network=hn, start_date=start, end_date=None)
        is_child = (D(2026, 1, 1) - member.birth_date).days < 21 * 365
        choices = ["1b", "2", "3", "7", "8"] if is_child else ["1a", "2", "3", "4", "5", "6", "9"]
        for code in rng.sample(choices, k=(0, 1, 1, 2)[n % 4]):
            add_population(
                member=member, population=pofs[code], start_date=max(start, D(2022, 1, 1))
            )

    def _legacy_authorizations(self):
        """Authorizations the HNs created before 2023 (R-A1, R-A2), loaded as their daily file."""
        import io

        from exchange.files import hn_authorizations

        services = ["ECM", "CS_HOUSING_TENANCY", "CS_MEDICALLY_TAILORED_MEALS", "ECM"]
        for network_name, prefix in (
            ("Prospect Medical Group", "PMG"),
            ("AltaMed Health Services", "AMH"),
        ):
            network = Organization.objects.get(name=network_name)
            provider = network.name
            rows = [
                "hn_authorization_number,cin,service_code,provider_name,created_at,"
                "start_date,end_date,status"
            ]
            members = Member.objects.filter(
                health_network_assignments__health_network=network,
                health_network_assignments__start_date__lte=D(2022, 6, 1),
            )
            for i, member in enumerate(members.order_by("cin")[:8]):
                code = services[i % len(services)]
                if code != "ECM":
                    provider = [
                        "Mercy House",
                        "Jamboree Housing",
                        "Community Action Partnership of Orange County",
                    ][i % 3]
                # Some in force (open-ended or ending 2027); the rest ended as their dates say.
                end, status = [
                    ("", "approved"),
                    (f"2023-{3 + i:02d}-28", "expired"),
                    ("2027-06-30", "approved"),
                    (f"2023-{1 + i:02d}-15", "terminated"),
                ][i % 4]
                rows.append(
                    f"{prefix}-2022-{i + 1:04d},{member.cin},{code},"
                    f"{network.name if code == 'ECM' else provider},2022-{3 + i:02d}-14T10:30:00,"
                    f"2022-{4 + i:02d}-01,{end},{status}"
                )
            report = hn_authorizations.import_file(
                network=network, lines=io.StringIO("\n".join(rows) + "\n")
            )
            if report.rejected:  # demo data must load whole: a rejected row is a bug here
                raise CommandError(f"demo HN file for {network}: {report.rejected}")

    def _requests(self):
        """Referrals accepted by their providers: pending authorization requests in the queue,
        some overdue, some due today (R-A8)."""
        from django.utils import timezone

        from authorizations.models import Authorization
        from authorizations.rules import decision_due_at
        from authorizations.services import accept_referral
        from common.dates import business_today
        from members.selectors import eligibility_on
        from referrals.services import create_referral

        clinic = User.objects.get(username="clinic")
        reviewer = User.objects.get(username="reviewer")
        coordinator = User.objects.get(username="coordinator")
        altamed = Organization.objects.get(name="AltaMed Health Services")
        housing = Service.objects.get(code="CS_HOUSING_NAVIGATION")
        ecm = Service.objects.get(code="ECM")
        today = business_today()
        made = 0
        for member in Member.objects.order_by("cin"):
            if made >= 12:
                break
            verdict = eligibility_on(member, today)
            if not verdict.cs_eligible:
                continue
            use_ecm = made % 2 == 0
            if use_ecm:
                if not verdict.ecm_eligible:
                    continue
                claimed = [
                    p.population for p in member.populations.all() if p.population.code in HN_PANEL
                ]
                if not claimed:
                    continue
            referral, _ = create_referral(
                user=clinic,
                member=member,
                service=ecm if use_ecm else housing,
                requested_start_date=today,
                reason="Demo: frequent ED visits" if use_ecm else "Demo: sleeping in a car",
                member_consent=True,
                urgency="expedited" if made % 5 == 0 else "routine",
                expedited_justification="Discharge planned within 48 hours"
                if made % 5 == 0
                else "",
                populations=claimed[:1] if use_ecm else [],
                receiving_organization=altamed if use_ecm else None,
                idempotency_key=f"demo-request-{made}",
                confirm_duplicate=True,
            )
            if referral.status in ("sent", "in_review"):
                accept_referral(user=coordinator if use_ecm else reviewer, referral_id=referral.pk)
                # Spread the receipt times so the queue shows overdue and due-today requests.
                auth = Authorization.objects.get(referral=referral)
                received = timezone.now() - datetime.timedelta(days=(made * 13) % 9, hours=made)
                Authorization.objects.filter(pk=auth.pk).update(
                    received_at=received, due_at=decision_due_at(received, auth.urgency)
                )
            made += 1

    def _activities(self):
        """ECM activities (R-F1) on AltaMed's ECM authorizations in force (the HN is also the
        ECM provider), logged by its site administrator through the service: the demo's ECM
        members page, lists and payment report show them. A re-run logs nothing twice."""
        from activities.models import ActivityType, Method
        from activities.services import DuplicateActivity, log_activity
        from authorizations.models import IN_FORCE, Authorization
        from common.dates import business_today

        today = business_today()
        admin = User.objects.get(username="siteadmin")
        in_force = Authorization.objects.filter(
            provider=admin.organization, service__kind="ecm", status__in=IN_FORCE
        ).order_by("pk")
        plan = [  # days ago, type, method, units
            (0, ActivityType.ENGAGEMENT, Method.PHONE, 3),
            (2, ActivityType.ASSESSMENT, Method.IN_PERSON, 6),
            (6, ActivityType.OUTREACH_ATTEMPT, Method.PHONE, 1),
            (13, ActivityType.COORDINATION, Method.VIDEO, 4),
            (34, ActivityType.HEALTH_PROMOTION, Method.IN_PERSON, 8),
        ]
        for authorization in in_force[:2]:
            for days, kind, method, units in plan:
                on = today - datetime.timedelta(days=days)
                if on < authorization.start_date or (
                    authorization.end_date and on > authorization.end_date
                ):
                    continue
                with contextlib.suppress(DuplicateActivity):
                    log_activity(
                        user=admin,
                        authorization=authorization,
                        date=on,
                        activity_type=kind,
                        method=method,
                        units=units,
                        outcome="reached" if kind == ActivityType.OUTREACH_ATTEMPT else "",
                        note="Demo activity.",
                    )
