"""The attendee pages in a real browser (Debian's Chromium driven by Playwright) against a
`forum dev` process: programme, registration form, confirmation email, personal page.

Screenshots of every page at desktop (1280 px) and phone (390 px) widths are written to
`artifacts/screenshots/` for people to look at.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.pages.conftest import SCREENSHOTS
from tests.support.processes import ServiceProcess

pytestmark = pytest.mark.integration

FORUM = "promenergovolga-2022"
ADMIN = {"Authorization": "Bearer dev-admin-token"}
WIDTHS = {"desktop": 1280, "phone": 390}


def poll(check: Callable[[], Any], what: str, within_s: float = 15.0) -> Any:
    deadline = time.monotonic() + within_s
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@pytest.fixture(scope="module")
def site(dev_server: ServiceProcess) -> ServiceProcess:
    """The dev platform once registration has the demo forum and its sessions."""

    def seats_known() -> bool:
        answer = httpx.get(f"{dev_server.url}/v1/forums/{FORUM}/seats", timeout=5)
        return answer.status_code == 200 and len(answer.json()["sessions"]) >= 20

    poll(seats_known, "the session replica in registration")
    return dev_server


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource")
            else None
        ),
    )
    yield tab
    context.close()
    assert not errors, f"browser errors (CSP violations, scripts): {errors}"


def shoot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def session_ids(site: ServiceProcess) -> dict[str, dict[str, Any]]:
    programme = httpx.get(f"{site.url}/v1/forums/{FORUM}/programme", timeout=5).json()
    return {s["title"]["ru"]: s for day in programme["days"] for s in day["sessions"]}


def test_an_invalid_form_shows_the_apis_field_errors_next_to_the_fields(
    site: ServiceProcess, page: Any
) -> None:
    before = httpx.get(f"{site.url}/v1/forums/{FORUM}/availability").json()["places_left"]
    page.goto(f"{site.url}/forums/{FORUM}/register")
    assert page.locator("html").get_attribute("lang") == "ru"
    # Keyboard only: Tab to the name field, type, Tab on, submit with Enter.
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "f-full_name":
            break
    assert page.evaluate("document.activeElement.id") == "f-full_name"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "f-email"
    page.keyboard.type("не-адрес")
    page.keyboard.press("Enter")

    summary = page.locator("#summary")
    summary.wait_for(state="visible")
    assert page.evaluate("document.activeElement.id") == "summary"
    name_error = page.locator('[data-field="full_name"] .error')
    assert name_error.is_visible()
    assert "обязательное поле" in name_error.inner_text()
    assert page.locator("#f-full_name").get_attribute("aria-invalid") == "true"
    assert "адрес" in page.locator('[data-field="email"] .error').inner_text()
    consent_error = page.locator('[data-field="consents.personal_data"] .error')
    assert "152-ФЗ" in consent_error.inner_text()
    assert "обязательное поле" in page.locator('[data-field="region"] .error').inner_text()
    shoot(page, "register-errors")
    after = httpx.get(f"{site.url}/v1/forums/{FORUM}/availability").json()["places_left"]
    assert after == before


def test_register_read_the_email_open_the_link_change_the_agenda_and_cancel(
    site: ServiceProcess, page: Any
) -> None:
    sessions = session_ids(site)
    seminar = sessions["Семинар «Защита интеллектуальной собственности»"]
    panel = next(s for title, s in sessions.items() if "Цифровизация промышленности" in title)
    email = f"ivanova-{uuid.uuid4().hex[:8]}@example.ru"

    # The programme: seats left come from registration; a session links to the form.
    response = page.goto(f"{site.url}/forums/{FORUM}/programme")
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    seats = page.locator(f'[data-seats="{seminar["id"]}"]')
    poll(lambda: "свободно мест: 60" in seats.inner_text(), "seats left on the programme")
    shoot(page, "programme")
    page.locator(f"#session-{seminar['id']} a", has_text="Записаться").click()
    page.wait_for_url(re.compile(r"/register\?session="))
    assert page.locator(f"#s-{seminar['id']}").is_checked()

    # The form, filled in and double-clicked: one registration, one email.
    page.fill("#f-full_name", "Иванова Мария Сергеевна")
    page.fill("#f-email", email)
    page.fill("#f-phone", "+7 902 123-45-67")
    page.fill("#f-organization", "АО «Волгоградский завод»")
    page.fill("#f-position", "Главный инженер")
    page.fill("#f-region", "Волгоградская обл.")
    page.check("#f-consents-personal_data")
    page.check("#f-consents-news")
    shoot(page, "register")
    page.locator("#submit").dblclick()
    page.wait_for_url(re.compile(r"/registered/"))
    assert "Участие подтверждено" in page.locator(".status").inner_text()
    assert email in page.locator(".steps").inner_text()
    assert page.context.request.get(page.url).headers["referrer-policy"] == "no-referrer"
    shoot(page, "registered")

    # The confirmation email in the dev mailbox holds the manage link.
    def mail_listed() -> bool:
        page.goto(f"{site.url}/dev/mail")
        return page.locator("td", has_text=email).count() > 0

    poll(mail_listed, "the confirmation email in /dev/mail")
    found = httpx.get(
        f"{site.url}/v1/forums/{FORUM}/registrations", params={"q": email}, headers=ADMIN
    ).json()
    assert found["total"] == 1, "a double click registered twice"
    assert page.locator("td", has_text=email).count() == 1
    page.locator("tr", has_text=email).locator("a").first.click()
    text = page.locator("pre").inner_text()
    link = re.search(r"http://\S+/manage/[0-9a-f-]+\?token=[\w-]+", text)
    assert link, text
    response = page.goto(link.group(0))
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "Иванова Мария Сергеевна" in page.locator("h1").inner_text()
    assert page.locator(".qr svg").count() == 1
    agenda = page.locator(".agenda")
    assert "Защита интеллектуальной собственности" in agenda.inner_text()
    assert page.locator(".agenda-item.changed").count() == 0
    shoot(page, "manage")

    # The organiser moves the seminar by an hour: the next visit highlights it.
    moved = _move_session(site, seminar)
    poll(lambda: _replica_moved(site, seminar["id"], moved), "the move to reach registration")
    page.reload()
    changed = page.locator(".agenda-item.changed")
    assert changed.count() == 1
    assert "Изменилось с вашего прошлого визита" in changed.inner_text()
    assert "время: было" in changed.inner_text()
    shoot(page, "manage-changes")
    page.reload()
    assert page.locator(".agenda-item.changed").count() == 0, "shown once, then seen"

    # Change the agenda (folded until opened): the dialog asks first; "no" changes nothing.
    page.locator("#edit-agenda summary").click()
    page.uncheck(f"#s-{seminar['id']}")
    page.check(f"#s-{panel['id']}")
    page.locator("#agenda-form button[type=submit]").click()
    dialog = page.locator("#confirm-dialog")
    dialog.wait_for(state="visible")
    shoot(page, "manage-confirm")
    page.click("#confirm-no")
    assert "Защита интеллектуальной собственности" in agenda.inner_text()
    page.locator("#agenda-form button[type=submit]").click()
    page.click("#confirm-yes")
    page.wait_for_url(re.compile(r"notice=agenda"))
    assert "Программа сохранена" in page.locator(".banner-ok").inner_text()
    assert "Цифровизация промышленности" in page.locator(".agenda").inner_text()
    assert "Защита интеллектуальной собственности" not in page.locator(".agenda").inner_text()

    # Cancel, confirmed in the dialog.
    page.click("#cancel-button")
    page.click("#confirm-yes")
    page.wait_for_url(re.compile(r"notice=cancel"))
    assert "Регистрация отменена" in page.locator(".status").inner_text()
    assert "Участие отменено" in page.locator(".banner-ok").inner_text()
    assert page.locator(".qr svg").count() == 0
    shoot(page, "manage-cancelled")
    page.goto(f"{site.url}/forums/{FORUM}/programme?lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Forum programme"


def _move_session(site: ServiceProcess, session: dict[str, Any]) -> str:
    base = f"{site.url}/v1/forums/{FORUM}"
    starts = datetime.fromisoformat(session["starts_at"]) + timedelta(hours=1)
    ends = datetime.fromisoformat(session["ends_at"]) + timedelta(hours=1)
    current = httpx.get(f"{base}/sessions/{session['id']}", headers=ADMIN).json()
    answer = httpx.patch(
        f"{base}/sessions/{session['id']}",
        headers=ADMIN,
        json={
            "version": current["version"],
            "starts_at": starts.isoformat(),
            "ends_at": ends.isoformat(),
        },
    )
    assert answer.status_code == 200, answer.text
    release = httpx.post(
        f"{base}/releases", headers=ADMIN, json={"force": True, "reason": "browser test"}
    )
    assert release.status_code == 201, release.text
    return starts.isoformat()


def _replica_moved(site: ServiceProcess, session_id: str, starts_at: str) -> bool:
    programme = httpx.get(f"{site.url}/v1/forums/{FORUM}/programme").json()
    published = any(
        s["id"] == session_id and s["starts_at"] == starts_at
        for day in programme["days"]
        for s in day["sessions"]
    )
    seats = httpx.get(f"{site.url}/v1/forums/{FORUM}/seats").json()["sessions"]
    moved = datetime.fromisoformat(starts_at)
    return published and any(
        s["session_id"] == session_id and datetime.fromisoformat(s["starts_at"]) == moved
        for s in seats
    )
