"""Templates render in both locales, escape HTML, and refuse to render half an email."""

from __future__ import annotations

from datetime import date

import pytest
from forum_notifications.composing import registration_context
from forum_notifications.rendering import Renderer, RenderError, date_range
from forum_shared.messaging.consumer import PermanentError

from tests.notifications.factories import attendee_view, forum_view

LINK = "http://forum.test/manage/x?token=abc&gen=1"


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


def test_confirmation_in_russian(renderer: Renderer) -> None:
    attendee = attendee_view()
    email = renderer.render(
        "confirmation", "ru", registration_context(forum_view(), attendee, manage_url=LINK)
    )
    assert email.subject == "Регистрация подтверждена: ПромЭнергоVolga 2026"
    for part in (email.text, email.html):
        assert "Иванова Мария Петровна" in part
        assert "10–12 декабря 2026\u202fг." in part
        assert "ВолгоградЭкспо" in part
    assert LINK in email.text
    assert 'href="http://forum.test/manage/x?token=abc&amp;gen=1"' in email.html
    assert '<html lang="ru">' in email.html


def test_confirmation_in_english(renderer: Renderer) -> None:
    attendee = attendee_view(locale="en", full_name="Maria Ivanova")
    email = renderer.render(
        "confirmation", "en", registration_context(forum_view(), attendee, manage_url=LINK)
    )
    assert email.subject == "Registration confirmed: PromEnergoVolga 2026"
    assert "December 10–12, 2026" in email.text
    assert "VolgogradExpo" in email.html
    assert "delegate" in email.text


@pytest.mark.parametrize("template", ["confirmation", "pending_approval", "waitlisted"])
@pytest.mark.parametrize("locale", ["ru", "en"])
def test_every_registration_template_renders(
    renderer: Renderer, template: str, locale: str
) -> None:
    context = registration_context(forum_view(), attendee_view(locale=locale), manage_url=LINK)
    email = renderer.render(template, locale, context)
    assert email.subject and "\n" not in email.subject
    assert LINK in email.text
    assert "</html>" in email.html


def test_html_part_escapes_a_hostile_name(renderer: Renderer) -> None:
    hostile = '<script>alert("x")</script>'
    context = registration_context(forum_view(), attendee_view(full_name=hostile), manage_url=LINK)
    email = renderer.render("confirmation", "ru", context)
    assert "<script>" not in email.html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in email.html
    assert hostile in email.text  # plain text is not HTML: shown as typed


def test_missing_variable_is_a_permanent_error(renderer: Renderer) -> None:
    context = registration_context(forum_view(), attendee_view(), manage_url=LINK)
    del context["manage_url"]
    with pytest.raises(RenderError) as raised:
        renderer.render("confirmation", "ru", context)
    assert isinstance(raised.value, PermanentError)
    assert "manage_url" in str(raised.value)


def test_unknown_template_is_a_permanent_error(renderer: Renderer) -> None:
    with pytest.raises(PermanentError):
        renderer.render("no_such_template", "ru", {})


def test_unknown_locale_falls_back_to_russian(renderer: Renderer) -> None:
    context = registration_context(forum_view(), attendee_view(), manage_url=LINK)
    assert renderer.render("confirmation", "de", context).subject.startswith("Регистрация")


@pytest.mark.parametrize(
    ("start", "end", "locale", "expected"),
    [
        (date(2026, 12, 10), date(2026, 12, 10), "ru", "10 декабря 2026\u202fг."),
        (date(2026, 12, 10), date(2026, 12, 12), "ru", "10–12 декабря 2026\u202fг."),
        (date(2026, 11, 30), date(2026, 12, 2), "ru", "30 ноября — 2 декабря 2026\u202fг."),
        (date(2026, 12, 10), date(2026, 12, 12), "en", "December 10–12, 2026"),
        (date(2026, 12, 31), date(2027, 1, 2), "en", "December 31, 2026 — January 2, 2027"),
    ],
)
def test_date_ranges_read_naturally(start: date, end: date, locale: str, expected: str) -> None:
    assert date_range(start, end, locale) == expected
