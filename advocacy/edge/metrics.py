"""Prometheus metrics at ``/metrics``, for a scraper holding ``ADVOCACY_METRICS_TOKEN``.

Without the token set, ``/metrics`` answers 404; with it, only ``Authorization: Bearer TOKEN`` is
answered. Each app has its own registry. Figures are counts and durations: no ids, no text.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily

from advocacy.chat.service import ChatService
from advocacy.edge.handlers import bearer_token
from advocacy.edge.keys import services_key, sio_key
from advocacy.store import CommandCounts

ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.messages_stored = Counter("advocacy_messages_stored", "Chat messages stored", registry=r)
        self.event_seconds = Histogram(
            "advocacy_socket_event_seconds", "Time from a socket event to its acknowledgement (chat.send: a "
            "message's acknowledgement latency)", ["action"], buckets=ACK_BUCKETS, registry=r)
        self.database_errors = Counter("advocacy_database_errors", "Requests and socket events that met a "
                                       "database error", registry=r)
        self.connected_sockets = Gauge("advocacy_connected_sockets", "Signed-in sockets open on this process",
                                       registry=r)
        self.concerns_due = Gauge("advocacy_concerns_due", "Concerns with a deadline step due now or earlier "
                                  "(the sweeper takes them)", registry=r)
        self.sweeper_lag = Gauge("advocacy_sweeper_lag_seconds", "How long the oldest due concern step has "
                                 "waited for the sweeper", registry=r)
        self.job_lease_age = Gauge("advocacy_job_lease_age_seconds", "Seconds since each background job last "
                                   "renewed its lease (it renews on every run)", ["job"], registry=r)

    def count_commands(self, commands: CommandCounts) -> None:
        """Publish the driver's commands by name and collection (the database's work, for the benches)."""
        self.registry.register(_CommandsCollector(commands))

    def listen(self, chat: ChatService) -> None:
        """Count the messages ``chat`` stores (whoever sent them)."""
        async def stored(_: object) -> None:
            self.messages_stored.inc()

        chat.message_added.subscribe(stored)


class _CommandsCollector:
    def __init__(self, commands: CommandCounts) -> None:
        self.commands = commands

    @staticmethod
    def _family() -> CounterMetricFamily:
        return CounterMetricFamily("advocacy_database_commands", "Commands sent to the database, by command "
                                   "and collection", labels=["command", "collection"])

    def describe(self) -> list[CounterMetricFamily]:
        return [self._family()]

    def collect(self) -> Iterator[CounterMetricFamily]:
        family = self._family()
        for (command, collection), count in sorted(self.commands.counts.items()):
            family.add_metric([command, collection], count)
        yield family


metrics_key = web.AppKey("metrics", Metrics)


async def metrics(request: web.Request) -> web.Response:
    services = request.app[services_key]
    token = services.settings.metrics_token
    if not token:
        raise web.HTTPNotFound()
    given = bearer_token(request) or ""
    if not hmac.compare_digest(given.encode(), token.encode()):
        return web.json_response({"ok": False, "error": {"code": "unauthorised",
                                                         "message": "Give the metrics token."}}, status=401)
    m = request.app[metrics_key]
    sio = request.app[sio_key]
    m.connected_sockets.set(sum(len(getattr(ns, "principals", {})) for ns in sio.namespace_handlers.values()))
    now = services.clock.now()
    store = services.store
    m.concerns_due.set(await store.concerns.count_documents({"next_due": {"$lte": now}}))
    oldest = await store.concerns.find_one({"next_due": {"$lte": now}}, {"next_due": 1}, sort=[("next_due", 1)])
    m.sweeper_lag.set((now - oldest["next_due"]).total_seconds() if oldest else 0)
    async for lease in store.leases.find({}, {"renewed_at": 1}):
        if lease.get("renewed_at"):
            m.job_lease_age.labels(lease["_id"]).set((now - lease["renewed_at"]).total_seconds())
    return web.Response(body=generate_latest(m.registry), headers={"Content-Type": CONTENT_TYPE_LATEST})
