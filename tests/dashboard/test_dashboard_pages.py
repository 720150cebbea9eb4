"""What teachers see and do: heat map, student page, CSV, class creation, assignments, CSRF."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from urllib.parse import unquote

import pytest
from sqlalchemy import func, select

from ombro_contract.labels import PUPPETS
from server.crud import create_user, join_class
from server.crud.attempts import AttemptIn, add_attempts
from server.crud.progress import class_mastery
from server.models import Assignment, SchoolClass, User
from server.seed import DEMO_CLASS, STUDENT_NAMES, TEACHER
from server.web.export import COLUMNS

from .conftest import HOSTILE_ESCAPED, HOSTILE_NAME, csrf_of, login


@pytest.fixture(scope="module")
def demo_class_id(demo_factory) -> int:
    with demo_factory() as s:
        return s.scalar(select(SchoolClass.id).where(SchoolClass.name == DEMO_CLASS))


@pytest.fixture
def teacher(client):
    assert login(client, TEACHER).status_code == 303
    return client


def heatmap_rows(html: str) -> list[str]:
    body = html.split('<table class="heatmap"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>", 1)[1], flags=re.DOTALL)


def test_class_overview_shows_every_student_and_puppet(teacher, demo_class_id, demo_factory):
    html = teacher.get(f"/classes/{demo_class_id}").text
    rows = heatmap_rows(html)
    assert len(rows) == len(STUDENT_NAMES)
    for name in STUDENT_NAMES:  # accents and other scripts arrive intact
        assert sum(name.replace("'", "&#39;") in row for row in rows) == 1, name
    head = html.split('<table class="heatmap"', 1)[1].split("</thead>", 1)[0]
    assert re.findall(r'class="puppet">(\w+)<', head) == list(PUPPETS)
    for row in rows:
        assert row.count('class="cell lvl-') == len(PUPPETS)
    # The cells agree with the server's own mastery computation (full attempt lists).
    with demo_factory() as s:
        klass = s.get(SchoolClass, demo_class_id)
        _, summaries = class_mastery(s, klass)
    by_name = {u.display_name: summary for u, summary in summaries}
    amara = next(r for r in rows if "Amara Okafor" in r)
    levels = re.findall(r'class="cell lvl-(\w+?)[ "]', amara)
    assert levels == [by_name["Amara Okafor"].puppets[p].level.value for p in PUPPETS]
    # The "needs help" list names exactly the students the shared rules flag.
    flagged = {u.display_name for u, summary in summaries if summary.needs_help}
    assert flagged, "the demo seed should have students who need help"
    help_box = html.split('id="help-title"', 1)[1].split("</section>", 1)[0]
    shown = set(re.findall(r'/students/\d+">([^<]+)</a>', help_box))
    assert shown == {n.replace("'", "&#39;") for n in flagged}


def test_student_names_are_escaped(teacher, demo_class_id, hostile_student):
    html = teacher.get(f"/classes/{demo_class_id}").text
    assert HOSTILE_NAME not in html
    assert HOSTILE_ESCAPED in html
    assert "<script" not in html.replace('<script src="/static/dashboard/dashboard.js', "")
    page = teacher.get(f"/classes/{demo_class_id}/students/{hostile_student}").text
    assert HOSTILE_ESCAPED in page and HOSTILE_NAME not in page
    assert "<script" not in page.replace('<script src="/static/dashboard/dashboard.js', "")
    rows = csv.DictReader(io.StringIO(
        teacher.get(f"/classes/{demo_class_id}/export.csv").content.decode("utf-8-sig")))
    names = {row["student"] for row in rows if row["student_id"] == str(hostile_student)}
    assert names == {HOSTILE_NAME}  # data, not HTML: kept verbatim


def test_student_page_has_chart_best_confidence_and_recent(teacher, demo_class_id, demo_factory):
    with demo_factory() as s:
        amara = s.scalar(select(User).where(User.display_name == "Amara Okafor"))
    html = teacher.get(f"/classes/{demo_class_id}/students/{amara.id}").text
    assert "<h1>Amara Okafor</h1>" in html
    chart = html.split('<svg class="chart"', 1)[1].split("</svg>", 1)[0]
    bars = re.findall(r'<rect class="bar-(pass|fail)"', chart)
    assert bars, "the chart has no bars for a student who practised"
    best = html.split('id="best-confidence"', 1)[1].split("</table>", 1)[0]
    assert len(re.findall(r"<tr[ >]", best)) == len(PUPPETS) + 1  # header + one per puppet
    recent = html.split('id="recent-attempts"', 1)[1].split("</table>", 1)[0]
    assert 0 < len(re.findall(r"<time ", recent)) <= 20


def test_csv_export_has_one_row_per_student_and_puppet(teacher, demo_class_id, demo_factory):
    r = teacher.get(f"/classes/{demo_class_id}/export.csv")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert list(rows[0].keys()) == COLUMNS
    assert len(rows) == len(STUDENT_NAMES) * len(PUPPETS)
    with demo_factory() as s:
        _, summaries = class_mastery(s, s.get(SchoolClass, demo_class_id))
    for user, summary in summaries:
        mine = [row for row in rows if int(row["student_id"]) == user.id]
        assert [row["puppet"] for row in mine] == list(PUPPETS)
        for row in mine:
            m = summary.puppets[row["puppet"]]
            assert int(row["attempts"]) == m.attempts
            assert row["level"] == m.level.value
            assert float(row["mastery"]) == pytest.approx(m.mastery)
    assert {row["student"] for row in rows} == set(STUDENT_NAMES)


def test_csv_neutralises_spreadsheet_formulas(teacher, demo_factory, demo_class_id):
    from server.crud import create_user, join_class

    with demo_factory() as s:
        user = create_user(s, "formula@demo", "pw-123456", "student", "=HYPERLINK(\"x\")")
        join_class(s, s.get(SchoolClass, demo_class_id), user)
        s.commit()
        uid = user.id
    try:
        text = teacher.get(f"/classes/{demo_class_id}/export.csv").content.decode("utf-8-sig")
        names = {row["student"] for row in csv.DictReader(io.StringIO(text)) if row["student_id"] == str(uid)}
        assert names == {"'=HYPERLINK(\"x\")"}
    finally:
        with demo_factory() as s:
            s.delete(s.get(User, uid))
            s.commit()


@pytest.mark.parametrize("name", ["班级 4B", "Turma Ação", "Класс", "🐶 club"])
def test_csv_of_a_class_with_a_non_latin_name(teacher, name):
    """The file name goes in Content-Disposition, which only holds Latin-1: RFC 5987's
    filename* carries the real name (it was a 500 for "班级")."""
    token = csrf_of(teacher.get("/").text)
    page = teacher.post("/classes", data={"name": name, "csrf_token": token})
    class_id = int(re.search(r"/classes/(\d+)", str(page.url)).group(1))
    r = teacher.get(f"/classes/{class_id}/export.csv")
    assert r.status_code == 200
    disposition = r.headers["content-disposition"]
    encoded = disposition.split("filename*=UTF-8''", 1)[1]
    assert all(w.lower() in unquote(encoded) for w in name.split() if w.isalnum())
    assert disposition.startswith('attachment; filename="ombro-') and disposition.isascii()


def test_create_class_and_assign_a_puppet(teacher, demo_factory):
    token = csrf_of(teacher.get("/").text)
    r = teacher.post("/classes", data={"name": "  Tuesday   club <b> ", "csrf_token": token})
    assert r.status_code == 200
    assert "Tuesday club &lt;b&gt;" in r.text and "Class created" in r.text
    class_id = int(re.search(r"/classes/(\d+)", str(r.url)).group(1))
    due = (date.today() + timedelta(days=5)).isoformat()
    r = teacher.post(
        f"/classes/{class_id}/assignments",
        data={"puppet": "swan", "due": due, "csrf_token": csrf_of(r.text)},
    )
    assert "Assigned swan" in r.text
    with demo_factory() as s:
        rows = s.scalars(select(Assignment).where(Assignment.class_id == class_id)).all()
        assert [(a.puppet, a.due.isoformat()) for a in rows] == [("swan", due)]
    # The class appears on My classes with its join code.
    listing = teacher.get("/").text
    code = re.search(r'<code class="join">(\w+)</code>', r.text).group(1)
    assert code in listing


def test_bad_form_input_is_refused_without_changes(teacher, demo_class_id, demo_factory):
    def count():
        with demo_factory() as s:
            return s.scalar(
                select(func.count()).select_from(Assignment).where(Assignment.class_id == demo_class_id)
            )

    before = count()
    token = csrf_of(teacher.get(f"/classes/{demo_class_id}").text)
    for data in (
        {"puppet": "unicorn", "due": date.today().isoformat()},
        {"puppet": "dog", "due": "not-a-date"},
        {"puppet": "dog", "due": "1999-01-01"},
    ):
        r = teacher.post(f"/classes/{demo_class_id}/assignments", data={**data, "csrf_token": token})
        assert r.status_code == 200 and 'class="flash error"' in r.text, data
    r = teacher.post("/classes", data={"name": "   ", "csrf_token": token})
    assert 'class="flash error"' in r.text
    assert count() == before


def test_every_form_is_protected_against_csrf(teacher, demo_class_id, demo_factory):
    with demo_factory() as s:
        classes_before = s.scalar(select(func.count()).select_from(SchoolClass))
    forms = [
        ("/classes", {"name": "forged"}),
        (f"/classes/{demo_class_id}/assignments", {"puppet": "dog", "due": date.today().isoformat()}),
        ("/models/promote", {"version": "x", "channel": "stable"}),
        ("/models/channels/stable/rollback", {"arch": "mobilenet_v2"}),
        ("/logout", {}),
        ("/login", {"username": TEACHER, "password": "ombro-demo"}),
    ]
    for url, data in forms:
        assert teacher.post(url, data=data).status_code == 403, url
        assert teacher.post(url, data={**data, "csrf_token": "guess"}).status_code == 403, url
    # A genuine token from a page, but posted from another site's page: refused too.
    token = csrf_of(teacher.get("/").text)
    r = teacher.post(
        "/classes", data={"name": "forged", "csrf_token": token},
        headers={"Origin": "https://evil.example"},
    )
    assert r.status_code == 403
    with demo_factory() as s:
        assert s.scalar(select(func.count()).select_from(SchoolClass)) == classes_before
    assert teacher.get("/", follow_redirects=False).status_code == 200  # still logged in


def test_every_form_on_every_page_carries_a_csrf_token(teacher, demo_class_id):
    for url in ("/", f"/classes/{demo_class_id}"):
        html = teacher.get(url).text
        forms = re.findall(r"<form[^>]*method=\"post\".*?</form>", html, flags=re.DOTALL)
        assert forms
        for form in forms:
            assert 'name="csrf_token"' in form, form[:80]


def test_student_page_shows_best_shape_match_and_the_part_kept_missing(teacher, demo_class_id,
                                                                       demo_factory):
    """Synced shape feedback reaches the teacher; attempts from older apps show a dash."""
    now = datetime.now(UTC)

    def tried(puppet, passed, hours_ago, match=None, hint=None):
        return AttemptIn(id=str(uuid.uuid4()), puppet=puppet, predicted=puppet, confidence=0.7,
                         hold_seconds=1.0, passed=passed, model_version="test",
                         device_time=now - timedelta(hours=hours_ago), shape_match=match, hint=hint)

    with demo_factory() as s:
        klass = s.get(SchoolClass, demo_class_id)
        user = create_user(s, f"shapes-{uuid.uuid4().hex[:6]}@demo", "pw-123456", "student",
                           "Shape Tester")
        join_class(s, klass, user)
        add_attempts(s, user.id, [
            tried("dog", False, 9), tried("dog", True, 8),  # an old app: no shape fields
            tried("rabbit", False, 7, 0.55, "ears"), tried("rabbit", False, 6, 0.61, "head"),
            tried("rabbit", False, 5, 0.66, "ears"), tried("rabbit", False, 4, 0.7, "ears"),
            tried("rabbit", True, 3, 0.93),
        ])
        s.commit()
        uid = user.id
    try:
        html = teacher.get(f"/classes/{demo_class_id}/students/{uid}").text
        best = html.split('id="best-confidence"', 1)[1].split("</table>", 1)[0]
        rabbit = best.split('data-puppet="rabbit"', 1)[1].split("</tr>", 1)[0]
        dog = best.split('data-puppet="dog"', 1)[1].split("</tr>", 1)[0]
        shape_cell = rabbit.split('class="nowrap shape-match"', 1)[1].split("</td>", 1)[0]
        assert "93%" in shape_cell
        missing_cell = rabbit.split('class="nowrap keeps-missing"', 1)[1].split("</td>", 1)[0]
        assert ">ears<" in missing_cell and "3/4" in missing_cell
        assert "&ndash;" in dog.split('class="nowrap shape-match"', 1)[1].split("</td>", 1)[0]
        summary = html.split('id="keeps-missing"', 1)[1].split("</p>", 1)[0]
        assert "the ears</strong> of the rabbit (3 of the last 4 failed tries)" in summary
        recent = html.split('id="recent-attempts"', 1)[1].split("</table>", 1)[0]
        assert "70%" in recent and "ears" in recent
    finally:
        with demo_factory() as s:
            s.delete(s.get(User, uid))
            s.commit()
