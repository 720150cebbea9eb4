"""Demo data so a newcomer opens a living dashboard at once.

`seed_demo(session, now, rng_seed)` creates a maintainer, two teachers, a class of 24 students with
four weeks of plausible practice (learning curves, a few stuck students, one who stopped, one who
never started) and a small second class owned by the other teacher (so "a teacher cannot open
another teacher's class" can be tried by hand).

The roster is what a teacher trying the demo reads first, so it holds only plausible names (with
accents and other scripts, as real classes have). Hostile names belong in the tests, which add a
student called `<script>...` to prove the dashboard escapes what students type.

Idempotent: users, classes and assignments are looked up before they are created, and attempt ids
are UUID5s derived from the student and the attempt's index, so a second run (even with another
`now`) inserts nothing new; it only puts back a demo account's name if it differs from the roster
(an older seed's, say). Run it with `python -m server seed-demo` (or `python -m server.seed`).
"""

from __future__ import annotations

import argparse
import math
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ombro_contract.labels import PUPPETS

from .core.security import hash_password
from .crud.attempts import AttemptIn, add_attempts
from .crud.classes import add_assignment, class_assignments, create_class, join_class
from .crud.users import get_user_by_username
from .models import Role, SchoolClass, User

DEMO_PASSWORD = "ombro-demo"
MAINTAINER = "maintainer@demo"
TEACHER = "teacher@demo"
OTHER_TEACHER = "teacher2@demo"
DEMO_CLASS = "Shadow Club 4B"
DEMO_JOIN_CODE = "PUPPETS4"
OTHER_CLASS = "Lantern Club 5A"
OTHER_JOIN_CODE = "LANTERN5"
DEMO_MODEL_VERSION = "demo-mobilenet_v2-int8"
DAYS = 28
_ID_NAMESPACE = uuid.UUID("6f1c2b4e-0f2a-4d0e-9a57-0d3b8f1e6a10")

# The names a teacher trying the demo reads first: plausible ones only, with accents and other
# scripts as real classes have them (Greek and Cyrillic render with DejaVu, on every Debian desktop).
STUDENT_NAMES = [
    "Amara Okafor", "Ben Carter", "Chloé Martin", "Dev Patel", "Elif Yılmaz", "Finn O'Brien",
    "Grace Liu", "Hugo Moreau", "Isla Novak", "Jonas Berg", "Kemi Adeyemi", "Leo Rossi",
    "Maya Cohen", "Noah Schmidt", "Olivia Brown", "Pablo García", "Νεφέλη Παππά", "Rosa Silva",
    "Sami Haddad", "Tara Singh", "Uma Nakamura", "Victor Dubois", "Ximena López", "Zoe Fischer",
]
OTHER_NAMES = ["Aiko Tanaka", "Bruno Costa", "Cora Walsh", "Дмитрий Иванов"]


@dataclass
class SeedReport:
    logins: dict[str, str] = field(default_factory=dict)  # username -> role
    password: str = DEMO_PASSWORD
    class_id: int = 0
    join_code: str = DEMO_JOIN_CODE
    students: int = 0
    attempts_added: int = 0

    def lines(self) -> list[str]:
        out = [f"Demo logins (password: {self.password}):"]
        out += [f"  {role:<10} {name}" for name, role in self.logins.items()]
        out.append(
            f"Class '{DEMO_CLASS}' (id {self.class_id}, join code {self.join_code}): "
            f"{self.students} students, {self.attempts_added} new attempts"
        )
        return out


@dataclass(frozen=True)
class Learner:
    """How one pretend student practises: the shape of their learning curves."""

    skill: float  # attempts needed to reach a 50 % pass chance, per puppet
    keenness: float  # chance of practising on a given day
    stop_after: int | None = None  # stops practising this many days into the period
    stuck_on: str | None = None  # keeps failing this puppet at the end
    never: bool = False


def _user(
    session: Session, username: str, role: Role, display_name: str, password_hash: str
) -> User:
    user = get_user_by_username(session, username)
    if user is None:
        # Every demo account shares one published password, so it is hashed once (argon2 is slow
        # on purpose) instead of 30 times: seeding takes a second, not half a minute.
        user = User(
            username=username, display_name=display_name, role=role.value,
            password_hash=password_hash,
        )
        session.add(user)
        session.flush()
    elif user.display_name != display_name:
        # An older seed's roster (or a hand edit): the demo shows the current one.
        user.display_name = display_name
        session.flush()
    return user


def _klass(session: Session, teacher: User, name: str, join_code: str) -> SchoolClass:
    klass = session.scalar(
        select(SchoolClass).where(SchoolClass.teacher_id == teacher.id, SchoolClass.name == name)
    )
    if klass is None:
        klass = create_class(session, teacher, name)
        # A fixed, memorable code for the demo; the alphabet avoids 0/O and 1/I like real codes.
        taken = session.scalar(select(SchoolClass).where(SchoolClass.join_code == join_code))
        if taken is None:
            klass.join_code = join_code
            session.flush()
    return klass


def _learners(rng: random.Random, n: int) -> list[Learner]:
    learners = [
        Learner(skill=rng.uniform(3.0, 12.0), keenness=rng.uniform(0.35, 0.85)) for _ in range(n)
    ]
    # A few recognisable stories for the "needs help" list.
    learners[1] = Learner(skill=8.0, keenness=0.7, stuck_on="elephant")
    learners[6] = Learner(skill=8.0, keenness=0.6, stop_after=DAYS - 11)
    learners[13] = Learner(skill=6.0, keenness=0.0, never=True)
    learners[17] = Learner(skill=10.0, keenness=0.8, stuck_on="moose")
    return learners


def _practice(
    rng: random.Random, learner: Learner, student: User, now: datetime, assigned: list[str]
) -> list[AttemptIn]:
    """Four weeks of sessions: a few puppets a day, passes getting likelier with practice."""
    if learner.never:
        return []
    attempts: list[AttemptIn] = []
    tries: dict[str, int] = {p: 0 for p in PUPPETS}
    start = (now - timedelta(days=DAYS)).replace(hour=0, minute=0, second=0, microsecond=0)
    favourites = rng.sample(PUPPETS, 5)
    for day in range(DAYS):
        if learner.stop_after is not None and day >= learner.stop_after:
            break
        if rng.random() > learner.keenness:
            continue
        when = start + timedelta(days=day, hours=rng.randint(15, 19), minutes=rng.randint(0, 59))
        pool = assigned + favourites
        for puppet in rng.sample(pool, k=min(len(pool), rng.randint(1, 3))):
            for _ in range(rng.randint(2, 6)):
                n = tries[puppet]
                p_pass = 1 / (1 + math.exp(-(n - learner.skill) / 2.2))
                if learner.stuck_on == puppet and day >= DAYS - 6:
                    p_pass = 0.0
                attempts.append(_attempt(rng, student, len(attempts), puppet, p_pass, when))
                tries[puppet] = n + 1
                when += timedelta(seconds=rng.randint(20, 90))
                if attempts[-1].passed and rng.random() < 0.5:
                    break  # happy with it: on to the next puppet
    if learner.stuck_on:
        # Make the story certain whatever the dice said: a last session of failures.
        when = now - timedelta(hours=rng.randint(2, 20))
        for _ in range(6):
            attempts.append(_attempt(rng, student, len(attempts), learner.stuck_on, 0.0, when))
            when += timedelta(seconds=45)
    return [a for a in attempts if a.device_time <= now]


def _attempt(
    rng: random.Random, student: User, index: int, puppet: str, p_pass: float, when: datetime
) -> AttemptIn:
    passed = rng.random() < p_pass
    if passed:
        predicted, confidence = puppet, rng.uniform(0.8, 0.99)
    else:
        confident_wrong = rng.random() < 0.5
        predicted = rng.choice([p for p in PUPPETS if p != puppet]) if confident_wrong else puppet
        confidence = rng.uniform(0.3, 0.75)
    return AttemptIn(
        id=str(uuid.uuid5(_ID_NAMESPACE, f"{student.username}:{index}")),
        puppet=puppet,
        predicted=predicted,
        confidence=round(confidence, 3),
        hold_seconds=round(rng.uniform(0.5, 2.0) + (1.0 if passed else 0.0), 2),
        passed=passed,
        model_version=DEMO_MODEL_VERSION,
        device_time=when,
    )


def _assign(session: Session, klass: SchoolClass, puppet: str, due: date) -> None:
    if not any(a.puppet == puppet for a in class_assignments(session, klass.id)):
        add_assignment(session, klass, puppet, due)


def seed_demo(session: Session, now: datetime | None = None, rng_seed: int = 7) -> SeedReport:
    """Create (or complete) the demo data in `session`; the caller commits."""
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("seed_demo needs an aware datetime for `now` (e.g. UTC)")
    rng = random.Random(rng_seed)
    report = SeedReport()

    pw = hash_password(DEMO_PASSWORD)
    _user(session, MAINTAINER, Role.maintainer, "Model Maintainer", pw)
    teacher = _user(session, TEACHER, Role.teacher, "Ms Demo", pw)
    other = _user(session, OTHER_TEACHER, Role.teacher, "Mr Other", pw)
    report.logins = {MAINTAINER: "maintainer", TEACHER: "teacher", OTHER_TEACHER: "teacher"}

    klass = _klass(session, teacher, DEMO_CLASS, DEMO_JOIN_CODE)
    report.class_id, report.join_code = klass.id, klass.join_code
    assigned = ["dog", "rabbit", "elephant"]
    _assign(session, klass, "dog", (now - timedelta(days=10)).date())
    _assign(session, klass, "rabbit", (now + timedelta(days=4)).date())
    _assign(session, klass, "elephant", (now + timedelta(days=11)).date())

    for i, (name, learner) in enumerate(zip(STUDENT_NAMES, _learners(rng, len(STUDENT_NAMES)))):
        student = _user(session, f"student{i + 1:02d}@demo", Role.student, name, pw)
        join_class(session, klass, student)
        accepted, _ = add_attempts(session, student.id, _practice(rng, learner, student, now, assigned))
        report.attempts_added += len(accepted)
    report.students = len(STUDENT_NAMES)

    other_class = _klass(session, other, OTHER_CLASS, OTHER_JOIN_CODE)
    _assign(session, other_class, "swan", (now + timedelta(days=7)).date())
    for i, name in enumerate(OTHER_NAMES):
        student = _user(session, f"lantern{i + 1:02d}@demo", Role.student, name, pw)
        join_class(session, other_class, student)
        learner = Learner(skill=rng.uniform(3, 8), keenness=0.5)
        accepted, _ = add_attempts(session, student.id, _practice(rng, learner, student, now, ["swan"]))
        report.attempts_added += len(accepted)
    session.flush()
    return report


def run(settings=None) -> SeedReport:
    """Migrate the configured database and seed it (what `python -m server seed-demo` calls)."""
    from .core.config import Settings
    from .core.db import engine_for, make_sessionmaker, migrate, session_scope

    settings = settings or Settings()
    engine = engine_for(settings)
    try:
        migrate(engine)
        with session_scope(make_sessionmaker(engine)) as session:
            report = seed_demo(session)
    finally:
        engine.dispose()
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m server seed-demo",
        description="Seed demo users, a class and four weeks of practice (safe to run twice).",
    )
    parser.parse_args(argv)
    for line in run().lines():
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
