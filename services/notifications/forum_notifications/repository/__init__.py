"""All SQL of the notifications service. Repositories read and write; they never commit."""

from forum_notifications.repository.emails import (
    add_email,
    add_emails,
    claim_due,
    fail_leased,
    fill_content,
    mark_failed,
    mark_sent,
    release_leases,
    reschedule,
    scrub_recipient,
    to_outgoing,
)
from forum_notifications.repository.replicas import (
    add_attendee_if_new,
    all_forums,
    attendees_without_email,
    forget_attendee,
    forum_version,
    get_attendee,
    get_forum,
    put_attendee,
    put_forum,
)

__all__ = [
    "add_attendee_if_new",
    "add_email",
    "add_emails",
    "all_forums",
    "attendees_without_email",
    "claim_due",
    "fail_leased",
    "fill_content",
    "forget_attendee",
    "forum_version",
    "get_attendee",
    "get_forum",
    "mark_failed",
    "mark_sent",
    "put_attendee",
    "put_forum",
    "release_leases",
    "reschedule",
    "scrub_recipient",
    "to_outgoing",
]
