"""The demo: its own database of synthetic requests and existing shared-care patients, with one
user per role.

The requests are written to a JSON Lines file and imported through the same path as a practice's
real files, so the demo shows the product as it is. Real data is never touched: the demo lives in
its own database file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from random import Random

from triage import paths
from triage.clock import PRACTICE_TIME, SYSTEM_CLOCK, Clock
from triage.demo.scenarios import SCENARIOS, Scenario
from triage.intake import Progress
from triage.models import LogEvent, Practice, Role, add_months, nhs_check_digit
from triage.services.importing import ImportSummary, import_files
from triage.services.notices import import_caseload
from triage.services.policy import activate_policy
from triage.services.practice import set_practice_details
from triage.services.user_log import log_user
from triage.services.workspace import Workspace, open_database_for

DEMO_USERS = (
    ("demo-clerk", Role.CLERK, "Pat Jones"),
    ("demo-gp", Role.GP, "Dr Asha Patel"),
    ("demo-manager", Role.MANAGER, "Sam Taylor"),
)
DEMO_CLERK = DEMO_USERS[0][0]
DEMO_MANAGER = DEMO_USERS[2][0]
# A fictional practice: the phone number is in Ofcom's range for drama, the email domain is
# reserved for examples, so no demo letter can reach anyone real.
DEMO_PRACTICE = Practice(
    name="Harbour Street Surgery (demo)",
    ods_code="Y99999",
    address="1 Harbour Street\nWeymouth\nDT4 0AA",
    phone="01632 960000",
    email="harbour.street@example.org",
)
# The shipped policy the demo practice has declared: it covers the most categories.
DEMO_POLICY = "dorset-gp-alliance"
DEFAULT_REQUESTS = 60
DEFAULT_SEED = 2025

_FIRST_NAMES = (
    "Olivia", "Amelia", "Isla", "Ava", "Mia", "Grace", "Aisha", "Priya", "Zainab", "Chloe",
    "Noah", "Oliver", "George", "Arthur", "Leo", "Muhammad", "Harry", "Jack", "Kwame", "Tomasz",
    "Margaret", "Susan", "Janet", "Brian", "Keith", "Alex", "Sam", "Jordan", "Riley", "Morgan",
)  # fmt: skip
_LAST_NAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Evans", "Khan", "Patel", "Ahmed",
    "Nowak", "Okoro", "Murphy", "O'Brien", "Hughes", "Edwards", "Roberts", "Clarke", "Ali",
    "Thompson", "Walker", "Wright", "Green", "Hall", "Wood", "Harris", "Lewis", "Chen", "Kaur",
)  # fmt: skip


def demo_nhs_number(rng: Random, *, valid: bool = True) -> str:
    """A number in the 999 range, which the NHS keeps for testing: never a real patient's."""
    while True:
        first_nine = "999" + "".join(str(rng.randrange(10)) for _ in range(6))
        check = nhs_check_digit(first_nine)
        if check is not None:
            return first_nine + str(check if valid else (check + 1) % 10)


def demo_records(count: int, *, today: date, seed: int = DEFAULT_SEED) -> Iterator[dict[str, str]]:
    """`count` requests in the import format, cycling through every scenario in turn."""
    rng = Random(seed)
    for number in range(1, count + 1):
        yield _record(SCENARIOS[(number - 1) % len(SCENARIOS)], number, rng, today)


def _record(scenario: Scenario, number: int, rng: Random, today: date) -> dict[str, str]:
    age = rng.randint(*scenario.ages)
    born = today - timedelta(days=age * 365 + rng.randrange(365))
    arrived = datetime.combine(
        today - timedelta(days=rng.randrange(21)),
        time(rng.randint(8, 17), rng.choice((0, 15, 30, 45))),
        PRACTICE_TIME,
    )
    record = {
        "ref": f"DEMO-{number:06d}",
        "received": arrived.isoformat(timespec="minutes"),
        "nhs_number": demo_nhs_number(rng, valid=not scenario.invalid_nhs_number),
        "patient_name": f"{rng.choice(_FIRST_NAMES)} {rng.choice(_LAST_NAMES)}",
        "date_of_birth": born.isoformat(),
        "requester": scenario.requester,
        "organisation": scenario.organisation,
        "provider_type": scenario.provider_type,
        "request_type": scenario.request_type,
        "medications": scenario.medications,
        "diagnosis": scenario.diagnosis,
        "codes": scenario.codes,
        "category": scenario.category,
        "urgency": scenario.urgency,
        "reply_to": f"{scenario.organisation}, secure email via NHSmail",
        "text": scenario.text,
    }
    if scenario.supply_in_days is not None:
        record["supply_ends"] = (today + timedelta(days=scenario.supply_in_days)).isoformat()
    if scenario.procedure_months_ago is not None:
        # Counted back from the day the letter was written, as its "eight months ago" is.
        months = scenario.procedure_months_ago
        record["procedure_date"] = add_months(arrived.date(), -months).isoformat()
    return {key: value for key, value in record.items() if value}


def write_demo_file(path: Path, count: int, *, today: date, seed: int = DEFAULT_SEED) -> None:
    """Write the requests as JSON Lines, private to the user like every file holding patients."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        for record in demo_records(count, today=today, seed=seed):
            file.write(json.dumps(record, ensure_ascii=False) + "\n")


# The demo practice's existing shared-care patients, as its clinical system's search lists them:
# a medicine and the specialist team for each of the eleven categories.
_CASELOAD = (
    ("Lisdexamfetamine 50mg capsules", "Adult ADHD Service, Dorset HealthCare"),
    ("Estradiol 2mg tablets", "Gender Identity Clinic"),
    ("Paraprotein monitoring (MGUS)", "Haematology, Dorset County Hospital"),
    ("Vitamin B12 and iron monitoring after gastric bypass", "Bariatric Service, Musgrove Park"),
    ("Electrolyte monitoring", "Eating Disorder Service, Dorset HealthCare"),
    ("Methotrexate 2.5mg tablets (15mg weekly)", "Rheumatology, Dorset County Hospital"),
    ("Denosumab 60mg injection", "Osteoporosis Service, Dorset County Hospital"),
    ("PSA monitoring", "Urology, Dorset County Hospital"),
    ("Warfarin 3mg tablets", "Anticoagulation Clinic, Dorset County Hospital"),
    ("Clozapine 300mg tablets", "Community Mental Health Team, Weymouth"),
    ("Lithium carbonate 400mg (Priadel)", "Community Mental Health Team, Weymouth"),
)
DEMO_CASELOAD_PER_CATEGORY = 4


def write_demo_caseload(path: Path, *, today: date, seed: int = DEFAULT_SEED) -> None:
    """A search export of existing patients, as EMIS writes one (its own column titles,
    day-first dates), private to the user."""
    rng = Random(seed + 1)
    lines = ["NHS Number,Patient Name,Date of Birth,Medication,Team,Last Review,Next Due"]
    for medicine, team in _CASELOAD:
        for _ in range(DEMO_CASELOAD_PER_CATEGORY):
            born = today - timedelta(days=rng.randint(25, 85) * 365 + rng.randrange(365))
            reviewed = today - timedelta(days=rng.randrange(30, 180))
            due = today + timedelta(days=rng.randrange(7, 150))
            name = f"{rng.choice(_FIRST_NAMES)} {rng.choice(_LAST_NAMES)}"
            lines.append(
                f'{demo_nhs_number(rng)},{name},{born:%d/%m/%Y},{medicine},"{team}",'
                f"{reviewed:%d-%b-%Y},{'' if rng.random() < 0.1 else f'{due:%d-%b-%Y}'}"
            )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write("\n".join(lines) + "\n")


def build_demo(
    count: int = DEFAULT_REQUESTS,
    *,
    clock: Clock = SYSTEM_CLOCK,
    seed: int = DEFAULT_SEED,
    database_path: Path | None = None,
    progress: Callable[[str], Progress] | None = None,
) -> ImportSummary:
    """Replace the demo database with a fresh one holding `count` synthetic requests, received in
    the three weeks before the clock's today."""
    today = clock.today()
    folder = paths.ensure_private_dir(paths.data_dir())
    database_path = database_path or paths.demo_database_path()
    for suffix in ("", "-wal", "-shm"):
        database_path.with_name(database_path.name + suffix).unlink(missing_ok=True)
    requests_file = folder / "demo-requests.jsonl"
    write_demo_file(requests_file, count, today=today, seed=seed)

    database = open_database_for(str(database_path), create=True)
    try:
        now = clock.now()
        with database.write() as tx:
            users = {
                name: tx.users.add(name, role, full_name, None, now)
                for name, role, full_name in DEMO_USERS
            }
            for user in sorted(users.values(), key=lambda user: user.name != DEMO_MANAGER):
                log_user(tx, LogEvent.USER_ADDED, actor=users[DEMO_MANAGER], subject=user, now=now)
        manager = Workspace(database, users[DEMO_MANAGER], demo=True, clock=clock)
        set_practice_details(manager, DEMO_PRACTICE, None)
        activate_policy(manager, DEMO_POLICY)
        clerk = Workspace(database, users[DEMO_CLERK], demo=True, clock=clock)
        caseload_file = folder / "demo-caseload.csv"
        write_demo_caseload(caseload_file, today=today, seed=seed)
        import_caseload(clerk, caseload_file, name=caseload_file.name)  # the same everywhere
        return import_files(clerk, [requests_file], progress=progress)
    finally:
        database.dispose()


def demo_database_is_built(database_path: Path | None = None) -> bool:
    return (database_path or paths.demo_database_path()).exists()
