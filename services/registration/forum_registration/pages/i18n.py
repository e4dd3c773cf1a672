# ruff: noqa: E501 - message tables read better one entry per line
"""Words of the attendee pages in Russian and English, and dates in the forum's time zone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time
from fastapi import Request

LOCALES = ("ru", "en")

MESSAGES: dict[str, tuple[str, str]] = {
    "skip": ("Перейти к содержанию", "Skip to content"),
    "switch_lang": ("English", "Русский"),
    "programme": ("Программа", "Programme"),
    "register": ("Регистрация", "Registration"),
    "register_title": ("Регистрация участника", "Attendee registration"),
    "register_lead": (
        "Заполните форму — подтверждение и ссылка на личный кабинет придут на вашу почту.",
        "Fill in the form: a confirmation and the link to your personal page will come by email.",
    ),
    "places_left": ("Свободных мест: {n}", "Places left: {n}"),
    "forum_full": (
        "Мест на форуме нет — вы попадёте в лист ожидания и получите место, как только оно освободится.",
        "The forum is full: you will join the waiting list and get a place as soon as one frees up.",
    ),
    "registration_closed": ("Регистрация сейчас закрыта.", "Registration is closed now."),
    "required_note": ("Поля, отмеченные *, обязательны.", "Fields marked * are required."),
    "section_person": ("Участник", "Attendee"),
    "full_name": ("ФИО", "Full name"),
    "full_name_hint": ("Как на бейдже: фамилия, имя, отчество", "As on the badge"),
    "email": ("Электронная почта", "Email"),
    "email_hint": (
        "Сюда придут подтверждение и ссылка на личный кабинет",
        "The confirmation and your personal link will come here",
    ),
    "phone": ("Телефон", "Phone"),
    "phone_hint": ("Например, +7 902 123-45-67", "E.g. +7 902 123-45-67"),
    "organization": ("Организация", "Organisation"),
    "position": ("Должность", "Position"),
    "optional": ("необязательно", "optional"),
    "region": ("Регион", "Region"),
    "region_hint": (
        "Начните вводить и выберите из списка субъект РФ или страну",
        "Start typing and pick a Russian region or a country",
    ),
    "locale": ("Язык писем", "Language of emails"),
    "category": ("Категория участника", "Attendee category"),
    "cat_delegate": ("Делегат", "Delegate"),
    "cat_delegate_hint": (
        "Участник пленарного заседания, конференций и сессий",
        "Takes part in the plenary, conferences and sessions",
    ),
    "cat_speaker": ("Спикер", "Speaker"),
    "cat_speaker_hint": (
        "Выступаю в программе; заявку подтверждает организатор",
        "I speak in the programme; the organiser confirms",
    ),
    "cat_exhibitor": ("Экспонент", "Exhibitor"),
    "cat_exhibitor_hint": (
        "Представляю предприятие на выставке",
        "I represent a company at the exhibition",
    ),
    "cat_press": ("Пресса", "Press"),
    "cat_press_hint": (
        "Аккредитация СМИ; заявку подтверждает организатор",
        "Media accreditation; the organiser confirms",
    ),
    "cat_guest": ("Гость", "Guest"),
    "cat_guest_hint": (
        "Посещаю выставку и открытые мероприятия",
        "I visit the exhibition and open events",
    ),
    "cat_official": ("Официальный представитель", "Official"),
    "cat_official_hint": (
        "Органы власти и институты развития",
        "Government bodies and development institutions",
    ),
    "sessions": ("Мероприятия программы", "Programme sessions"),
    "sessions_hint": (
        "Отметьте, где хотите быть: места в залах ограничены. Если мест нет, вы встанете в лист ожидания.",
        "Tick the sessions you want to attend: seats are limited. When a session is full you join its waiting list.",
    ),
    "seats_left": ("мест: {n}", "seats: {n}"),
    "seats_none": ("мест нет — лист ожидания", "full — waiting list"),
    "no_sessions": ("Программа ещё не опубликована.", "The programme is not published yet."),
    "consents": ("Согласия", "Consents"),
    "consent_personal_data": (
        "Я даю согласие на обработку моих персональных данных",
        "I consent to the processing of my personal data",
    ),
    "consent_text_show": ("Текст согласия (152-ФЗ)", "Consent text (Federal Law 152-FZ)"),
    "consent_text": (
        "Я даю согласие организатору форума на обработку (сбор, запись, хранение, уточнение, использование, передачу операторам площадки и удаление) моих персональных данных — ФИО, адреса электронной почты, телефона, организации, должности и региона — в целях регистрации, допуска на форум, изготовления бейджа и информирования об изменениях программы в соответствии с Федеральным законом от 27.07.2006 № 152-ФЗ «О персональных данных». Согласие действует до окончания форума и 1 года после него и может быть отозвано в личном кабинете («Удалить мои данные») или письмом организатору.",
        "I consent to the forum organiser processing (collecting, recording, storing, correcting, using, passing to the venue operators and deleting) my personal data — full name, email, phone, organisation, position and region — for registration, admission to the forum, badge printing and notices of programme changes, under Russian Federal Law No. 152-FZ of 27.07.2006 'On Personal Data'. The consent lasts until one year after the forum and can be withdrawn on the personal page ('Erase my data') or by writing to the organiser.",
    ),
    "consent_label": (
        "Согласие на обработку персональных данных",
        "Consent to personal data processing",
    ),
    "consent_news": ("Хочу получать новости форума", "Send me the forum's news"),
    "consent_photo": (
        "Согласен на фото- и видеосъёмку и публикацию материалов с моим участием",
        "I agree to be photographed and filmed, and to the publication of those materials",
    ),
    "submit": ("Зарегистрироваться", "Register"),
    "sending": ("Отправляем…", "Sending…"),
    "error_summary": ("Проверьте форму", "Please check the form"),
    "network_error": (
        "Не удалось связаться с сервером. Проверьте подключение и отправьте форму ещё раз — повторная отправка не создаст вторую регистрацию.",
        "Could not reach the server. Check your connection and send the form again: a retry will not register you twice.",
    ),
    "lost_link": ("Уже регистрировались?", "Already registered?"),
    "lost_link_lead": (
        "Укажите адрес, и мы пришлём новую ссылку на личный кабинет. Старые ссылки перестанут работать.",
        "Enter your address and we will send a new link to your personal page. Old links stop working.",
    ),
    "send_link": ("Прислать ссылку", "Send the link"),
    "link_sent": (
        "Если этот адрес зарегистрирован, на него отправлена новая ссылка.",
        "If this address is registered, a new link is on its way.",
    ),
    "registered_title": ("Заявка принята", "Registration received"),
    "thanks": ("Спасибо, {name}!", "Thank you, {name}!"),
    "status": ("Статус", "Status"),
    "status_confirmed": ("Участие подтверждено", "Confirmed"),
    "status_pending_approval": (
        "Ожидает подтверждения организатором",
        "Awaiting the organiser's approval",
    ),
    "status_waitlisted": ("Лист ожидания", "Waiting list"),
    "status_cancelled": ("Регистрация отменена", "Cancelled"),
    "status_rejected": ("Заявка отклонена", "Declined"),
    "next_title": ("Что дальше", "What happens next"),
    "next_email": (
        "На адрес {email} придёт письмо с подтверждением и ссылкой на личный кабинет. Если письма нет через 10 минут, проверьте папку «Спам».",
        "A confirmation with the link to your personal page is on its way to {email}. If it has not arrived in 10 minutes, look in your spam folder.",
    ),
    "next_confirmed": (
        "Покажите QR-код бейджа из письма или личного кабинета на входе — бейдж напечатают на стойке регистрации.",
        "Show the badge QR code from the email or your personal page at the entrance: your badge is printed at the desk.",
    ),
    "next_pending_approval": (
        "Организатор рассмотрит заявку, обычно в течение двух рабочих дней, и сообщит решение письмом.",
        "The organiser reviews the application, usually within two working days, and emails the decision.",
    ),
    "next_waitlisted": (
        "Как только место освободится, оно достанется первому в листе ожидания — мы сообщим письмом.",
        "As soon as a place frees up, the first on the waiting list gets it; we will email you.",
    ),
    "next_changes": (
        "Если в программе что-то изменится, мы напишем — только о тех мероприятиях, которые вы выбрали.",
        "If the programme changes, we will write — only about the sessions you chose.",
    ),
    "open_manage": ("Открыть личный кабинет", "Open my personal page"),
    "keep_link": (
        "Сохраните ссылку на личный кабинет: по ней можно изменить программу или отменить участие. Никому её не передавайте.",
        "Keep the link to your personal page: with it you can change your sessions or cancel. Do not share it.",
    ),
    "manage_title": ("Личный кабинет участника", "My registration"),
    "badge": ("Бейдж", "Badge"),
    "badge_hint": ("Покажите этот код на входе", "Show this code at the entrance"),
    "badge_none": (
        "QR-код бейджа появится, когда участие будет подтверждено.",
        "The badge QR code appears once your participation is confirmed.",
    ),
    "checked_in": ("Вы прошли регистрацию на площадке {when}", "Checked in on site {when}"),
    "my_data": ("Мои данные", "My details"),
    "agenda": ("Моя программа", "My programme"),
    "agenda_empty": ("Вы пока не выбрали мероприятия.", "You have not chosen any sessions yet."),
    "seat_confirmed": ("место за вами", "seat reserved"),
    "seat_waitlisted": ("лист ожидания", "waiting list"),
    "changed_since": ("Изменилось с вашего прошлого визита", "Changed since your last visit"),
    "changes_count": (
        "С вашего прошлого визита изменилось: {n}",
        "Changes since your last visit: {n}",
    ),
    "change_time": ("время: было {old}", "time: was {old}"),
    "change_hall": ("зал: был «{old}»", "hall: was '{old}'"),
    "change_title": ("название изменено", "title changed"),
    "change_seat": (
        "место подтверждено — вы вышли из листа ожидания",
        "seat confirmed: you are off the waiting list",
    ),
    "change_seat_lost": ("вы в листе ожидания", "you are on the waiting list"),
    "change_cancelled": (
        "мероприятие отменено и убрано из вашей программы",
        "session cancelled and removed from your programme",
    ),
    "edit_agenda": ("Изменить программу", "Change my sessions"),
    "save_agenda": ("Сохранить программу", "Save my sessions"),
    "confirm_agenda": (
        "Сохранить новую программу? Места в отменённых мероприятиях перейдут другим участникам.",
        "Save the new selection? Seats you give up go to other attendees.",
    ),
    "cancel_title": ("Отменить участие", "Cancel my registration"),
    "cancel_lead": (
        "Ваше место и места в залах перейдут участникам из листа ожидания. Позже можно зарегистрироваться снова, если останутся места.",
        "Your place and seats go to people on the waiting lists. You can register again later if places remain.",
    ),
    "cancel_button": ("Отменить участие", "Cancel registration"),
    "confirm_cancel": (
        "Отменить участие в форуме? Это действие нельзя отменить.",
        "Cancel your registration? This cannot be undone.",
    ),
    "erase_title": ("Удалить мои данные", "Erase my data"),
    "erase_lead": (
        "Мы удалим ФИО, адрес, телефон, организацию и должность (отзыв согласия по 152-ФЗ). Регистрация будет отменена, ссылка перестанет работать.",
        "We erase your name, email, phone, organisation and position (withdrawing consent). The registration is cancelled and this link stops working.",
    ),
    "erase_button": ("Удалить мои данные", "Erase my data"),
    "confirm_erase": (
        "Удалить ваши персональные данные и отменить регистрацию? Восстановить их будет невозможно.",
        "Erase your personal data and cancel the registration? This cannot be undone.",
    ),
    "confirm_title": ("Подтвердите действие", "Please confirm"),
    "confirm_yes": ("Да, подтверждаю", "Yes, go ahead"),
    "confirm_no": ("Нет, вернуться", "No, go back"),
    "notice_agenda": ("Программа сохранена.", "Your sessions are saved."),
    "notice_cancel": (
        "Участие отменено. Мы отправили подтверждение на почту.",
        "Your registration is cancelled. We have emailed a confirmation.",
    ),
    "erased_title": ("Данные удалены", "Data erased"),
    "erased_lead": (
        "Ваши персональные данные удалены, регистрация отменена. Спасибо, что были с нами.",
        "Your personal data is erased and the registration cancelled. Thank you for being with us.",
    ),
    "not_found_title": ("Ссылка не работает", "This link does not work"),
    "not_found_lead": (
        "Ссылка устарела или набрана с ошибкой. Запросите новую на странице регистрации.",
        "The link is out of date or mistyped. Ask for a new one on the registration page.",
    ),
    "to_register": ("К регистрации", "To registration"),
    "inactive_note": (
        "Регистрация неактивна: программу изменить нельзя.",
        "The registration is not active: sessions cannot be changed.",
    ),
    "contact": ("Вопросы", "Questions"),
    "footer": ("Регистрация участников форума", "Forum attendee registration"),
    "close": ("Закрыть", "Close"),
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


def posted_locale(value: str, request: Request) -> str:
    """The `lang` a form sent back, if it is one of ours; else as for a GET."""
    return value if value in LOCALES else choose_locale(request)


def choose_locale(request: Request) -> str:
    """`?lang=` first, then the browser's Accept-Language; Russian by default."""
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
    """What templates call `t`, `day`, `time`… for one locale and one forum time zone."""

    def __init__(self, locale: str, timezone: str) -> None:
        self.locale = locale
        self.zone = ZoneInfo(timezone)

    def t(self, key: str, **values: object) -> str:
        ru, en = MESSAGES.get(key, (key, key))
        text = en if self.locale == "en" else ru
        return text.format(**values) if values else text

    def text(self, localized: dict[str, str] | None) -> str:
        if not localized:
            return ""
        return (localized.get("en") if self.locale == "en" else None) or localized.get("ru", "")

    def field_label(self, field: str) -> str:
        """The label of an API field as the form shows it (for the error summary)."""
        key = {"session_ids": "sessions", "consents.personal_data": "consent_label"}.get(
            field.split(".")[0] if field.startswith("session_ids") else field, field
        )
        return self.t(key)

    def type_name(self, kind: str) -> str:
        ru, en = TYPE_NAMES.get(kind, (kind, kind))
        return en if self.locale == "en" else ru

    def day(self, value: date) -> str:
        return _upper_first(format_date(value, "EEEE, d MMMM", locale=self.locale))

    def dates(self, start: date, end: date) -> str:
        if start == end:
            return format_date(start, "d MMMM y", locale=self.locale)
        if (start.year, start.month) == (end.year, end.month):
            return f"{start.day}–{format_date(end, 'd MMMM y', locale=self.locale)}"
        return f"{format_date(start, 'd MMMM', locale=self.locale)} – {format_date(end, 'd MMMM y', locale=self.locale)}"

    def time(self, value: datetime) -> str:
        return format_time(value, "HH:mm", tzinfo=self.zone, locale=self.locale)

    def moment(self, value: datetime) -> str:
        return format_datetime(value, "d MMMM, HH:mm", tzinfo=self.zone, locale=self.locale)

    def moment_iso(self, value: str) -> str:
        return self.moment(datetime.fromisoformat(value))

    def day_short(self, value: datetime) -> str:
        return format_date(value.astimezone(self.zone), "d MMM", locale=self.locale)

    def local_day(self, value: datetime) -> date:
        return value.astimezone(self.zone).date()
