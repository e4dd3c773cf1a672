"""The attendee's link over HTTP on real services: both token forms, same 404, cancel with
promotion on the bus, erase, the link re-sent without revealing who is registered."""

from __future__ import annotations

import pytest

from tests.registration.helpers import FORUM, deliver, forum_updated, registration_body
from tests.registration.integration.conftest import Running

pytestmark = pytest.mark.integration


async def test_manage_with_the_link(running: Running) -> None:
    client = running.client
    await deliver(running.runtime, forum_updated(capacity=1))
    url = f"/v1/forums/{FORUM}/registrations"
    first = (await client.post(url, json=registration_body(email="a@example.ru"))).json()
    second = (await client.post(url, json=registration_body(email="b@example.ru"))).json()
    assert (first["status"], second["status"]) == ("confirmed", "waitlisted")
    me = f"/v1/registrations/{first['id']}"
    bearer = {"Authorization": f"Bearer {first['manage_token']}"}

    by_header = await client.get(me, headers=bearer)
    by_query = await client.get(me, params={"token": first["manage_token"]})
    assert by_header.status_code == by_query.status_code == 200
    assert by_header.json()["email"] == "a@example.ru"
    assert by_header.json()["consents"][0]["text_version"]

    wrong = await client.get(me, headers={"Authorization": "Bearer nope"})
    unknown = await client.get(f"/v1/registrations/{second['id'][:-4]}0000", headers=bearer)
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json()

    patched = await client.patch(me, headers=bearer, json={"organization": "ООО «Новое»"})
    assert patched.status_code == 200 and patched.json()["organization"] == "ООО «Новое»"
    bad = await client.patch(me, headers=bearer, json={"position": "A\nB"})
    assert bad.status_code == 422 and bad.json()["fields"][0]["field"] == "position"

    cancelled = await client.post(f"{me}/cancel", headers=bearer)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    seen = await running.wait_for_events(5)
    types = [(e["type"], e["data"]["registration_id"]) for e in seen]
    assert ("registration.attendee.cancelled", first["id"]) in types
    assert ("registration.attendee.promoted", second["id"]) in types

    them = f"/v1/registrations/{second['id']}"
    assert (await client.delete(them, params={"token": second["manage_token"]})).status_code == 204
    gone = await client.get(them, params={"token": second["manage_token"]})
    assert gone.status_code == 404

    third = (await client.post(url, json=registration_body(email="c@example.ru"))).json()
    link = f"/v1/forums/{FORUM}/registrations/manage-link"
    known = await client.post(link, json={"email": "c@example.ru"})
    stranger = await client.post(link, json={"email": "nobody@example.ru"})
    assert known.status_code == stranger.status_code == 202
    assert known.json() == stranger.json()
    # The old link stopped working when a new one was sent.
    old = {"token": third["manage_token"]}
    assert (await client.get(f"/v1/registrations/{third['id']}", params=old)).status_code == 404
