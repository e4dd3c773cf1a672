"""deploy/postgres/init.sql: a database and a role per service, and KEDA's backlog function
reading the columns the notifications service really has."""

from __future__ import annotations

import re

from forum_cli.main import SERVICES
from forum_notifications.domain import EmailStatus
from forum_notifications.models import EmailRow

from tests.deploy.conftest import DEPLOY

INIT_SQL = (DEPLOY / "postgres" / "init.sql").read_text()


def test_one_database_owned_by_its_own_role_per_service() -> None:
    for name in SERVICES:
        assert f"CREATE ROLE {name} LOGIN PASSWORD '{name}-change-me';" in INIT_SQL
        assert f"CREATE DATABASE {name} OWNER {name};" in INIT_SQL
        assert f"REVOKE ALL ON DATABASE {name} FROM PUBLIC;" in INIT_SQL


def test_the_backlog_function_counts_rows_the_notifications_model_defines() -> None:
    body = re.search(r"FROM (\w+) WHERE status = '(\w+)' AND (\w+) <= now\(\)", INIT_SQL)
    assert body, "forum_due_emails() no longer has the expected shape"
    table, status, due_column = body.groups()
    assert table == EmailRow.__tablename__
    assert {"status", due_column} <= set(EmailRow.__table__.columns.keys())
    assert status == EmailStatus.QUEUED.value
    assert "REVOKE ALL ON FUNCTION public.forum_due_emails() FROM PUBLIC;" in INIT_SQL
    assert "GRANT SELECT" not in INIT_SQL  # KEDA's role reads no personal data
