"""The composition root: the one place that builds the service's parts and connects them.

The server (``advocacy.edge.app``), every ``advocacy`` command, the demo seeding and
the benchmarks all get their services from ``build`` (or ``open_services``), so
each runs the same parts wired the same way: an export made at the command line
holds what the API's holds, and a pairing changed from a shell moves the child's
concerns to the new advocate as one changed on a page does.

Parts depend on one another through their constructors. News one part gives and
others act on is a ``Topic`` (``advocacy.events``); every subscription between
services is made in ``build`` below, in the order the subscribers act. The
Socket.IO edge subscribes what it delivers when the server builds it. Background
jobs and the listeners that hear other processes start only with
``Services.start`` (a server), never in a command.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Literal

from redis import asyncio as aioredis

from advocacy import audit
from advocacy.auth.access import Access
from advocacy.auth.migrate import key_sign_in_secrets_once
from advocacy.auth.service import AuthService
from advocacy.botapi.service import BotService
from advocacy.chat.interpreting import Interpreting
from advocacy.chat.presence import Presence
from advocacy.chat.service import ChatService
from advocacy.clock import Clock
from advocacy.complaints import rules as complaint_rules
from advocacy.complaints.service import Complaints
from advocacy.concerns.ladder import Ladder
from advocacy.concerns.records import ConcernRecords
from advocacy.concerns.service import ConcernService
from advocacy.concerns.shown import ConcernViews
from advocacy.concerns.sweeper import Sweeper, sweeper_job
from advocacy.corrections.service import Corrections
from advocacy.crypto import (
    KeylessKeyring,
    Keyring,
    MasterKeyError,
    development_key_path,
    load_accepted_master_keys,
    load_master_key,
)
from advocacy.embedded_db import EmbeddedDatabase, running_uri
from advocacy.equality.service import Equality
from advocacy.events import Topic
from advocacy.feedback import rules as feedback_rules
from advocacy.feedback.service import Feedback
from advocacy.figures.service import Figures
from advocacy.figures.tally import Tally
from advocacy.languages import Languages
from advocacy.leases import LeasedJob
from advocacy.moments.service import Moments, Reoffer
from advocacy.non_instructed.service import NonInstructed
from advocacy.notifications.service import Notifier
from advocacy.oversight.console import ReviewerConsole
from advocacy.oversight.counts import QueueCounts
from advocacy.oversight.service import OversightQueue
from advocacy.pairing import cover
from advocacy.pairing.changes import PairingChange, PairingChanges
from advocacy.pairing.service import PairingService
from advocacy.privacy.erasure import RetentionJob
from advocacy.privacy.export import ChildExport
from advocacy.privacy.retention import load_retention
from advocacy.privacy.sealing import seal_legacy_records_once
from advocacy.privacy.trail import pairing_recorder
from advocacy.push.gateway import PushGateway
from advocacy.push.service import ChildPush
from advocacy.replies.service import CannedReplies
from advocacy.safeguarding.service import Safeguarding
from advocacy.scale_out import RedisPresence, SharedTopic, redis_client
from advocacy.search.service import Search
from advocacy.settings import Settings
from advocacy.store import Store
from advocacy.team.caseload import Caseload
from advocacy.team.service import TeamView
from advocacy.team.staff import StaffDirectory

log = logging.getLogger(__name__)

__all__ = ["Services", "build", "open_services", "open_store"]


@dataclass
class Services:
    """Every part of the service, built and connected. Read them as ``services.chat``, ``services.concerns``..."""

    settings: Settings
    store: Store
    clock: Clock
    keyring: Keyring
    languages: Languages
    access: Access
    auth: AuthService
    presence: Presence
    notifier: Notifier
    chat: ChatService
    interpreting: Interpreting
    concern_records: ConcernRecords
    concern_views: ConcernViews
    oversight: OversightQueue
    ladder: Ladder
    safeguarding: Safeguarding
    concerns: ConcernService
    sweeper: Sweeper
    pairing_changes: PairingChanges
    pairing: PairingService
    bots: BotService
    figures: Figures
    team: TeamView
    staff: StaffDirectory
    reviewer_console: ReviewerConsole
    export: ChildExport
    complaints: Complaints
    corrections: Corrections
    feedback: Feedback
    equality: Equality
    non_instructed: NonInstructed
    moments: Moments
    retention: RetentionJob
    # The console (issue 20 item 9): the team's canned replies, search, cover by hand, the list's filters.
    replies: CannedReplies
    search: Search
    hand_overs: cover.HandOvers
    caseload: Caseload
    push: ChildPush
    # The ids of users whose conversations changed: every server process moves their open sockets.
    access_changed: Topic[list[str]]
    sweeper_job: LeasedJob
    pairing_job: LeasedJob
    # Ends covers by hand on time (the child told), as often as the sweeper runs.
    hand_over_job: LeasedJob
    visits_job: LeasedJob
    # Ends interpreters' time in a chat when it is over (their sockets leave on every process).
    interpreting_job: LeasedJob
    # The audit trail's head, appended to a file outside the database at an interval and at shutdown.
    anchors: audit.Anchors
    redis: aioredis.Redis | None = None
    shared: list[SharedTopic] = field(default_factory=list)

    @property
    def jobs(self) -> list[LeasedJob]:
        """The background jobs: each runs in whichever server process holds its lease."""
        return [self.retention.leased, self.sweeper_job, self.pairing_job, self.hand_over_job, self.figures.job,
                self.visits_job, self.interpreting_job]

    async def start(self) -> None:
        """Start what a server runs besides answering requests: listening to the other processes, the jobs."""
        await self.store.create_indexes()
        await seal_legacy_records_once(self.store, self.keyring)
        await key_sign_in_secrets_once(self.store, self.keyring)
        await audit.key_chain_once(self.store)
        await self.push.private_key()  # the VAPID key is made at the first start (a service secret)
        await self.pairing.mark_waiting_once()
        await self.oversight.counts.recount()
        if isinstance(self.presence, RedisPresence):
            await self.presence.start()
        for topic in self.shared:
            await topic.start()
        for job in self.jobs:
            job.start()
        self.anchors.start()

    async def stop(self) -> None:
        for job in reversed(self.jobs):
            await job.stop()
        await self.safeguarding.drain()
        await self.push.drain()
        if self.figures.tally is not None:  # the replies not counted yet
            await self.figures.tally.drain()
        await self.anchors.stop()
        if isinstance(self.presence, RedisPresence):
            await self.presence.stop()
        await self.close()

    async def close(self) -> None:
        """Close the connections to other processes (Redis); the store is the caller's."""
        for topic in self.shared:
            await topic.close()
        self.shared = []
        if self.redis is not None:
            await self.redis.aclose()
            self.redis = None


MasterKeyNeed = Literal["needed", "made_if_missing", "not_needed"]


def build(settings: Settings, store: Store, clock: Clock | None = None,
          keyring: Keyring | KeylessKeyring | None = None, *, master_key: MasterKeyNeed = "needed",
          push_gateway: PushGateway | None = None) -> Services:
    """Build every service around a connected store and connect them. Nothing starts running.

    The keyring is made from the settings' master key unless one is given. ``master_key``
    says what the caller needs of it: "needed" (a missing key is an error before anything
    is done), "made_if_missing" (with the ``development_master_key`` setting, which ``serve
    --demo`` turns on, a development machine makes its key file on first use) or
    "not_needed" (a command that seals and opens nothing, e.g. ``advocacy audit verify``:
    without a key, anything that would seal or open refuses). ``push_gateway`` is the way out to
    the browsers' push services (by default Web Push over HTTPS).
    """
    clock = clock or Clock()
    keyring = (keyring or _keyring(settings, store, clock, master_key)).attach()

    # News every server process acts on: through Redis when there are several processes.
    shared: list[SharedTopic] = []
    redis = redis_client(settings) if settings.redis_url else None
    if settings.redis_url:
        sessions_ended: Topic[str] = SharedTopic(settings, "sessions-ended")
        access_changed: Topic[list[str]] = SharedTopic(settings, "access-changed")
        shared += [sessions_ended, access_changed]
        presence: Presence = RedisPresence(redis, settings)
    else:
        sessions_ended, access_changed, presence = Topic("sessions.ended"), Topic("access.changed"), Presence()

    languages = Languages.shared()
    access = Access(store, clock)
    retention = load_retention()
    auth = AuthService(store, settings, clock, access, keyring, sessions_ended,
                       attempts_kept_for=timedelta(days=retention.days_after_last_try))
    notifier = Notifier(store, clock, access)
    chat = ChatService(store, settings, clock, access, languages)
    records = ConcernRecords(store, clock, keyring, settings)
    shown = ConcernViews(records)
    oversight = OversightQueue(store, clock, keyring, records, shown, notifier, chat, QueueCounts(store))
    ladder = Ladder(store, records, access, notifier, oversight, chat, settings)
    safeguarding = Safeguarding(store, records, access, ladder, notifier, chat, presence)
    concerns = ConcernService(records, shown, access, notifier, triage=safeguarding)
    sweeper = Sweeper(store, clock, ladder)
    pairing_changes = PairingChanges(store, clock)
    pairing = PairingService(store, clock, settings, pairing_changes, notifier, keyring, chat)
    bots = BotService(store, settings, clock, chat, notifier, presence)
    tally = Tally(store, clock, settings.figures_replies_every_seconds)
    figures = Figures(store, clock, [(c.key, c.staff_label) for c in records.categories.values()],
                      settings.figures_interval_seconds, settings.figures_small_count,
                      list(complaint_rules.OUTCOME_LABELS.items()), feedback_rules.FIGURE_LABELS, tally)

    async def tell_access_changed(user_ids: Iterable[str | None]) -> None:
        wanted = sorted({u for u in user_ids if u})
        if wanted:
            await access_changed.publish(wanted)

    # Someone's conversations changed: what the chat holds of whose each conversation is goes first.
    access_changed.subscribe(chat.held.forget)
    # An interpreter let into a chat or out of it: their sockets (and the child's and advocate's) follow.
    interpreting = Interpreting(store, clock, settings, chat, tell_access_changed)

    async def sockets_follow(change: PairingChange) -> None:
        await tell_access_changed([change.child, change.advocate, change.previous])

    # A change of advocate: first the open sockets move to the rooms they may use now (so the
    # child's notice reaches the new room), then the audit trail, the child's concerns follow
    # them, and the child and staff are told.
    pairing_changes.announced.subscribe(sockets_follow)
    pairing_changes.announced.subscribe(pairing_recorder(store, clock))
    pairing_changes.announced.subscribe(records.advocate_changed)
    pairing_changes.announced.subscribe(pairing.tell_people)
    # A child chose to have nobody or someone else: the child who has waited longest may take the place.
    pairing_changes.announced.subscribe(pairing.place_freed)
    # A concern raised or moved: any ladder step already due is taken at once.
    records.changed.subscribe(ladder.after_change)
    # ... and the alerts that pointed at it are seen: someone has acted on it.
    records.changed.subscribe(notifier.handled)
    # Every child message is read by safeguarding triage (in a task of its own).
    chat.message_added.subscribe(safeguarding.child_wrote)
    # A message for a child while no chat page of theirs is open: their phones say "You have a new message".
    push = ChildPush(store, clock, settings, keyring, presence, chat, push_gateway)
    chat.message_added.subscribe(push.message_added)
    # A sign-in that ends takes the notifications it switched on with it.
    sessions_ended.subscribe(push.session_ended)
    presence.changed.subscribe(bots.presence_changed)
    # The figures' running totals.
    records.events.subscribe(tally.concern_event)
    pairing.opt_events.subscribe(tally.opt_event)
    chat.replied.subscribe(tally.replied)

    async def recount_queue(_: None) -> None:
        await oversight.counts.recount()

    figures.published.subscribe(recount_queue)
    # A reviewer's decision on a complaint about the service shows on the complaint.
    complaints = Complaints(store, clock, keyring, settings, access, notifier, oversight)
    oversight.item_changed.subscribe(complaints.oversight_changed)
    complaints.answered.subscribe(tally.complaint_answered)
    corrections = Corrections(store, clock, keyring, settings, access, notifier)
    # The child is asked once how things went: when a worry is resolved and when advocacy ends;
    # their answers are counted in the figures, never read one by one.
    feedback = Feedback(store, clock, keyring, access)
    records.events.subscribe(feedback.concern_event)
    pairing.opt_events.subscribe(feedback.opt_event)
    feedback.answered.subscribe(tally.feedback_answered)

    # An advocate's ties or capacity changed so some children may not stay: a pairing plan to move them.
    staff = StaffDirectory(store, clock)
    staff.ties_changed.subscribe(pairing.plan_after_staff_change)
    # Room made (an advocate added or able to take more, a child erased): the waiting list moves at once.
    staff.room_made.subscribe(pairing.room_made)
    retention_job = RetentionJob(store, clock, retention)
    retention_job.places_freed.subscribe(pairing.room_made)
    # A child erased: their conversations are gone, and what any process held of them with them.
    retention_job.erased.subscribe(tell_access_changed)

    hand_overs = cover.HandOvers(pairing, tell_access_changed)

    # Non-instructed advocacy: the advocate is reminded when a visit is overdue.
    non_instructed = NonInstructed(store, clock, keyring, settings, access, notifier)

    async def visits_tick() -> None:
        await non_instructed.remind_overdue()

    # Key moments: a placement move or a new social worker offers advocacy again, once, to a child who opted out.
    moments = Moments(store, clock, keyring, settings, access, chat)

    async def offer_again(wanted: Reoffer) -> None:
        if await pairing.offer(wanted.child, wanted.why):
            await moments.reoffered(wanted.moment)

    moments.reoffer.subscribe(offer_again)

    async def pairing_tick() -> None:
        await pairing.offers_due()
        # Leave that ended gives its advocate back before the waiting list is tried, which catches room
        # made without news (leave over, a capacity changed in the database).
        await cover.cover_tick(pairing, tell_access_changed)
        await pairing.retry_waiting()

    return Services(
        settings=settings, store=store, clock=clock, keyring=keyring, languages=languages, access=access, auth=auth,
        presence=presence,
        notifier=notifier, chat=chat, interpreting=interpreting, concern_records=records, concern_views=shown,
        oversight=oversight,
        ladder=ladder, safeguarding=safeguarding, concerns=concerns, sweeper=sweeper,
        pairing_changes=pairing_changes, pairing=pairing, bots=bots, figures=figures,
        team=TeamView(store, clock, dict(records.categories)), staff=staff,
        reviewer_console=ReviewerConsole(store, clock, keyring, oversight),
        export=ChildExport(store, clock, chat, languages), complaints=complaints,
        corrections=corrections, feedback=feedback,
        equality=Equality(store, clock, keyring, settings.figures_small_count),
        non_instructed=non_instructed, moments=moments,
        retention=retention_job, push=push,
        replies=CannedReplies(store, clock, settings.max_message_chars),
        search=Search(store, clock, access, dict(records.categories)),
        hand_overs=hand_overs, caseload=Caseload(store, clock, access),
        access_changed=access_changed,
        sweeper_job=sweeper_job(store, clock, sweeper, settings.sweep_interval_seconds),
        pairing_job=LeasedJob(store, clock, "pairing", pairing.policy.check_every_seconds, pairing_tick),
        hand_over_job=LeasedJob(store, clock, "hand-overs", settings.sweep_interval_seconds, hand_overs.tick),
        visits_job=LeasedJob(store, clock, "visit reminders", non_instructed.policy.check_every_seconds, visits_tick),
        interpreting_job=LeasedJob(store, clock, "interpreting", settings.interpreting_check_seconds,
                                   interpreting.end_due),
        anchors=audit.Anchors(store, clock, audit.anchor_path(settings), settings.audit_anchor_minutes * 60),
        redis=redis, shared=shared,
    )


@contextlib.asynccontextmanager
async def open_store(settings: Settings, share_running: bool = False) -> AsyncIterator[Store]:
    """Connect to MongoDB, or start the embedded database when no URI is set.

    With ``share_running``, an embedded database that a running server already
    started on the data folder is used as it is (and left running).
    """
    embedded = None
    uri = settings.mongodb_uri or (running_uri(Path(settings.data_dir)) if share_running else None)
    if not uri:
        embedded = await EmbeddedDatabase.start(Path(settings.data_dir))
        uri = embedded.uri
    try:
        store = await Store.connect(
            uri, settings.database_name, settings.database_timeout_seconds,
            settings.database_operation_timeout_seconds,
        )
        try:
            yield store
        finally:
            await store.close()
    finally:
        if embedded is not None:
            await embedded.stop()


def _keyring(settings: Settings, store: Store, clock: Clock, need: MasterKeyNeed) -> Keyring | KeylessKeyring:
    # With the development setting a command beside `serve --demo` reads the demo's key; only
    # "made_if_missing" may make one (a new key could not open data sealed under the old one).
    development = settings.development_master_key and (
        need == "made_if_missing" or development_key_path(settings).exists())
    try:
        master = load_master_key(settings, create_for_development=development)
    except MasterKeyError as missing:
        if need != "not_needed":
            raise
        return KeylessKeyring(store, missing)
    return Keyring(store, master, load_accepted_master_keys(settings), clock=clock)


@contextlib.asynccontextmanager
async def open_services(settings: Settings, *, clock: Clock | None = None,
                        master_key: MasterKeyNeed = "needed") -> AsyncIterator[Services]:
    """Every service on its database, for a command: nothing runs in the background. A running
    server's embedded database is used as it is (and left running); with none, one is started.
    ``master_key`` is what the command needs of the master key (see ``build``)."""
    async with open_store(settings, share_running=True) as store:
        services = build(settings, store, clock, master_key=master_key)
        try:
            await store.create_indexes()
            yield services
        finally:
            await services.close()
