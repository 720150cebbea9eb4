"""Who may open which page: logged-out visitors go to the login page, teachers see only their
own classes (403 otherwise), students and maintainers are kept out of teacher pages."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from server.models import Membership, SchoolClass
from server.seed import DEMO_CLASS, MAINTAINER, OTHER_CLASS, OTHER_TEACHER, TEACHER

from .conftest import csrf_of, login


@pytest.fixture(scope="module")
def ids(demo_factory) -> dict[str, int]:
    with demo_factory() as s:
        mine = s.scalar(select(SchoolClass).where(SchoolClass.name == DEMO_CLASS))
        other = s.scalar(select(SchoolClass).where(SchoolClass.name == OTHER_CLASS))
        student = s.scalar(select(Membership.student_id).where(Membership.class_id == mine.id))
        other_student = s.scalar(
            select(Membership.student_id).where(Membership.class_id == other.id)
        )
    return {"mine": mine.id, "other": other.id, "student": student, "other_student": other_student}


def page_urls(ids) -> list[str]:
    c, s = ids["mine"], ids["student"]
    return ["/", f"/classes/{c}", f"/classes/{c}/students/{s}", f"/classes/{c}/export.csv", "/models"]


def test_logged_out_visitor_is_sent_to_login(client, ids):
    for url in page_urls(ids):
        r = client.get(url, follow_redirects=False)
        assert r.status_code == 303, url
        assert r.headers["location"] == f"/login?next={url}"
    page = client.get(f"/classes/{ids['mine']}")  # following the redirect shows the form
    assert page.url.path == "/login"
    assert 'name="password"' in page.text


def test_login_returns_to_the_page_asked_for(client, ids):
    target = f"/classes/{ids['mine']}"
    r = login(client, TEACHER, next_url=target)
    assert r.status_code == 303 and r.headers["location"] == target
    assert client.get(target).status_code == 200


def test_login_never_redirects_off_site(client):
    for evil in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        r = login(client, TEACHER, next_url=evil)
        assert r.status_code == 303 and r.headers["location"] == "/", evil


def test_wrong_password_and_student_accounts_are_refused(client):
    r = login(client, TEACHER, password="wrong")
    assert r.status_code == 401
    assert "Wrong username or password" in r.text
    r = login(client, "student01@demo")
    assert r.status_code == 403
    assert "student account" in r.text
    assert client.get("/", follow_redirects=False).status_code == 303  # still logged out


def test_teacher_cannot_open_another_teachers_class(client, ids):
    assert login(client, OTHER_TEACHER).status_code == 303
    c, s = ids["mine"], ids["student"]
    for url in (f"/classes/{c}", f"/classes/{c}/students/{s}", f"/classes/{c}/export.csv"):
        r = client.get(url)
        assert r.status_code == 403, url
        assert "Not your class" in r.text
    token = csrf_of(client.get("/").text)
    r = client.post(
        f"/classes/{c}/assignments",
        data={"puppet": "dog", "due": "2099-01-01", "csrf_token": token},
    )
    assert r.status_code == 403
    # and their own class still works
    assert client.get(f"/classes/{ids['other']}").status_code == 200


def test_student_of_another_class_is_not_shown_through_my_class(client, ids):
    login(client, TEACHER)
    r = client.get(f"/classes/{ids['mine']}/students/{ids['other_student']}")
    assert r.status_code == 404


def test_maintainer_sees_models_but_not_teacher_pages(client, ids):
    login(client, MAINTAINER)
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/models"
    assert client.get("/models").status_code == 200
    assert client.get(f"/classes/{ids['mine']}").status_code == 403


def test_teacher_cannot_open_models_page(client):
    login(client, TEACHER)
    r = client.get("/models")
    assert r.status_code == 403
    assert "maintainers" in r.text


def test_logout_revokes_the_session_server_side(client, demo_settings):
    login(client, TEACHER)
    stolen = dict(client.cookies)
    assert demo_settings.session_cookie in stolen
    token = csrf_of(client.get("/").text)
    r = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert client.get("/", follow_redirects=False).status_code == 303
    # Replaying the old cookie after logout does not bring the session back.
    for name, value in stolen.items():
        client.cookies.set(name, value, domain="testserver.local")
    assert client.get("/", follow_redirects=False).status_code == 303


def test_pages_carry_security_headers_and_secure_cookies(client):
    r = login(client, TEACHER)
    cookies = r.headers.get_list("set-cookie")
    assert cookies and all("httponly" in c.lower() for c in cookies)
    assert all("samesite=lax" in c.lower() and "secure" in c.lower() for c in cookies)
    page = client.get("/")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert page.headers["x-content-type-options"] == "nosniff"


def test_repeated_wrong_passwords_are_throttled(client, demo_settings):
    username = "guess-me@demo"
    statuses = [
        login(client, username, password=f"wrong-{i}").status_code
        for i in range(demo_settings.login_max_failures + 1)
    ]
    assert statuses[:-1] == [401] * demo_settings.login_max_failures
    assert statuses[-1] == 429
    r = login(client, username, password="wrong-again")
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    assert "Too many failed logins" in r.text


def test_session_cookie_reads_the_api_but_cannot_change_it(client):
    """The API has no CSRF tokens, so a cookie (which cross-site posts carry) must not write."""
    assert login(client, TEACHER).status_code == 303
    assert client.get("/api/v1/me").json()["username"] == TEACHER
    created = client.post("/api/v1/classes", json={"name": "forged by another site"})
    assert created.status_code == 401
    assert "forged by another site" not in client.get("/api/v1/classes").text
    assert client.post("/api/v1/auth/logout").status_code == 401
    assert client.get("/api/v1/me").status_code == 200  # the session survived the forged logout
