"""Every template renders in both locales; the HTML is saved for a person to look at."""

from __future__ import annotations

from pathlib import Path

import pytest
from forum_notifications.domain import Template
from forum_notifications.samples import inline_images, sample_email
from forum_notifications.use_cases import Mailer

ARTEFACTS = Path(__file__).resolve().parents[3] / "artifacts" / "emails"


@pytest.mark.parametrize("template", [t.value for t in Template])
@pytest.mark.parametrize("locale", ["ru", "en"])
def test_every_template_renders_in_both_locales(mailer: Mailer, template: str, locale: str) -> None:
    email = sample_email(template, locale, mailer)
    assert email.subject and "{{" not in email.subject and "\n" not in email.subject
    assert "{{" not in email.text and "{%" not in email.html
    assert ("Здравствуйте" if locale == "ru" else "Dear") in email.text
    assert f'<html lang="{locale}">' in email.html
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    (ARTEFACTS / f"{template}.{locale}.html").write_text(inline_images(email))
    (ARTEFACTS / f"{template}.{locale}.txt").write_text(f"{email.subject}\n\n{email.text}")


@pytest.mark.parametrize("template", ["confirmation", "approved", "promoted"])
def test_admission_emails_carry_badge_and_calendar(mailer: Mailer, template: str) -> None:
    email = sample_email(template, "ru", mailer)
    kinds = sorted(a.content_type for a in email.attachments)
    assert kinds == ["image/png", "text/calendar"]
    badge = next(a for a in email.attachments if a.cid)
    assert badge.data.startswith(b"\x89PNG") and f"cid:{badge.cid}" in email.html
    ics = next(a for a in email.attachments if a.content_type == "text/calendar").data.decode()
    assert "DTSTART;VALUE=DATE:20261210" in ics and "DTEND;VALUE=DATE:20261213" in ics
    assert ics.count("BEGIN:VEVENT") == 3  # the forum and two agenda sessions
    assert "Энергетика будущего" in email.text and "Умные сети" in email.text


@pytest.mark.parametrize("template", ["pending_approval", "waitlisted", "rejected", "cancelled"])
def test_no_badge_without_a_place(mailer: Mailer, template: str) -> None:
    email = sample_email(template, "en", mailer)
    assert email.attachments == () and "cid:" not in email.html


def test_session_promotion_names_only_the_promoted_session(mailer: Mailer) -> None:
    email = sample_email("session_promoted", "ru", mailer)
    assert "Умные сети" in email.text and "Энергетика будущего" not in email.text
