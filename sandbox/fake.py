"""Deterministic, realistic-looking HR data shared by the vendor emulators."""

from __future__ import annotations

import random
from datetime import date, timedelta

FIRST_NAMES = [
    "Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Margaret", "Linus", "Katherine", "Dennis",
    "Frances", "John", "Radia", "Ken", "Hedy", "Tim", "Sophie", "Niklaus", "Shafi", "Leslie",
    "Anita", "Guido", "Mary", "Bjarne", "Jean", "Yukihiro", "Carol", "James", "Lynn", "Whitfield",
    "Joan", "Vint", "Ida", "Robert", "Annie", "Fernando", "Elena", "Mateo", "Priya", "Kenji",
    "Amara", "Lars", "Zoë", "Søren", "Chloé", "Björn", "Aisha", "Diego", "Mei", "Olu",
]
LAST_NAMES = [
    "Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Hamilton", "Torvalds", "Johnson",
    "Ritchie", "Allen", "McCarthy", "Perlman", "Thompson", "Lamarr", "Berners-Lee", "Wilson", "Wirth",
    "Goldwasser", "Lamport", "Borg", "van Rossum", "Kenyon", "Stroustrup", "Sammet", "Matsumoto",
    "Shaw", "Gosling", "Conway", "Diffie", "Clarke", "Cerf", "Rhodes", "Kahn", "Easley", "Corbató",
    "Novak", "García", "Sharma", "Tanaka", "Okafor", "Nilsen", "Müller", "Kierkegaard", "Dubois",
    "Andersson", "Haddad", "Fernández", "Chen", "Adeyemi",
]
DEPARTMENTS = [
    "Engineering", "Sales", "Marketing", "Finance", "People", "Operations", "Customer Success",
    "Legal", "Product", "Design", "Data", "Security",
]
JOB_TITLES = [
    "Software Engineer", "Senior Software Engineer", "Engineering Manager", "Account Executive",
    "Sales Manager", "Marketing Specialist", "Accountant", "Financial Analyst", "People Partner",
    "Recruiter", "Operations Analyst", "Support Specialist", "Counsel", "Product Manager",
    "Product Designer", "Data Engineer", "Data Analyst", "Security Engineer",
]
LOCATIONS = ["Berlin", "London", "New York", "Lisbon", "Singapore", "Toronto", "Remote"]
LEAVE_TYPES = ["annual", "sick", "parental", "unpaid", "bereavement"]


def rng(seed: int, *salt: object) -> random.Random:
    """A random generator determined by the seed and a salt, independent of call order."""
    return random.Random(f"{seed}:" + ":".join(map(str, salt)))


def person_name(r: random.Random) -> tuple[str, str]:
    return r.choice(FIRST_NAMES), r.choice(LAST_NAMES)


def email_for(first: str, last: str, n: int, domain: str) -> str:
    local = f"{first}.{last}".lower().replace(" ", "").replace("'", "")
    local = local.encode("ascii", "ignore").decode() or "person"
    return f"{local}.{n}@{domain}"


def phone(r: random.Random) -> str:
    return f"+49 30 {r.randint(1000000, 9999999)}"


def working_days(start: date, end: date) -> list[date]:
    """Weekdays from start to end, both inclusive."""
    days = []
    d = start
    while d <= end:
        if d.weekday() < 5:
            days.append(d)
        d += timedelta(days=1)
    return days
