"""Synthetic data at CalOptima scale, written straight into PostgreSQL with INSERT ... SELECT
generate_series (no Django, no Python loop per row), so that the file benchmark (bench/files.py)
reads a database as big as the plan's.

    createdb -h 127.0.0.1 -U postgres calaim_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/calaim_bench .venv/bin/python manage.py migrate
    .venv/bin/python -m bench.generate --members 1000000 \\
        --database-url postgres://postgres@127.0.0.1:5432/calaim_bench

The database must be migrated (organizations, services and POFs come from the data migrations)
and hold no member yet. At --members N it writes N members, each with a current Medi-Cal (90%),
OneCare (6%) or PACE (4%) eligibility span (5% of them lapsed) and a current health network
assignment spread over the eleven HNs by fixed weights (10% with an earlier span and an earlier
assignment); 0.3 N member POFs (0.25 N members hold one, 0.05 N a second one); 0.05 N approved or
modified ECM authorizations of CalOptima Health (R-A1: created after the cut-over) with an ECM
provider (the member's HN, CalOptima Health, the county for POF 3, Libertana for POF 6, R-P2),
in force from before the activity window to after today; 2 N ECM activities over the 13 weeks
before today, within their authorization's dates. Every choice is a hash of the row number: the
same N gives the same rows. Each table is committed as it is written: after a failed run, drop and
re-create the database.
"""

import argparse
import datetime
import sys
import time
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import psycopg2
import psycopg2.errors

# Share of members per HN (percent, sums to 100): uneven, as the plan's networks are.
HN_WEIGHTS = {
    "CalOptima Community Network": 22,
    "AltaMed Health Services": 14,
    "Optum Care Network Monarch": 12,
    "Prospect Medical Group": 10,
    "AMVI Medical Group": 8,
    "CHOC Health Alliance": 8,
    "Optum Care Network Arta": 7,
    "Optum Care Network Talbert": 7,
    "Family Choice Medical Group": 5,
    "Noble Mid-Orange County": 4,
    "United Care Medical Group": 3,
}
POF_WEIGHTS = {"1a": 20, "1b": 5, "2": 30, "3": 15, "4": 5, "5": 12, "6": 3, "7": 4, "8": 4, "9": 2}
LANGUAGE_WEIGHTS = {"en": 45, "es": 35, "vi": 10, "ko": 4, "zh": 3, "fa": 2, "ar": 1}
ACTIVITY_WEIGHTS = {
    "outreach_attempt": 15,
    "engagement": 10,
    "assessment": 10,
    "coordination": 25,
    "health_promotion": 10,
    "transitional_care": 10,
    "family_supports": 10,
    "community_referral": 10,
}
METHOD_WEIGHTS = {"in_person": 35, "phone": 40, "video": 10, "text": 10, "mail": 5}
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
    "Maria",
    "Jose",
    "Linh",
    "Tuan",
    "Sara",
    "David",
    "Rosa",
    "Carlos",
    "Hoa",
    "Min-jun",
    "Fatima",
    "Ahmad",
    "Grace",
    "Daniel",
    "Elena",
    "Miguel",
    "Thu",
    "Kevin",
    "Yasmin",
    "Nam",
]
LAST = [
    "Garcia",
    "Nguyen",
    "Tran",
    "Hernandez",
    "Lopez",
    "Kim",
    "Le",
    "Martinez",
    "Pham",
    "Lee",
    "Rodriguez",
    "Park",
    "Gonzalez",
    "Chen",
    "Hoang",
    "Perez",
    "Sanchez",
    "Vo",
    "Ramirez",
    "Wang",
    "Flores",
    "Torres",
    "Rahimi",
    "Haddad",
    "Smith",
    "Johnson",
    "Dang",
    "Cruz",
    "Rivera",
    "Bui",
]
STREETS = [
    "West Chapman Avenue",
    "North Harbor Boulevard",
    "East Fourth Street",
    "South Main Street",
    "Katella Avenue",
    "Westminster Avenue",
    "Brookhurst Street",
    "Jeffrey Road",
    "Beach Boulevard",
    "Bolsa Avenue",
]
CITIES = [
    ("Santa Ana", "92701"),
    ("Anaheim", "92805"),
    ("Garden Grove", "92840"),
    ("Irvine", "92618"),
    ("Orange", "92868"),
    ("Westminster", "92683"),
    ("Fullerton", "92832"),
    ("Huntington Beach", "92647"),
    ("Costa Mesa", "92626"),
    ("Buena Park", "90620"),
    ("Tustin", "92780"),
    ("Fountain Valley", "92708"),
]
NOTES = [
    "Met at the clinic.",
    "Left a voicemail.",
    "Care plan reviewed with the member.",
    "Drove the member to the housing appointment.",
    "Called the pharmacy about refills.",
]
ACTIVITY_WEEKS = 13


def weighted(weights: dict) -> list:
    """A 100-slot array in which each key fills its weight in slots (draw: slot = hash % 100)."""
    slots = [key for key, weight in weights.items() for _ in range(weight)]
    assert len(slots) == 100, weights
    return slots


@dataclass(frozen=True)
class Scale:
    members: int
    pofs: int
    authorizations: int
    activities: int

    @classmethod
    def for_members(cls, members: int, **overrides) -> "Scale":
        scale = cls(
            members=members,
            pofs=overrides.get("pofs") or round(members * 0.3),
            authorizations=overrides.get("authorizations") or round(members * 0.05),
            activities=overrides.get("activities") or members * 2,
        )
        scale.check()
        return scale

    @property
    def holders(self) -> int:
        """Members holding a POF: members 1, 5, 9, ... (every fourth), at most a quarter."""
        return min(self.pofs, self.members // 4)

    def check(self):
        if not 4 <= self.members <= 99_999_999:  # the CIN is the member number on 8 digits
            raise ValueError("--members must be between 4 and 99,999,999")
        if self.pofs > 2 * self.holders:
            raise ValueError("at most two POFs per member and a quarter of members hold one")
        if not 1 <= self.authorizations <= self.holders:
            raise ValueError("authorizations go to POF holders: at most members / 4")


FUNCTIONS = [
    # A draw in [0, n) from row x and a salt: PostgreSQL's integer hash, made non-negative.
    """CREATE FUNCTION pg_temp.h(x bigint, salt int, n int) RETURNS int
       LANGUAGE sql IMMUTABLE AS
       $$ SELECT mod(hashint8(x * 7919 + salt)::bigint + 2147483648, n)::int $$""",
]


def _steps(ids: dict, scale: Scale, today: datetime.date) -> list[tuple[str, str, dict]]:
    """(table, SQL, parameters) in FK order. Member number i has id mbase + i; authorization
    number a has id abase + a and belongs to member 4a - 3 (a POF holder)."""
    p = {
        "n": scale.members,
        "holders": scale.holders,
        "pofs": scale.pofs,
        "auths": scale.authorizations,
        "activities": scale.activities,
        "mbase": ids["mbase"],
        "abase": ids["abase"],
        "today": today,
        "days": ACTIVITY_WEEKS * 7,
        "hns": [ids["hn"][name] for name in weighted(HN_WEIGHTS)],
        "pof_codes": list(POF_WEIGHTS),
        "pof_ids": [ids["pof"][code] for code in POF_WEIGHTS],
        "pof_slots": [list(POF_WEIGHTS).index(code) for code in weighted(POF_WEIGHTS)],
        "langs": weighted(LANGUAGE_WEIGHTS),
        "first": FIRST,
        "last": LAST,
        "streets": STREETS,
        "cities": [c for c, _ in CITIES],
        "zips": [z for _, z in CITIES],
        "types": weighted(ACTIVITY_WEIGHTS),
        "methods": weighted(METHOD_WEIGHTS),
        "notes": NOTES,
        "ecm": ids["ecm"],
        "caloptima": ids["caloptima"],
        "county": ids["county"],
        "libertana": ids["libertana"],
    }
    hn = "(%(hns)s::bigint[])[1 + pg_temp.h(i, 1, 100)]"
    # The holder h's first POF, as an index (0-based) into pof_codes.
    pof_a = "(%(pof_slots)s::int[])[1 + pg_temp.h(h, 2, 100)]"
    return [
        (
            "members_member",
            """
INSERT INTO members_member (id, cin, member_id, first_name, last_name, birth_date, sex,
    preferred_language, alternative_format, phone, address_line1, address_line2, city, state,
    zip_code, created_at, updated_at)
SELECT %(mbase)s + i,
       lpad(i::text, 8, '0') || chr(65 + pg_temp.h(i, 3, 26)),
       'B' || lpad(i::text, 9, '0'),
       (%(first)s::text[])[1 + pg_temp.h(i, 4, 30)],
       (%(last)s::text[])[1 + pg_temp.h(i, 5, 30)],
       date '1935-01-01' + pg_temp.h(i, 6, 30000),
       (ARRAY['F', 'M', 'F', 'M', 'X', 'U'])[1 + pg_temp.h(i, 7, 6)],
       (%(langs)s::text[])[1 + pg_temp.h(i, 8, 100)],
       CASE WHEN pg_temp.h(i, 9, 50) = 0 THEN 'large_print' ELSE 'none' END,
       '(714) ' || lpad(pg_temp.h(i, 10, 1000)::text, 3, '0') || '-'
           || lpad(pg_temp.h(i, 11, 10000)::text, 4, '0'),
       (100 + pg_temp.h(i, 12, 19900))::text || ' '
           || (%(streets)s::text[])[1 + pg_temp.h(i, 13, 10)],
       CASE WHEN pg_temp.h(i, 14, 8) = 0 THEN 'Apt ' || (1 + pg_temp.h(i, 15, 300))::text
            ELSE '' END,
       (%(cities)s::text[])[1 + pg_temp.h(i, 16, 12)],
       'CA',
       (%(zips)s::text[])[1 + pg_temp.h(i, 16, 12)],
       now(), now()
FROM generate_series(1, %(n)s) AS i
""",
            p,
        ),
        (
            "members_eligibilityspan",
            """
INSERT INTO members_eligibilityspan (member_id, program, start_date, end_date)
SELECT %(mbase)s + i,
       CASE WHEN pg_temp.h(i, 20, 100) < 90 THEN 'medi_cal'
            WHEN pg_temp.h(i, 20, 100) < 96 THEN 'onecare' ELSE 'pace' END,
       date '2019-01-01' + pg_temp.h(i, 21, 1800),
       CASE WHEN pg_temp.h(i, 22, 20) = 0 THEN date '2019-01-01' + pg_temp.h(i, 21, 1800) + 365 END
FROM generate_series(1, %(n)s) AS i
UNION ALL
SELECT %(mbase)s + i, 'medi_cal', date '2014-01-01' + pg_temp.h(i, 23, 1000), date '2018-12-31'
FROM generate_series(1, %(n)s) AS i WHERE pg_temp.h(i, 24, 10) = 0
""",
            p,
        ),
        (
            "members_healthnetworkassignment",
            f"""
INSERT INTO members_healthnetworkassignment (member_id, health_network_id, start_date, end_date)
SELECT %(mbase)s + i, {hn}, date '2020-01-01' + pg_temp.h(i, 25, 1800), NULL
FROM generate_series(1, %(n)s) AS i
UNION ALL
SELECT %(mbase)s + i, (%(hns)s::bigint[])[1 + pg_temp.h(i, 26, 100)],
       date '2016-01-01' + pg_temp.h(i, 27, 1000), date '2020-01-01' + pg_temp.h(i, 25, 1800) - 1
FROM generate_series(1, %(n)s) AS i WHERE pg_temp.h(i, 24, 10) = 0
""",
            p,
        ),
        (
            "members_memberpopulationoffocus",
            f"""
INSERT INTO members_memberpopulationoffocus (member_id, population_id, source, start_date, end_date)
SELECT %(mbase)s + 4 * h - 3,
       (%(pof_ids)s::bigint[])[1 + CASE WHEN second THEN mod({pof_a} + 1 + pg_temp.h(h, 28, 3), 10)
                                      ELSE {pof_a} END],
       'plan_data',
       date '2022-01-01' + pg_temp.h(h, 29, 1000),
       CASE WHEN pg_temp.h(h, 30, 10) = 0 THEN date '2022-01-01' + pg_temp.h(h, 29, 1000) + 180 END
FROM (SELECT CASE WHEN k <= %(holders)s THEN k ELSE k - %(holders)s END AS h,
             k > %(holders)s AS second
      FROM generate_series(1, %(pofs)s) AS k) AS rows
""",
            p,
        ),
        (
            "authorizations_authorization",
            f"""
INSERT INTO authorizations_authorization (id, member_id, service_id, provider_id, referral_id,
    created_at, received_at, start_date, end_date, units, urgency, status, due_at, decided_at,
    decided_by_id, reviewer_id, reason_code, decision_notes, hn_authorization_number,
    responsible_party, health_network_id, member_network_id, updated_at)
SELECT %(abase)s + h, %(mbase)s + i, %(ecm)s,
       CASE (%(pof_codes)s::text[])[1 + pof]
            WHEN '3' THEN %(county)s WHEN '6' THEN %(libertana)s
            ELSE CASE WHEN pg_temp.h(h, 31, 100) < 85 THEN hn ELSE %(caloptima)s END END,
       NULL, start + time '17:00' - interval '3 days', start + time '16:00' - interval '5 days',
       start, start + 729, NULL,
       CASE WHEN pg_temp.h(h, 32, 10) = 0 THEN 'expedited' ELSE 'standard' END,
       CASE WHEN modified THEN 'modified' ELSE 'approved' END,
       start + time '16:00', start + time '17:00' - interval '3 days', NULL, NULL,
       CASE WHEN modified THEN 'dates_or_units' ELSE '' END, '', '',
       'caloptima_health', NULL, hn, now()
FROM (SELECT h, 4 * h - 3 AS i, {pof_a} AS pof, pg_temp.h(h, 33, 7) = 0 AS modified,
             (%(hns)s::bigint[])[1 + pg_temp.h(4 * h - 3, 1, 100)] AS hn,
             %(today)s::date - 120 - pg_temp.h(h, 34, 600) AS start
      FROM generate_series(1, %(auths)s) AS h) AS rows
""",
            p,
        ),
        (
            "activities_ecmactivity",
            """
INSERT INTO activities_ecmactivity (authorization_id, member_id, provider_id, date, activity_type,
    method, units, outcome, note, source, logged_by_id, logged_at)
SELECT a.id, a.member_id, a.provider_id, day, kind,
       (%(methods)s::text[])[1 + pg_temp.h(k, 41, 100)],
       CASE WHEN pg_temp.h(k, 42, 50) = 0 THEN 8 + pg_temp.h(k, 43, 89)
            ELSE 1 + pg_temp.h(k, 44, 8) END,
       CASE WHEN kind <> 'outreach_attempt' THEN ''
            WHEN pg_temp.h(k, 45, 3) = 0 THEN 'reached' ELSE 'not_reached' END,
       CASE WHEN pg_temp.h(k, 46, 5) = 0 THEN (%(notes)s::text[])[1 + pg_temp.h(k, 47, 5)]
            ELSE '' END,
       'logged', NULL, day + time '17:00' + make_interval(secs => pg_temp.h(k, 48, 14400))
FROM (SELECT k, %(abase)s + 1 + mod(k - 1, %(auths)s) AS auth,
             %(today)s::date - 1 - pg_temp.h(k, 40, %(days)s) AS day,
             (%(types)s::text[])[1 + pg_temp.h(k, 49, 100)] AS kind
      FROM generate_series(1, %(activities)s) AS k) AS rows
JOIN authorizations_authorization a ON a.id = rows.auth
ORDER BY day, k
""",
            p,
        ),
    ]


def _reference_ids(cur) -> dict:
    """Organizations, POFs and the ECM service by name and code (from the data migrations)."""
    cur.execute(
        "SELECT name, id, is_caloptima, is_county, is_health_network FROM providers_organization"
    )
    orgs = cur.fetchall()
    hn = {name: id_ for name, id_, _, _, is_hn in orgs if is_hn}
    missing = set(HN_WEIGHTS) - set(hn)
    if missing:
        raise SystemExit(f"health networks missing (is the database migrated?): {sorted(missing)}")
    cur.execute("SELECT code, id FROM members_populationoffocus")
    pof = dict(cur.fetchall())
    cur.execute("SELECT id FROM providers_service WHERE code = 'ECM'")
    (ecm,) = cur.fetchone()
    return {
        "hn": hn,
        "pof": pof,
        "ecm": ecm,
        "caloptima": next(id_ for _, id_, is_cal, _, _ in orgs if is_cal),
        "county": next(id_ for _, id_, _, is_county, _ in orgs if is_county),
        "libertana": next(id_ for name, id_, *_ in orgs if name == "Libertana"),
    }


def generate(database_url: str, scale: Scale, today: datetime.date, out=sys.stdout) -> dict:
    """Fill the database; returns {table: (rows, seconds)} and prints each step."""
    timings = {}
    conn = psycopg2.connect(database_url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT EXISTS (SELECT 1 FROM members_member)")
            if cur.fetchone()[0]:
                raise SystemExit("the database already holds members: generate into an empty one")
            ids = _reference_ids(cur)
            for table in ("members_member", "authorizations_authorization"):
                cur.execute(f"SELECT coalesce(max(id), 0) FROM {table}")
                ids["abase" if table.startswith("auth") else "mbase"] = cur.fetchone()[0]
            cur.execute("SET synchronous_commit = off")
            cur.execute("SET work_mem = '256MB'")
            for sql in FUNCTIONS:
                cur.execute(sql)
            conn.commit()
            for table, sql, params in _steps(ids, scale, today):
                started = time.perf_counter()
                cur.execute(sql, params)
                rows = cur.rowcount
                conn.commit()  # deferred FK checks run here, and count in the step's time
                timings[table] = (rows, time.perf_counter() - started)
                print(f"{table:34} {rows:>10,} rows {timings[table][1]:8.1f} s", file=out)
            for table in ("members_member", "authorizations_authorization"):
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"
                )
            conn.commit()
            started = time.perf_counter()
            conn.autocommit = True
            cur.execute("VACUUM ANALYZE")  # planner statistics and the visibility map
            timings["vacuum analyze"] = (0, time.perf_counter() - started)
            print(f"{'vacuum analyze':34} {'':>15} {timings['vacuum analyze'][1]:8.1f} s", file=out)
    finally:
        conn.close()
    return timings


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m bench.generate",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--pofs", type=int, help="default: 0.3 x members")
    parser.add_argument("--authorizations", type=int, help="default: 0.05 x members")
    parser.add_argument("--activities", type=int, help="default: 2 x members")
    parser.add_argument(
        "--today",
        type=datetime.date.fromisoformat,
        default=datetime.datetime.now(ZoneInfo("America/Los_Angeles")).date(),
        help="activities: the 13 weeks before it (default: today in California)",
    )
    parser.add_argument(
        "--database-url",
        required=True,
        help="postgres://user@host:port/calaim_bench (migrated, no members)",
    )
    args = parser.parse_args(argv)
    try:
        scale = Scale.for_members(
            args.members,
            pofs=args.pofs,
            authorizations=args.authorizations,
            activities=args.activities,
        )
    except ValueError as error:
        parser.error(str(error))
    started = time.perf_counter()
    try:
        generate(args.database_url, scale, args.today)
    except psycopg2.errors.UndefinedTable as error:
        raise SystemExit(f"{error.pgerror.splitlines()[0]}: migrate the database first") from None
    except psycopg2.OperationalError as error:
        raise SystemExit(f"cannot connect: {str(error).strip()}") from None
    print(f"{'total':34} {'':>15} {time.perf_counter() - started:8.1f} s")


if __name__ == "__main__":
    main()
