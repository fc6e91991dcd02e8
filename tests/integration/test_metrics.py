"""/metrics (Prometheus) on the real server: off without a token, refused without it, figures during a chat."""

from __future__ import annotations

import uuid

from prometheus_client.parser import text_string_to_metric_families

from tests.support import seed_world, start_server

TOKEN = "scrape-" + "x" * 30


def samples(text: str) -> dict[tuple[str, tuple], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


async def test_metrics_off_without_a_token(server):
    async with server.http() as http, http.get("/metrics") as resp:
        assert resp.status == 404


async def test_metrics_need_the_token_and_count_a_chat(database_uri):
    async with start_server(database_uri, f"test_{uuid.uuid4().hex[:12]}", metrics_token=TOKEN) as server:
        world = await seed_world(server)
        from tests.support import connect

        async with server.http() as http:
            for header in ({}, {"Authorization": "Bearer wrong-token-" + "y" * 20}):
                async with http.get("/metrics", headers=header) as resp:
                    assert resp.status == 401
        child = world.children[0]
        chat = await connect(server, child)
        for text in ("one", "two"):
            assert (await chat.send(world.conversation_of(child), text))["ok"]
        async with server.http() as http, http.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}) as resp:
            assert resp.status == 200
            text = await resp.text()
        found = samples(text)
        assert found[("advocacy_messages_stored_total", ())] >= 2
        assert found[("advocacy_socket_event_seconds_count", (("action", "chat.send"),))] == 2
        assert found[("advocacy_connected_sockets", ())] == 1
        assert ("advocacy_concerns_due", ()) in found and ("advocacy_sweeper_lag_seconds", ()) in found
        assert found[("advocacy_database_errors_total", ())] == 0
        assert "one" not in {line.split(" ")[0] for line in text.splitlines()}
        # The database's work, by command and collection: the two messages went in through inserts.
        inserts = found[("advocacy_database_commands_total", (("collection", "messages"), ("command", "insert")))]
        assert inserts >= 1
        assert all(name != "advocacy_database_commands_total" or set(dict(labels)) == {"command", "collection"}
                   for name, labels in found)
