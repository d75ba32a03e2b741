"""Synthetic people with known links, and the corruptions a second registration adds.

Only invented people: names are drawn from small lists and combined at random.
"""

import random
from dataclasses import dataclass

GIVEN = [
    "anna", "maria", "oksana", "ioana", "fatima", "sanne", "emma", "julia", "olena",
    "agnieszka", "elena", "nadia", "sofia", "lisa", "eva", "noor", "yara", "mila",
    "tetiana", "katarzyna", "andreea", "daria", "iris", "lotte", "fleur", "sara",
    "piotr", "jan", "mohamed", "daan", "ahmet", "bram", "mihai", "andrii", "luuk",
]  # fmt: skip
SURNAME = [
    "de vries", "jansen", "bakker", "visser", "smit", "meijer", "de boer", "mulder",
    "de jong", "van der berg", "van dijk", "bos", "vos", "peters", "hendriks",
    "melnyk", "shevchenko", "kovalenko", "popescu", "ionescu", "nowak", "kowalski",
    "wisniewski", "yilmaz", "kaya", "el amrani", "van leeuwen", "dekker", "brouwer",
    "de wit", "dijkstra", "smits", "de graaf", "van der meer", "kok", "jacobs",
]  # fmt: skip
STREETS = [
    "kerkstraat", "dorpsstraat", "schoolstraat", "molenweg", "stationsweg",
    "julianastraat", "beatrixlaan", "marktplein", "nieuwstraat", "industrieweg",
]  # fmt: skip

FIELDS = [
    {"column": "given", "kind": "name"},
    {"column": "surname", "kind": "name"},
    {"column": "dob", "kind": "date"},
    {"column": "street", "kind": "address"},
    {"column": "postcode", "kind": "postcode"},
    {"column": "phone", "kind": "phone"},
]
CONFIG = {"id_column": "id", "fields": FIELDS}


@dataclass
class Person:
    given: str
    surname: str
    dob: str
    street: str
    postcode: str
    phone: str

    def row(self, rid: str) -> dict[str, str]:
        return {"id": rid, **self.__dict__}


def person(rng: random.Random) -> Person:
    return Person(
        given=rng.choice(GIVEN),
        surname=rng.choice(SURNAME),
        dob=f"{rng.randint(1960, 2006)}-{rng.randint(1, 12):02d}-"
        f"{rng.randint(1, 28):02d}",
        street=f"{rng.choice(STREETS)} {rng.randint(1, 200)}",
        postcode=f"{rng.randint(1000, 9999)} {rng.choice('ABCDEFGHJKLMNPRSTVWXZ')}"
        f"{rng.choice('ABCDEFGHJKLMNPRSTVWXZ')}",
        phone=f"06{rng.randint(10_000_000, 99_999_999)}",
    )


def typo(rng: random.Random, text: str) -> str:
    if len(text) < 3:
        return text
    i = rng.randrange(1, len(text) - 1)
    op = rng.choice(["sub", "del", "ins", "swap"])
    letters = "abcdefghijklmnopqrstuvwxyz"
    if op == "sub":
        return text[:i] + rng.choice(letters) + text[i + 1 :]
    if op == "del":
        return text[:i] + text[i + 1 :]
    if op == "ins":
        return text[:i] + rng.choice(letters) + text[i:]
    return text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :]


def corrupt(rng: random.Random, p: Person) -> Person:
    """A second registration of ``p``: other formats, up to two errors, gaps."""
    q = Person(**p.__dict__)
    year, month, day = q.dob.split("-")
    q.dob = rng.choice(
        [q.dob, f"{day}-{month}-{year}", f"{int(day)}-{int(month)}-{year}"]
    )
    q.phone = rng.choice(
        [q.phone, "+31" + q.phone[1:], q.phone[:2] + " " + q.phone[2:]]
    )
    q.given = rng.choice([q.given, q.given.upper(), q.given.title()])
    for _ in range(rng.randint(0, 2)):
        what = rng.choice(["given", "surname", "street", "missing", "swap", "dob"])
        if what in ("given", "surname", "street"):
            setattr(q, what, typo(rng, getattr(q, what)))
        elif what == "missing":
            setattr(q, rng.choice(["phone", "postcode", "street", "dob"]), "")
        elif what == "swap":
            q.given, q.surname = q.surname, q.given
        elif q.dob:
            q.dob = f"{day}-{month}-{int(year) + rng.choice([-1, 1])}"
    return q


def linked_sets(
    seed: int, n_links: int, n_only: int
) -> tuple[list[dict[str, str]], list[dict[str, str]], set[tuple[str, str]]]:
    """Two registers sharing ``n_links`` people, each with ``n_only`` of its own."""
    rng = random.Random(seed)
    a, b, truth = [], [], set()
    for i in range(n_links):
        p = person(rng)
        a.append(p.row(f"a{i}"))
        b.append(corrupt(rng, p).row(f"b{i}"))
        truth.add((f"a{i}", f"b{i}"))
    for i in range(n_only):
        a.append(person(rng).row(f"a-only{i}"))
        b.append(person(rng).row(f"b-only{i}"))
    rng.shuffle(b)
    return a, b, truth
