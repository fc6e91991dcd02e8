"""The server's log lines: plain text or one JSON object a line, each with the request id it belongs to.

Every HTTP request and every socket event gets an id (``request_id``), set by the edge and written
into every line logged while it is handled, and returned to HTTP callers as ``X-Request-ID``. What is
logged anywhere is ids, counts and error names: never message text or personal data.
"""

from __future__ import annotations

import json
import logging
import secrets
from contextvars import ContextVar
from datetime import datetime, timezone

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

# Libraries whose DEBUG records carry what passes through them: the MongoDB driver writes every command
# and reply (hashes, sealed values, birth dates). They stay at INFO whatever the service's own level.
QUIET_BELOW_INFO = ("pymongo", "socketio", "engineio", "aiohttp.access", "aiohttp.server", "aiohttp.web")

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"


def new_request_id() -> str:
    return secrets.token_hex(8)


class _WithRequestId(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message, request_id, and any error's traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", None)
        if rid and rid != "-":
            entry["request_id"] = rid
        for key in ("method", "path", "status", "duration_ms", "size"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(level: str, form: str) -> None:
    """Log to standard error at ``level``, as "text" or "json"."""
    handler = logging.StreamHandler()
    handler.addFilter(_WithRequestId())
    handler.setFormatter(JsonFormatter() if form == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in QUIET_BELOW_INFO:
        logging.getLogger(name).setLevel(max(logging.INFO, root.level))
