"""Debian's Chromium, driven by Playwright, against the real server seeded by the CLI.

Never downloads a browser: `executable_path=/usr/bin/chromium`. Screenshots at phone (390x844)
and laptop (1366x900) widths go to test-artifacts/dashboard/, and a couple to docs/img/ for the
README.
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from ombro_contract.labels import PUPPETS
from ombro_contract.paths import REPO_ROOT
from server.seed import (
    DEMO_PASSWORD,
    MAINTAINER,
    OTHER_TEACHER,
    STUDENT_NAMES,
    TEACHER,
)

from .conftest import HOSTILE_NAME, hostile_attempts

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update"]
VIEWPORTS = {"phone": (390, 844), "laptop": (1366, 900)}
DOCS_IMG = REPO_ROOT / "docs" / "img"


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (apt install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def hostile_class(live_server) -> str:
    """The path of a class of teacher@demo holding a student who joined as `<script>...`.

    Made through the API exactly as it happens for real (the teacher creates a class, the student
    types the name when joining and syncs practice), in a class of its own so the demo class, and
    the screenshots of it in the docs, keep the plausible demo roster.
    """
    teacher = httpx.post(live_server + "/api/v1/auth/token", timeout=30,
                         data={"username": TEACHER, "password": DEMO_PASSWORD}).json()["access_token"]
    klass = httpx.post(live_server + "/api/v1/classes", json={"name": "Escaping check"}, timeout=30,
                       headers={"Authorization": f"Bearer {teacher}"})
    assert klass.status_code == 201, klass.text
    joined = httpx.post(live_server + "/api/v1/auth/join", timeout=30, json={
        "join_code": klass.json()["join_code"], "username": f"hostile-{uuid.uuid4().hex[:6]}",
        "password": DEMO_PASSWORD, "display_name": HOSTILE_NAME})
    assert joined.status_code == 201, joined.text
    synced = httpx.post(
        live_server + "/api/v1/attempts", timeout=30,
        json={"attempts": [{**asdict(a), "device_time": a.device_time.isoformat()}
                           for a in hostile_attempts()]},
        headers={"Authorization": f"Bearer {joined.json()['access_token']}"})
    assert synced.status_code == 200 and len(synced.json()["accepted"]) == 6, synced.text
    return f"/classes/{klass.json()['id']}"


def _log_in(page, base: str, path: str, username: str) -> None:
    page.goto(base + path)
    assert page.url.startswith(base + "/login?next=")  # logged out: sent to the login page
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.press("input[name=password]", "Enter")  # keyboard submit
    page.wait_for_url(base + path)


@pytest.mark.parametrize("form", list(VIEWPORTS))
def test_teacher_journey(browser, live_server, artifacts_dir, tmp_path, form):
    width, height = VIEWPORTS[form]
    context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        _log_in(page, live_server, "/", TEACHER)
        page.get_by_role("link", name="Shadow Club 4B").click()
        page.wait_for_url("**/classes/*")
        class_url = page.url

        heatmap = page.locator("table.heatmap")
        heatmap.wait_for()
        assert heatmap.locator("tbody tr").count() == len(STUDENT_NAMES)
        assert heatmap.locator("tbody tr").first.locator("td.cell").count() == len(PUPPETS)
        assert page.locator("#help-title").is_visible()
        # The page never scrolls sideways: only the heat map's own box does.
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"page is {overflow}px wider than a {width}px screen"

        assert dialogs == []
        page.screenshot(path=artifacts_dir / f"class-{form}.png", full_page=True)

        page.goto(class_url)
        page.get_by_role("link", name="Amara Okafor").click()
        page.wait_for_url("**/students/*")
        assert page.locator("svg#attempts-chart rect").count() > 0
        assert page.locator("#best-confidence tbody tr").count() == len(PUPPETS)
        assert page.locator("#recent-attempts tbody tr").count() > 0
        page.screenshot(path=artifacts_dir / f"student-{form}.png", full_page=True)
        if form == "phone":
            DOCS_IMG.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=DOCS_IMG / "dashboard-student-phone.png")

        page.goto(class_url)
        with page.expect_download() as info:
            page.get_by_role("link", name="Download CSV").click()
        download = info.value
        target = tmp_path / download.suggested_filename
        download.save_as(target)
        rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
        assert len(rows) == len(STUDENT_NAMES) * len(PUPPETS)
        assert {r["student"] for r in rows} == set(STUDENT_NAMES)
        assert {r["puppet"] for r in rows} == set(PUPPETS)
        assert all(0.0 <= float(r["mastery"]) <= 1.0 for r in rows)

        if form == "laptop":
            DOCS_IMG.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=DOCS_IMG / "dashboard-class-laptop.png")
    finally:
        context.close()


@pytest.mark.parametrize("form", list(VIEWPORTS))
def test_hostile_name_is_plain_text_and_reachable_by_keyboard(browser, live_server, hostile_class,
                                                              artifacts_dir, form):
    width, height = VIEWPORTS[form]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        _log_in(page, live_server, hostile_class, TEACHER)
        # A hostile name is plain text: shown literally, no script ran, no dialog opened.
        link = page.get_by_role("link", name=HOSTILE_NAME, exact=True)
        assert link.count() == 1 and link.inner_text() == HOSTILE_NAME
        assert dialogs == []
        page.screenshot(path=artifacts_dir / f"hostile-class-{form}.png", full_page=True)

        # Keyboard only: Tab from the top reaches the student's link, Enter opens it.
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Skip to content"
        for _ in range(40):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.textContent") == HOSTILE_NAME:
                break
        else:
            pytest.fail("the student's link cannot be reached with Tab")
        page.keyboard.press("Enter")
        page.wait_for_url("**/students/*")
        assert page.locator("h1").inner_text() == HOSTILE_NAME
        assert page.locator("svg#attempts-chart rect").count() > 0
        assert dialogs == []
    finally:
        context.close()


def test_synced_shape_match_and_the_part_kept_missing_reach_the_student_page(
        browser, live_server, artifacts_dir):
    """A student syncs through the API as the app does (some attempts from an older app without
    shape fields); the teacher's student page shows the best shape match and the part missing."""
    teacher = httpx.post(live_server + "/api/v1/auth/token", timeout=30,
                         data={"username": TEACHER, "password": DEMO_PASSWORD}).json()["access_token"]
    klass = httpx.post(live_server + "/api/v1/classes", json={"name": "Shape check"}, timeout=30,
                       headers={"Authorization": f"Bearer {teacher}"}).json()
    name = "Noor Haddad"
    joined = httpx.post(live_server + "/api/v1/auth/join", timeout=30, json={
        "join_code": klass["join_code"], "username": f"noor-{uuid.uuid4().hex[:6]}",
        "password": DEMO_PASSWORD, "display_name": name}).json()
    now = datetime.now(UTC)

    def tried(puppet, passed, hours_ago, **shape):
        return {"id": str(uuid.uuid4()), "puppet": puppet, "predicted": puppet, "passed": passed,
                "confidence": 0.8 if passed else 0.4, "hold_seconds": 2.0 if passed else 0.6,
                "model_version": "mobilenet_v2-test",
                "device_time": (now - timedelta(hours=hours_ago)).isoformat(), **shape}

    attempts = [tried("dog", True, 30), tried("dog", False, 29)]  # the old app: no shape fields
    attempts += [tried("rabbit", False, 5 - i, shape_match=0.5 + i / 20, hint=hint)
                 for i, hint in enumerate(["ears", "head", "ears", "ears"])]
    attempts.append(tried("rabbit", True, 0.5, shape_match=0.93))
    synced = httpx.post(live_server + "/api/v1/attempts", json={"attempts": attempts}, timeout=30,
                        headers={"Authorization": f"Bearer {joined['access_token']}"})
    assert synced.status_code == 200 and len(synced.json()["accepted"]) == len(attempts)

    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    try:
        _log_in(page, live_server, f"/classes/{klass['id']}", TEACHER)
        page.get_by_role("link", name=name).click()
        page.wait_for_url("**/students/*")
        rabbit = page.locator('#best-confidence tr[data-puppet="rabbit"]')
        assert rabbit.locator("td.shape-match").inner_text().strip().endswith("93%")
        assert rabbit.locator("td.keeps-missing").inner_text().split() == ["ears", "3/4"]
        dog = page.locator('#best-confidence tr[data-puppet="dog"]')
        assert dog.locator("td.shape-match").inner_text().strip() == "\u2013"  # the old app
        summary = page.locator("#keeps-missing")
        assert summary.is_visible()
        assert "the ears of the rabbit (3 of the last 4 failed tries)" in summary.inner_text()
        page.screenshot(path=artifacts_dir / "student-shape-laptop.png", full_page=True)
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=DOCS_IMG / "dashboard-student-shape.png", full_page=True)
    finally:
        context.close()


def test_other_teacher_gets_403_and_logout_locks_pages(browser, live_server, artifacts_dir):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        _log_in(page, live_server, "/", OTHER_TEACHER)
        # The CLI seed on a fresh database creates the demo class (teacher@demo's) first.
        response = page.goto(live_server + "/classes/1")
        assert response.status == 403
        assert page.locator("h1").inner_text() == "Not your class"
        page.screenshot(path=artifacts_dir / "forbidden-phone.png")
        page.get_by_role("button", name="Log out").click()
        page.wait_for_url(live_server + "/login")
        page.goto(live_server + "/")
        assert page.url.startswith(live_server + "/login")
    finally:
        context.close()


def test_maintainer_promotes_and_rolls_back(browser, live_server, artifacts_dir, tmp_path):
    import httpx

    from ombro_contract.card import card_path_for
    from tests.model_factory import make_tiny_model

    token = httpx.post(
        live_server + "/api/v1/auth/token",
        data={"username": MAINTAINER, "password": DEMO_PASSWORD},
    ).json()["access_token"]
    for i, version in enumerate(("browser-tiny-1", "browser-tiny-2")):
        path = tmp_path / f"{version}.onnx"
        make_tiny_model(path, version=version, seed=i)
        r = httpx.post(
            live_server + "/api/v1/models",
            headers={"Authorization": f"Bearer {token}"},
            files={"file": (path.name, path.read_bytes()),
                   "card": ("card.json", card_path_for(path).read_bytes())},
            timeout=60,
        )
        assert r.status_code == 201, r.text

    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.on("dialog", lambda d: d.accept())  # the confirm() before promote / roll back
    try:
        _log_in(page, live_server, "/models", MAINTAINER)
        for version in ("browser-tiny-1", "browser-tiny-2"):
            row = page.locator("#versions tbody tr", has_text=version)
            row.locator("select[name=channel]").select_option("beta")
            row.get_by_role("button", name="Promote").click()
            page.wait_for_load_state()
            assert f"{version} is now live on beta" in page.locator(".flash.ok").inner_text()
        beta = page.locator("#channels tbody tr", has_text="beta")
        assert "browser-tiny-2" in beta.inner_text()
        page.screenshot(path=artifacts_dir / "models-laptop.png", full_page=True)
        beta.get_by_role("button", name="Roll back").click()
        page.wait_for_load_state()
        assert "back on browser-tiny-1" in page.locator(".flash.ok").inner_text()
        assert "browser-tiny-1" in page.locator("#channels tbody tr", has_text="beta").inner_text()
    finally:
        context.close()
