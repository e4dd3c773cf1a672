"""What organisers read: filtered lists, the CSV export and the summary a forum reports."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from forum_registration.models import AgendaRow, RegistrationRow, SessionRow


@dataclass(frozen=True)
class Filters:
    status: str | None = None
    category: str | None = None
    region: str | None = None
    organization: str | None = None
    q: str | None = None
    session_id: uuid.UUID | None = None


def _filtered(forum_code: str, filters: Filters) -> Select[RegistrationRow]:
    query = select(RegistrationRow).where(
        RegistrationRow.forum_code == forum_code, RegistrationRow.erased_at.is_(None)
    )
    if filters.status:
        query = query.where(RegistrationRow.status == filters.status)
    if filters.category:
        query = query.where(RegistrationRow.category == filters.category)
    if filters.region:
        query = query.where(RegistrationRow.region == filters.region)
    if filters.organization:
        query = query.where(
            func.lower(RegistrationRow.organization).contains(filters.organization.lower())
        )
    if filters.session_id:
        signed_up = select(AgendaRow.registration_id).where(
            AgendaRow.session_id == filters.session_id
        )
        query = query.where(RegistrationRow.id.in_(signed_up))
    if filters.q:
        needle = filters.q.lower()
        query = query.where(
            func.lower(RegistrationRow.full_name).contains(needle)
            | func.lower(RegistrationRow.email).contains(needle)
            | func.lower(RegistrationRow.organization).contains(needle)
        )
    return query


async def list_registrations(
    session: AsyncSession, forum_code: str, filters: Filters, *, limit: int, offset: int
) -> tuple[int, list[RegistrationRow]]:
    query = _filtered(forum_code, filters)
    total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar()
    page = await session.execute(
        query.order_by(RegistrationRow.created_at, RegistrationRow.id).limit(limit).offset(offset)
    )
    return int(total or 0), list(page.scalars())


async def all_registrations(
    session: AsyncSession, forum_code: str, filters: Filters
) -> list[RegistrationRow]:
    rows = await session.execute(
        _filtered(forum_code, filters).order_by(RegistrationRow.created_at, RegistrationRow.id)
    )
    return list(rows.scalars())


CSV_COLUMNS = (
    ("id", "ID"),
    ("status", "Статус"),
    ("full_name", "ФИО"),
    ("email", "Email"),
    ("phone", "Телефон"),
    ("organization", "Организация"),
    ("position", "Должность"),
    ("region", "Регион"),
    ("category", "Категория"),
    ("locale", "Язык"),
    ("created_at", "Зарегистрирован"),
    ("checked_in_at", "Прошёл регистрацию на входе"),
)


def _cell(value: Any) -> str:
    text = "" if value is None else value.isoformat() if hasattr(value, "isoformat") else str(value)
    # A cell starting with = + - @ would run as a formula in Excel: keep it text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(rows: Iterable[RegistrationRow]) -> bytes:
    """UTF-8 with a BOM and `;` separators: what Excel in a Russian locale opens as-is."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([title for _, title in CSV_COLUMNS])
    for row in rows:
        writer.writerow([_cell(getattr(row, name)) for name, _ in CSV_COLUMNS])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


async def summary(session: AsyncSession, forum_code: str) -> dict[str, Any]:
    """Counts by status over everyone; by category, region, organisation over the confirmed;
    seats and waitlist per session."""
    base = RegistrationRow.forum_code == forum_code
    confirmed = base & (RegistrationRow.status == "confirmed")

    async def grouped(column: Any, where: Any) -> dict[str, int]:
        rows = await session.execute(
            select(column, func.count()).where(where).group_by(column).order_by(func.count().desc())
        )
        return {str(key): int(count) for key, count in rows.all() if key is not None}

    by_region = await grouped(RegistrationRow.region, confirmed)
    by_organization = await grouped(RegistrationRow.organization, confirmed)
    seats = await session.execute(
        select(AgendaRow.session_id, AgendaRow.status, func.count())
        .join(SessionRow, SessionRow.session_id == AgendaRow.session_id)
        .where(SessionRow.forum_code == forum_code)
        .group_by(AgendaRow.session_id, AgendaRow.status)
    )
    by_session: dict[str, dict[str, int]] = {}
    for session_id, status, count in seats.all():
        by_session.setdefault(str(session_id), {"confirmed": 0, "waitlisted": 0})[status] = count
    checked_in = await session.execute(
        select(func.count()).where(base & RegistrationRow.checked_in_at.is_not(None))
    )
    return {
        "forum": forum_code,
        "by_status": await grouped(RegistrationRow.status, base),
        "confirmed": {
            "by_category": await grouped(RegistrationRow.category, confirmed),
            "by_region": by_region,
            "by_organization": by_organization,
            "regions": len(by_region),
            "organizations": len(by_organization),
        },
        "checked_in": int(checked_in.scalar() or 0),
        "by_session": by_session,
    }
