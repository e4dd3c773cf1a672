# ruff: noqa: E501 - message tables read better one entry per line
"""Words of the programme page in Russian and English; times in the forum's time zone."""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date
from fastapi import Request

LOCALES = ("ru", "en")

MESSAGES: dict[str, tuple[str, str]] = {
    "skip": ("Перейти к содержанию", "Skip to content"),
    "switch_lang": ("English", "Русский"),
    "programme": ("Программа", "Programme"),
    "register": ("Регистрация", "Registration"),
    "programme_title": ("Программа форума", "Forum programme"),
    "release": ("Версия программы {v} от {when}", "Programme version {v} of {when}"),
    "times_note": (
        "Время указано по часовому поясу форума ({zone}).",
        "Times are in the forum's time zone ({zone}).",
    ),
    "add_all": ("Вся программа в календарь (.ics)", "Whole programme to your calendar (.ics)"),
    "add_one": ("Добавить в календарь", "Add to calendar"),
    "sign_up": ("Записаться", "Sign up"),
    "days": ("Дни форума", "Forum days"),
    "filters": ("Фильтр", "Filter"),
    "hall": ("Зал", "Hall"),
    "type": ("Формат", "Format"),
    "track": ("Тема", "Topic"),
    "any": ("Все", "All"),
    "apply": ("Показать", "Show"),
    "reset": ("Сбросить", "Reset"),
    "speakers": ("Спикеры", "Speakers"),
    "moderators": ("Модераторы", "Moderators"),
    "capacity": ("мест в зале: {n}", "seats: {n}"),
    "seats_left": ("свободно мест: {n}", "seats left: {n}"),
    "seats_none": ("мест нет — лист ожидания", "full — waiting list"),
    "cancelled": ("Отменено", "Cancelled"),
    "nothing": ("По выбранным условиям мероприятий нет.", "No sessions match the filter."),
    "not_found_title": ("Программа не найдена", "Programme not found"),
    "not_found_lead": (
        "Форума с таким адресом нет или его программа ещё не опубликована.",
        "There is no such forum, or its programme is not published yet.",
    ),
    "footer": ("Программа форума", "Forum programme"),
    "contact": ("Вопросы", "Questions"),
    "register_cta": ("Зарегистрироваться на форум", "Register for the forum"),
}

TYPE_NAMES: dict[str, tuple[str, str]] = {
    "plenary": ("Пленарное заседание", "Plenary"),
    "committee_meeting": ("Совещание", "Committee meeting"),
    "conference": ("Конференция", "Conference"),
    "panel": ("Панельная сессия", "Panel"),
    "round_table": ("Круглый стол", "Round table"),
    "seminar": ("Семинар", "Seminar"),
    "ceremony": ("Церемония", "Ceremony"),
    "exhibition": ("Выставка", "Exhibition"),
    "photo_exhibition": ("Фотовыставка", "Photo exhibition"),
}


def choose_locale(request: Request) -> str:
    wanted = request.query_params.get("lang")
    if wanted in LOCALES:
        return wanted
    for part in request.headers.get("accept-language", "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LOCALES:
            return tag
    return "ru"


def _upper_first(text: str) -> str:
    """«среда, 23 ноября» → «Среда, 23 ноября» (CSS capitalize would make it «Ноября»)."""
    return text[:1].upper() + text[1:]


class Words:
    def __init__(self, locale: str) -> None:
        self.locale = locale

    def t(self, key: str, **values: object) -> str:
        ru, en = MESSAGES.get(key, (key, key))
        text = en if self.locale == "en" else ru
        return text.format(**values) if values else text

    def text(self, localized: dict[str, str] | None) -> str:
        if not localized:
            return ""
        return (localized.get("en") if self.locale == "en" else None) or localized.get("ru", "")

    def type_name(self, kind: str) -> str:
        ru, en = TYPE_NAMES.get(kind, (kind, kind))
        return en if self.locale == "en" else ru

    def day(self, iso: str) -> str:
        return _upper_first(
            format_date(date.fromisoformat(iso), "EEEE, d MMMM", locale=self.locale)
        )

    def day_tab(self, iso: str) -> str:
        return _upper_first(format_date(date.fromisoformat(iso), "EEE, d MMM", locale=self.locale))

    def dates(self, start: str, end: str) -> str:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
        if (first.year, first.month) == (last.year, last.month) and first != last:
            return f"{first.day}–{format_date(last, 'd MMMM y', locale=self.locale)}"
        return f"{format_date(first, 'd MMMM', locale=self.locale)} – {format_date(last, 'd MMMM y', locale=self.locale)}"

    def time(self, iso: str) -> str:
        """Already in the forum's zone (the programme view converts): the wall-clock time."""
        return datetime.fromisoformat(iso).strftime("%H:%M")

    def moment(self, iso: str, zone: object) -> str:
        value = datetime.fromisoformat(iso)
        return format_date(value.astimezone(zone), "d MMMM y", locale=self.locale)  # type: ignore[arg-type]
