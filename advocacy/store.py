"""The database: the only module that imports the MongoDB driver.

Services receive a ``Store`` and use its collections; they catch the error
types re-exported here rather than importing the driver themselves, so a change
of driver is a change to this file alone. The driver is PyMongo's own asyncio
client, which talks to the database on the event loop (Motor, used before, ran
each operation on a thread of its own and is deprecated).
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any

from bson import ObjectId, json_util
from bson.binary import UuidRepresentation
from pymongo import (
    ASCENDING,
    DESCENDING,
    AsyncMongoClient,
    IndexModel,
    ReplaceOne,
    ReturnDocument,
    UpdateMany,
    UpdateOne,
    monitoring,
)
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import (
    BulkWriteError,
    DuplicateKeyError,
    OperationFailure,
    PyMongoError,
    ServerSelectionTimeoutError,
)

__all__ = [
    "ASCENDING",
    "DESCENDING",
    "INDEXES",
    "DatabaseUnavailable",
    "DuplicateKeyError",
    "ObjectId",
    "PyMongoError",
    "ReplaceOne",
    "ReturnDocument",
    "Store",
    "UpdateMany",
    "UpdateOne",
    "find_in",
    "from_json_line",
    "insert_each",
    "to_json_line",
]

log = logging.getLogger(__name__)


class DatabaseUnavailable(Exception):
    """The database could not be reached."""


def _index(keys: list[tuple[str, int]], **options: Any) -> IndexModel:
    return IndexModel(keys, **options)


# Every collection and its indexes. Created (idempotently) at start-up.
INDEXES: dict[str, list[IndexModel]] = {
    "local_authorities": [_index([("region", ASCENDING)])],
    "staff": [
        _index([("username", ASCENDING)], unique=True),
        _index([("role", ASCENDING), ("manager", ASCENDING)]),
        # Where a new child's advocate is looked for first (advocacy.pairing.service).
        _index([("regions", ASCENDING)]),
        _index([("languages", ASCENDING)]),
    ],
    "children": [
        # A keyed hash of the access code (advocacy.auth.codes), never the code.
        _index([("access_code_lookup", ASCENDING)], unique=True, sparse=True),
        _index([("advocate", ASCENDING)]),
        _index([("la", ASCENDING)]),
        # A keyed hash of a local authority's own reference (advocacy.people.case_ref_lookup), so an
        # import run twice makes no one twice; the reference itself is sealed.
        _index([("ref_lookup", ASCENDING)], sparse=True),
        # Children who opted out and are due to be offered an advocate again.
        _index([("offer_due_at", ASCENDING)], sparse=True),
        # The waiting list: children no advocate had room for, longest waiting first (advocacy.pairing.service).
        _index([("waiting_since", ASCENDING), ("_id", ASCENDING)], sparse=True),
        # Non-instructed children whose advocate's next visit falls due (advocacy.non_instructed).
        _index([("non_instructed.visit_due_at", ASCENDING)], sparse=True),
    ],
    "sessions": [
        _index([("token_hash", ASCENDING)], unique=True),
        _index([("user", ASCENDING)]),
        _index([("expires_at", ASCENDING)]),
    ],
    "pairings": [_index([("child", ASCENDING), ("started_at", ASCENDING)]), _index([("advocate", ASCENDING)])],
    "conversations": [
        _index([("child", ASCENDING), ("advocate", ASCENDING)], unique=True),
        _index([("advocate", ASCENDING), ("active", ASCENDING)]),
    ],
    "messages": [
        # A resend with the same client id is never a second message.
        _index([("sender.id", ASCENDING), ("client_id", ASCENDING)], unique=True),
        _index([("conversation", ASCENDING), ("_id", ASCENDING)]),
    ],
    # What staff are told (advocacy.notifications): newest first per person.
    "notifications": [_index([("to", ASCENDING), ("seen_at", ASCENDING), ("_id", DESCENDING)]),
                      # the alerts that point at a concern, cleared once someone acts on it
                      _index([("ids.concern", ASCENDING), ("seen_at", ASCENDING)])],
    # Wrapped per-child data keys, by child id (advocacy.crypto).
    "keys": [],
    # The hash-chained audit trail, numbered by _id (advocacy.audit).
    "audit": [_index([("subject", ASCENDING), ("_id", ASCENDING)]),
              # The children shown together in one list (a multikey index: each child finds the entry).
              _index([("subjects", ASCENDING)], sparse=True)],
    # Who runs each background job (advocacy.leases).
    "leases": [],
    # Bot accounts (advocacy.botapi); their tokens are sessions with the role "bot".
    "bots": [_index([("name", ASCENDING)], unique=True)],
    # What bots have done, by a key of their choosing, so a retry never does it twice.
    "bot_marks": [],
    # Pairing (advocacy.pairing): opt-out, opt-in and offers with dates, counted by authority and month.
    "opt_events": [_index([("la", ASCENDING), ("month", ASCENDING)]),
                   _index([("child", ASCENDING), ("at", ASCENDING)])],
    "placement_moves": [_index([("child", ASCENDING), ("at", ASCENDING)])],
    # Equality monitoring (advocacy.equality): one record per child (_id), the answers sealed; no index on them.
    "equality": [],
    # An advocate's leave, and who covers each of their children meanwhile.
    "leaves": [_index([("advocate", ASCENDING), ("starts_at", ASCENDING)]), _index([("state", ASCENDING)])],
    "covers": [_index([("cover", ASCENDING), ("ends_at", ASCENDING)]), _index([("child", ASCENDING)]),
               _index([("leave", ASCENDING)])],
    # A team's canned replies (advocacy.replies): staff rich text, about no child, by team and title.
    "canned_replies": [_index([("team", ASCENDING), ("title", ASCENDING)])],
    # Whether a child lets their new advocate read their chat with earlier advocates.
    "earlier_chat": [_index([("advocate", ASCENDING), ("share", ASCENDING)]), _index([("child", ASCENDING)])],
    # Interpreters asked into a child's chat (advocacy.chat.interpreting): ids and times only.
    "interpreting": [_index([("interpreter", ASCENDING), ("state", ASCENDING), ("ends_at", ASCENDING)]),
                     _index([("conversation", ASCENDING), ("state", ASCENDING)]), _index([("child", ASCENDING)]),
                     _index([("state", ASCENDING), ("ends_at", ASCENDING)])],
    # Proposed re-pairings of the whole roster, for review before they are applied.
    "pairing_plans": [_index([("created_at", DESCENDING)])],
    # One-off changes to stored records that have finished (advocacy.privacy.sealing).
    "migrations": [],
    # Sign-in tries counted before they are checked (advocacy.auth.attempts): per staff username, per
    # client address, per unknown access code; keyed hashes only. The database removes each once its
    # expires_at has passed (a TTL index), so tries at made-up names cannot grow storage for ever.
    "sign_in_attempts": [_index([("last_attempt_at", ASCENDING)]),
                         _index([("expires_at", ASCENDING)], expireAfterSeconds=0)],
    # Children's concerns with their embedded timelines (advocacy.concerns). The
    # escalation sweeper reads only those whose next ladder step is due (next_due),
    # and those whose last step's effects were interrupted (pending).
    "concerns": [
        _index([("child", ASCENDING), ("raised_at", DESCENDING)]),
        # Sparse: ``next_due`` is there only while a step is still to fall due, so the sweeper
        # reads a short index (the embedded database walks every entry of a full one).
        _index([("next_due", ASCENDING)], sparse=True, name="next_due_sparse"),
        _index([("pending", ASCENDING)], sparse=True),
        _index([("advocate", ASCENDING), ("status", ASCENDING)]),
        _index([("la", ASCENDING), ("raised_at", ASCENDING)]),
        # Unresolved concerns past their deadline: "overdue now" in the figures (advocacy.figures.job).
        _index([("status", ASCENDING), ("deadlines.oversight_by", ASCENDING)]),
    ],
    # One row per thing that happened to a concern (raised, responded, escalated,
    # resolved ...) with its local authority and London month: figures per LA and month.
    "concern_events": [
        _index([("la", ASCENDING), ("month", ASCENDING), ("kind", ASCENDING)]),
        _index([("month", ASCENDING), ("kind", ASCENDING)]),
        _index([("concern", ASCENDING)]),
    ],
    # The oversight queue: open items by priority, then by the deadline they passed.
    "oversight": [
        _index([("open", ASCENDING), ("rank", ASCENDING), ("due_at", ASCENDING), ("raised_at", ASCENDING)]),
        _index([("concern", ASCENDING)]),
        _index([("la", ASCENDING), ("created_at", ASCENDING)]),
    ],
    # Complaints about the advocacy service itself (advocacy.complaints): a child's own, and those a
    # manager handles.
    "complaints": [_index([("child", ASCENDING), ("made_at", DESCENDING)]),
                   _index([("handler.role", ASCENDING), ("handler.id", ASCENDING), ("made_at", DESCENDING)])],
    # A child's requests to put right something held about them (advocacy.corrections): their own, and
    # those a manager decides.
    "corrections": [_index([("child", ASCENDING), ("asked_at", DESCENDING)]),
                    _index([("decider.role", ASCENDING), ("decider.id", ASCENDING), ("asked_at", DESCENDING)])],
    # A child asked, once, whether they felt listened to (advocacy.feedback): _id is the child and the occasion.
    "feedback": [_index([("child", ASCENDING), ("asked_at", DESCENDING)])],
    # Feedback answers counted for the figures, with no child, worry or day: area, month and answers only.
    "feedback_counted": [_index([("month", ASCENDING)])],
    # Non-instructed advocacy (advocacy.non_instructed): each decision and review, and each visit, sealed.
    "advocacy_decisions": [_index([("child", ASCENDING), ("at", ASCENDING)])],
    "visits": [_index([("child", ASCENDING), ("at", DESCENDING)])],
    # Key moments in a child's care (advocacy.moments): meetings and events with the child's views put,
    # by local authority for the figures.
    "moments": [_index([("child", ASCENDING), ("on", ASCENDING)]), _index([("la", ASCENDING), ("on", ASCENDING)])],
    # Children's messages that safeguarding triage flagged, by message id.
    "flags": [_index([("child", ASCENDING), ("flagged_at", DESCENDING)])],
    # What was shared outside the service, and why: append only.
    "disclosures": [_index([("child", ASCENDING), ("at", ASCENDING)])],
    # The reference reviewers know a child by, instead of their name.
    "pseudonyms": [_index([("ref", ASCENDING)], unique=True)],
    # The transparency figures (advocacy.figures): running totals per area ("la:CODE", "region:SLUG",
    # "england") and London month, kept as things happen; counts as they stand at each month's end;
    # and the published (suppressed) figures of a period, one document per area, with a pointer to
    # the latest complete set.
    "figures_months": [_index([("month", ASCENDING)])],
    "figures_stock": [_index([("month", ASCENDING)])],
    "figures_published": [_index([("period", ASCENDING), ("gen", ASCENDING), ("kind", ASCENDING)])],
    "figures_current": [],
    # How many oversight items are open, by level, status, area, category and reviewer (advocacy.oversight.counts).
    "oversight_counts": [],
    # A child's phones that show "You have a new message" (advocacy.push): the address sealed, found by a
    # keyed hash of it; each belongs to the sign-in that switched it on.
    "push_subscriptions": [_index([("endpoint_lookup", ASCENDING)], unique=True),
                           _index([("child", ASCENDING)]), _index([("session", ASCENDING)])],
}


class CommandCounts(monitoring.CommandListener):
    """How many commands the driver has sent, by command name and collection (the driver's command monitoring).

    Read by ``/metrics`` and so by the benches, which divide by messages stored to give the
    database's work per message. Only names are kept: no filter, no document, no id.
    """

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str]] = Counter()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        name = event.command_name
        target = event.command.get(name)
        self.counts[(name, target if isinstance(target, str) else "")] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


@dataclass
class Store:
    """A connected database and its collections."""

    client: AsyncMongoClient
    db: AsyncDatabase
    commands: CommandCounts = field(default_factory=CommandCounts)
    _collections: dict[str, AsyncCollection] = field(default_factory=dict)
    # The advocacy.crypto.Keyring sealing children's data in this database (Keyring.attach sets it).
    keyring: Any = None

    @classmethod
    async def connect(
        cls, uri: str, database_name: str, timeout_seconds: float = 15, operation_timeout_seconds: float | None = None
    ) -> Store:
        """Connect, waiting up to ``timeout_seconds`` for the database to answer.

        Afterwards each operation takes at most ``operation_timeout_seconds`` in all,
        so while the database is down (or hung) a request fails fast with an error
        the person can act on instead of hanging.
        """
        operation = operation_timeout_seconds or timeout_seconds
        commands = CommandCounts()
        client = AsyncMongoClient(
            uri,
            serverSelectionTimeoutMS=int(operation * 1000),
            connectTimeoutMS=int(operation * 1000),
            timeoutMS=int(operation * 1000),
            tz_aware=True,
            uuidRepresentation="standard",
            # An acknowledged write is on disk (journal) and, on a replica set, on a
            # majority of members: a message acked to a child is never lost in a crash.
            w="majority",
            journal=True,
            event_listeners=[commands],
        )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_seconds
        while True:
            try:
                await client.admin.command("ping")
                break
            except PyMongoError as exc:
                if loop.time() + 0.2 < deadline:
                    await asyncio.sleep(0.2)
                    continue
                await client.close()
                raise DatabaseUnavailable(f"could not reach the database: {exc.__class__.__name__}") from exc
        return cls(client=client, db=client[database_name], commands=commands)

    def __getattr__(self, name: str) -> AsyncCollection:
        if name.startswith("_") or name not in INDEXES:
            raise AttributeError(name)
        coll = self._collections.get(name)
        if coll is None:
            coll = self._collections[name] = self.db[name]
        return coll

    async def create_indexes(self) -> None:
        await self._replace_old_indexes()
        for name, indexes in INDEXES.items():
            if indexes:
                await self.db[name].create_indexes(indexes)

    async def _replace_old_indexes(self) -> None:
        """Once, on a database made before an index changed: bring the data in line, drop the old one."""
        if "next_due_1" in await self.concerns.index_information():
            await self.concerns.update_many({"next_due": None}, {"$unset": {"next_due": ""}})
            try:
                await self.concerns.drop_index("next_due_1")
            except OperationFailure:  # another process starting at the same moment dropped it
                pass

    async def drop_database(self) -> None:
        await self.client.drop_database(self.db.name)

    async def close(self, timeout_seconds: float = 10) -> None:
        """Close the connections. The driver waits for its background tasks (server monitors, the
        cursor killer) to end; a shutdown never waits on them longer than ``timeout_seconds``."""
        try:
            await asyncio.wait_for(self.client.close(), timeout_seconds)
        except TimeoutError:
            log.warning("the database connections did not close within %.0f s; going on", timeout_seconds)

    async def collection_names(self) -> list[str]:
        """Every collection in the database, sorted (for a backup: those INDEXES names and any other)."""
        return sorted(await self.db.list_collection_names())

    def collection(self, name: str) -> AsyncCollection:
        """Any collection by name, for a backup or restore; services use ``store.NAME``."""
        return self.db[name]


# Extended JSON (canonical): a backup keeps every type as stored (binary sealed text, dates, ids).
_JSON = json_util.JSONOptions(json_mode=json_util.JSONMode.CANONICAL, tz_aware=True,
                              uuid_representation=UuidRepresentation.STANDARD)


def to_json_line(doc: dict[str, Any]) -> str:
    return json_util.dumps(doc, json_options=_JSON)


def from_json_line(line: str) -> dict[str, Any]:
    return json_util.loads(line, json_options=_JSON)


# How many values one ``$in`` read asks for at most (``find_in``).
IN_PART = 50


async def find_in(collection: AsyncCollection, field: str, values: Iterable[Any],
                  projection: dict[str, Any] | None = None, **query: Any) -> AsyncIterator[dict[str, Any]]:
    """The documents whose ``field`` is one of ``values`` (and that match ``query``), read
    ``IN_PART`` values at a time. SecantusDB checks each document it finds against the whole list,
    so one read of k values costs it k x k comparisons, all in one command that holds back every
    other: 250 ids took it 72 ms (the figures' read of a second's replies at 500 messages a second,
    which held every message back as long), in parts of 50 24 ms; 500 ids 259 ms, in parts 47 ms."""
    wanted = sorted(set(values))
    for start in range(0, len(wanted), IN_PART):
        async for doc in collection.find({**query, field: {"$in": wanted[start:start + IN_PART]}}, projection):
            yield doc


async def insert_each(collection: AsyncCollection, docs: list[dict[str, Any]]) -> list[Exception | None]:
    """Insert many documents in one call; per document, None or the error it alone met.

    A document that breaks a unique index gets a DuplicateKeyError; the others are
    stored all the same (unordered), so one resend cannot fail its neighbours.
    """
    try:
        await collection.insert_many(docs, ordered=False)
    except BulkWriteError as exc:
        results: list[Exception | None] = [None] * len(docs)
        for error in exc.details.get("writeErrors", []):
            index, code = error.get("index"), error.get("code")
            if isinstance(index, int) and 0 <= index < len(docs):
                results[index] = (DuplicateKeyError if code in (11000, 11001) else PyMongoError)(
                    error.get("errmsg", "write error"))
        if exc.details.get("writeConcernErrors"):
            return [r or PyMongoError("the write was not confirmed") for r in results]
        return results
    return [None] * len(docs)


def is_unavailable(exc: BaseException) -> bool:
    """True when an error means the database is down rather than the request being wrong."""
    return isinstance(exc, (ServerSelectionTimeoutError, DatabaseUnavailable)) or (
        isinstance(exc, PyMongoError) and getattr(exc, "timeout", False)
    )
