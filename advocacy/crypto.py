"""Encryption at rest: a data key per child, wrapped by the master key.

What a child says (message text, their own words), what staff write about them
and their name are sealed with AES-256-GCM under that child's data key before
they reach the database. Data keys are stored only wrapped (AES-256-GCM under a
master key the server gets from its configuration, never from the database).
Deleting a child's data key makes everything sealed under it unreadable for
good: that is how a child's data is erased (crypto-shredding).

A sealed value is ``VERSION | key id | nonce | ciphertext+tag`` as bytes; the
child's id and the purpose (``"message"``, ``"name"`` ...) are bound in as
associated data, so a value copied to another child or another field does not
open.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from advocacy.clock import Clock
from advocacy.settings import Settings
from advocacy.store import DuplicateKeyError, Store

__all__ = [
    "DataErased",
    "Keyring",
    "MasterKeyError",
    "ServiceSecrets",
    "decode_master_key",
    "key_id",
    "keyring_of",
    "load_accepted_master_keys",
    "load_master_key",
    "new_master_key",
]

VERSION = 1
NONCE_BYTES = 12
KEY_ID_BYTES = 4
ERASED_TEXT = "(deleted)"
# An unwrapped data key is kept in memory this long at most, so a key shredded by
# another process stops opening anything here within this time.
CACHE_SECONDS = 300


class MasterKeyError(ValueError):
    """The master key is missing, malformed or does not open a stored data key."""


class DataErased(Exception):
    """The child's data key is gone (erased) or the value was tampered with."""


def new_master_key() -> str:
    """A fresh master key, base64-encoded, for ADVOCACY_MASTER_KEY or a key file."""
    return base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()


def decode_master_key(text: str, where: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise MasterKeyError(f"{where}: the master key is not base64") from None
    if len(key) != 32:
        raise MasterKeyError(f"{where}: the master key must be 32 bytes (44 base64 characters), not {len(key)} bytes")
    return key


def key_id(master: bytes) -> bytes:
    """A short public fingerprint of a master key, stored beside what it wraps."""
    return hashlib.sha256(b"advocacy master key id:" + master).digest()[:KEY_ID_BYTES]


def read_key_file(path: Path) -> bytes:
    try:
        return decode_master_key(path.read_text(), str(path))
    except OSError as exc:
        raise MasterKeyError(f"{path}: cannot read the master key file ({exc.strerror})") from None


def create_key_file(path: Path) -> bytes:
    """Write a new master key readable only by this user; refuses to replace an existing file."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise MasterKeyError(f"{path} exists already: a key file is never replaced (its data would be lost)") from None
    except OSError as exc:
        raise MasterKeyError(f"{path}: cannot write the master key file ({exc.strerror})") from None
    with os.fdopen(fd, "w") as f:
        f.write(new_master_key() + "\n")
    return read_key_file(path)


HOW_TO_GIVE_A_KEY = (
    "make one with `advocacy keys new --out PATH` (PATH outside the data folder, readable only by the server) "
    "and give it as ADVOCACY_MASTER_KEY_FILE=PATH (or the key itself in ADVOCACY_MASTER_KEY); "
    "for local development only, `advocacy serve --demo` or ADVOCACY_DEVELOPMENT_MASTER_KEY=true makes one. "
    "See docs/operations.md, \"The master key\""
)


def development_secrets_folder(data_dir: Path | str) -> Path:
    """Where local development keeps its secrets (the key, the demo's sign-ins): beside the data folder,
    never inside it (``var`` -> ``var-key``), so a copy of the data folder holds neither."""
    data = Path(data_dir).absolute()
    return data.parent / f"{data.name}-key"


def development_key_path(settings: Settings) -> Path:
    """Where local development keeps its key (``development_secrets_folder``), so a copy of the data
    folder does not hold the key that opens it."""
    return development_secrets_folder(settings.data_dir) / "master.key"


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def load_master_key(settings: Settings, *, create_for_development: bool = False) -> bytes:
    """The master key from ADVOCACY_MASTER_KEY, else master_key_file, else (development only) the
    development key file.

    Only with ``create_for_development`` (``serve --demo``, or the ``development_master_key`` setting)
    is the development key file read, or made if missing (readable only by this user), so ``make run``
    works on a fresh machine. A key file inside the data folder is refused: one backup of the folder
    would hold the data and the key that opens it.
    """
    if settings.master_key:
        return decode_master_key(settings.master_key, "environment variable ADVOCACY_MASTER_KEY")
    data = Path(settings.data_dir)
    if settings.master_key_file:
        path = Path(settings.master_key_file)
        if _inside(path, data):
            raise MasterKeyError(f"{path}: the master key file is inside the data folder {data}, so a copy of the "
                                 "folder would hold the data and the key that opens it; move it elsewhere")
        return read_key_file(path)
    legacy = data / "master.key"
    if not create_for_development:
        found = f" ({legacy} is inside the data folder and is not used)" if legacy.exists() else ""
        raise MasterKeyError(f"no master key{found}: {HOW_TO_GIVE_A_KEY}")
    path = development_key_path(settings)
    if legacy.exists() and not path.exists():  # made by an older version, inside the data folder: moved out
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.replace(legacy, path)
    if path.exists():
        return read_key_file(path)
    return create_key_file(path)


def load_accepted_master_keys(settings: Settings) -> list[bytes]:
    """Further master keys that open (never wrap) data keys: the old key while `keys rotate` runs.

    From ADVOCACY_ACCEPTED_MASTER_KEYS (base64 keys separated by commas) and/or
    accepted_master_keys_file (one key per line).
    """
    keys = [
        decode_master_key(part, "environment variable ADVOCACY_ACCEPTED_MASTER_KEYS")
        for part in settings.accepted_master_keys.split(",") if part.strip()
    ]
    if settings.accepted_master_keys_file:
        path = Path(settings.accepted_master_keys_file)
        try:
            lines = path.read_text().splitlines()
        except OSError as exc:
            raise MasterKeyError(f"{path}: cannot read the accepted master keys ({exc.strerror})") from None
        keys += [decode_master_key(line, str(path)) for line in lines if line.strip()]
    return keys


def keyring_of(store: Store) -> Keyring:
    """The keyring attached to ``store`` by whoever opened it for the service (the app, a command)."""
    keyring = store.keyring
    if keyring is None:
        raise RuntimeError("no keyring is attached to this store: call Keyring(...).attach() first")
    return keyring


class KeylessKeyring:
    """Stands in for the keyring of a command run without the master key (``advocacy audit verify``
    needs none): anything that would seal or open a child's data refuses, saying how to give the key."""

    def __init__(self, store: Store, missing: MasterKeyError) -> None:
        self.store = store
        self._missing = str(missing)

    def attach(self) -> KeylessKeyring:
        self.store.keyring = self
        return self

    def __getattr__(self, name: str) -> Any:
        raise MasterKeyError(self._missing)


SERVICE_KEY_PREFIX = "service:"


class ServiceSecrets:
    """Keyed hashes and sealing that need the master key, for sign-in and the audit trail.

    - ``lookup(kind, value)``: an HMAC-SHA256 to find a record by a secret (an access code) without
      storing anything a copy of the database could be searched with offline;
    - ``seal_verifier`` / ``open_verifier``: an argon2 hash (a PIN, a setup word) sealed with AES-GCM
      under the PIN key (a pepper), so the slow hash cannot even be tried without the key;
    - ``audit_mac``: the audit chain's HMAC, so re-chaining needs the key.
    """

    def __init__(self, lookup_key: bytes, pin_key: bytes, audit_key: bytes) -> None:
        self._lookup = lookup_key
        self._pin = AESGCM(pin_key)
        self._audit = audit_key

    def lookup(self, kind: str, value: str) -> str:
        return hmac.new(self._lookup, f"{kind}\x00{value}".encode(), hashlib.sha256).hexdigest()

    def seal_verifier(self, owner: str, verifier: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return bytes([VERSION]) + nonce + self._pin.encrypt(nonce, verifier.encode(), _aad(owner, "verifier"))

    def open_verifier(self, owner: str, sealed: Any) -> str | None:
        """The argon2 hash sealed for ``owner``; None if there is none or it does not open here."""
        if not isinstance(sealed, (bytes, bytearray)) or len(sealed) < 1 + NONCE_BYTES or sealed[0] != VERSION:
            return None
        try:
            plain = self._pin.decrypt(bytes(sealed[1 : 1 + NONCE_BYTES]), bytes(sealed[1 + NONCE_BYTES :]),
                                      _aad(owner, "verifier"))
        except InvalidTag:
            return None
        return plain.decode()

    def audit_mac(self, data: bytes) -> str:
        return hmac.new(self._audit, data, hashlib.sha256).hexdigest()


def _aad(child_id: str, purpose: str) -> bytes:
    return f"{child_id}\x00{purpose}".encode()


class Keyring:
    """Seals and opens children's data. One per process; caches unwrapped data keys.

    ``current`` wraps new data keys; ``previous`` master keys still open data keys
    wrapped under them, so servers keep working while ``rewrap_all`` moves every
    data key to the current master key (rotation without downtime).
    """

    def __init__(
        self, store: Store, current: bytes, previous: Iterable[bytes] = (), cache_size: int = 20_000,
        clock: Clock | None = None,
    ) -> None:
        self.store = store
        self._current_id = key_id(current)
        self._masters = {key_id(k): AESGCM(k) for k in (*previous, current)}
        # child id -> (data key, when it was unwrapped), least recently used first
        self._cache: OrderedDict[str, tuple[AESGCM, float]] = OrderedDict()
        self._cache_size = cache_size
        self._clock = clock or Clock()
        self._service: dict[str, bytes] = {}

    def attach(self) -> Keyring:
        """Make this the keyring that ``keyring_of(store)`` finds (people, chat, export use it)."""
        self.store.keyring = self
        return self

    @property
    def current_key_id(self) -> str:
        return self._current_id.hex()

    # data keys -------------------------------------------------------------

    def _wrap(self, child_id: str, data_key: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._masters[self._current_id].encrypt(nonce, data_key, _aad(child_id, "data key"))
        return bytes([VERSION]) + self._current_id + nonce + sealed

    def _unwrap(self, child_id: str, wrapped: bytes) -> bytes:
        master = self._masters.get(wrapped[1 : 1 + KEY_ID_BYTES])
        if wrapped[0] != VERSION or master is None:
            raise MasterKeyError(
                f"the data key of {child_id} is wrapped by a master key this server was not given; "
                "give that key in ADVOCACY_ACCEPTED_MASTER_KEYS until `advocacy keys rotate` has run"
            )
        nonce = wrapped[1 + KEY_ID_BYTES : 1 + KEY_ID_BYTES + NONCE_BYTES]
        try:
            return master.decrypt(nonce, wrapped[1 + KEY_ID_BYTES + NONCE_BYTES :], _aad(child_id, "data key"))
        except InvalidTag:
            raise MasterKeyError(f"the data key of {child_id} does not open with the configured master key") from None

    def _remember(self, child_id: str, aead: AESGCM) -> AESGCM:
        self._cache[child_id] = (aead, self._clock.monotonic())
        self._cache.move_to_end(child_id)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return aead

    def _cached(self, child_id: str) -> AESGCM | None:
        entry = self._cache.get(child_id)
        if entry is None:
            return None
        if self._clock.monotonic() - entry[1] > CACHE_SECONDS:
            del self._cache[child_id]
            return None
        self._cache.move_to_end(child_id)
        return entry[0]

    async def preload(self, child_ids: Iterable[str], *, by_range: bool = False) -> None:
        """Unwrap the data keys of many children with one read (a console listing its children).

        ``by_range``: read the keys between the least and the greatest id instead of naming each, for
        ids that are most of a stretch (a page of the whole roster read in id order): on the embedded
        database a long ``$in`` costs about a millisecond an id, a range a hundredth of that."""
        wanted = {c for c in set(child_ids) if self._cached(c) is None}
        if not wanted:
            return
        query = ({"_id": {"$gte": min(wanted), "$lte": max(wanted)}} if by_range
                 else {"_id": {"$in": list(wanted)}})
        async for doc in self.store.keys.find(query):
            if doc["_id"] in wanted:
                self._remember(doc["_id"], AESGCM(self._unwrap(doc["_id"], doc["wrapped"])))

    async def _data_key(self, child_id: str, create: bool) -> AESGCM:
        aead = self._cached(child_id)
        if aead is not None:
            return aead
        doc = await self.store.keys.find_one({"_id": child_id})
        if doc is None:
            if not create:
                raise DataErased(child_id)
            data_key = AESGCM.generate_key(bit_length=256)
            try:
                await self.store.keys.insert_one({"_id": child_id, "wrapped": self._wrap(child_id, data_key)})
            except DuplicateKeyError:  # another request created it a moment ago
                doc = await self.store.keys.find_one({"_id": child_id})
            else:
                return self._remember(child_id, AESGCM(data_key))
            if doc is None:
                raise DataErased(child_id)
        return self._remember(child_id, AESGCM(self._unwrap(child_id, doc["wrapped"])))

    # sealing ---------------------------------------------------------------

    async def seal(self, child_id: str, text: str, purpose: str) -> bytes:
        """Encrypt ``text`` about ``child_id`` for storage (creates the child's data key if needed)."""
        aead = await self._data_key(child_id, create=True)
        nonce = os.urandom(NONCE_BYTES)
        return bytes([VERSION]) + nonce + aead.encrypt(nonce, text.encode(), _aad(child_id, purpose))

    async def unseal(self, child_id: str, sealed: bytes, purpose: str) -> str:
        """The text; DataErased if the child's key is gone or the value does not belong here."""
        if not isinstance(sealed, (bytes, bytearray)) or len(sealed) < 1 + NONCE_BYTES or sealed[0] != VERSION:
            raise DataErased(child_id)
        aead = await self._data_key(child_id, create=False)
        try:
            plain = aead.decrypt(sealed[1 : 1 + NONCE_BYTES], bytes(sealed[1 + NONCE_BYTES :]), _aad(child_id, purpose))
        except InvalidTag:
            raise DataErased(child_id) from None
        return plain.decode()

    async def unseal_or_erased(self, child_id: str, sealed: bytes | None, purpose: str) -> str:
        """The text, or a plain placeholder when it has been erased."""
        if sealed is None:
            return ""
        try:
            return await self.unseal(child_id, sealed, purpose)
        except DataErased:
            return ERASED_TEXT

    # erasure and rotation --------------------------------------------------

    async def shred(self, child_id: str) -> bool:
        """Delete the child's data key: everything sealed under it is unreadable from now on."""
        self._cache.pop(child_id, None)
        result = await self.store.keys.delete_one({"_id": child_id})
        return result.deleted_count == 1

    def forget(self, child_id: str) -> None:
        """Drop a cached data key (another process shredded it)."""
        self._cache.pop(child_id, None)

    async def wrapping_counts(self) -> dict[str, int]:
        """How many data keys each master key (by its public id, in hex) wraps."""
        counts: dict[str, int] = {}
        async for doc in self.store.keys.find({}, {"wrapped": 1}):
            kid = bytes(doc["wrapped"][1 : 1 + KEY_ID_BYTES]).hex()
            counts[kid] = counts.get(kid, 0) + 1
        return counts

    # the service's own secrets -------------------------------------------

    async def service_secret(self, name: str) -> bytes:
        """A 32-byte secret of the service itself (``"lookup"``, ``"pin"``, ``"audit"`` ...), made at first use.

        Stored like a child's data key (``keys`` under ``service:NAME``, wrapped by the master key), so a
        copy of the database alone does not give it, and it follows a master key rotation unchanged. It is
        never shredded: retention erases children, not the service.
        """
        key = SERVICE_KEY_PREFIX + name
        cached = self._service.get(key)
        if cached is not None:
            return cached
        doc = await self.store.keys.find_one({"_id": key})
        if doc is None:
            secret = os.urandom(32)
            try:
                await self.store.keys.insert_one({"_id": key, "wrapped": self._wrap(key, secret)})
            except DuplicateKeyError:  # another process made it a moment ago
                doc = await self.store.keys.find_one({"_id": key})
        if doc is not None:
            secret = self._unwrap(key, doc["wrapped"])
        self._service[key] = secret
        return secret

    async def secrets(self) -> ServiceSecrets:
        """The keys sign-in and the audit trail use, derived from the service's secrets."""
        return ServiceSecrets(await self.service_secret("lookup"), await self.service_secret("pin"),
                              await self.service_secret("audit"))

    async def rewrap_all(self) -> int:
        """Re-wrap every data key not yet under the current master key; returns how many moved.

        Safe while servers run: a data key's value never changes, only its wrapping,
        and each key is replaced only if it still holds the wrapping we read.
        """
        moved = 0
        async for doc in self.store.keys.find({}):
            wrapped = doc["wrapped"]
            if wrapped[1 : 1 + KEY_ID_BYTES] == self._current_id:
                continue
            data_key = self._unwrap(doc["_id"], wrapped)
            result = await self.store.keys.update_one(
                {"_id": doc["_id"], "wrapped": wrapped}, {"$set": {"wrapped": self._wrap(doc["_id"], data_key)}}
            )
            moved += result.modified_count
        return moved
