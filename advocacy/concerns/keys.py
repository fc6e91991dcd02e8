"""The app keys of concerns, escalation, safeguarding and oversight (shared by wiring and views)."""

from __future__ import annotations

from aiohttp import web

from advocacy.concerns.service import ConcernService
from advocacy.escalation.service import Ladder
from advocacy.leases import LeasedJob
from advocacy.oversight.service import OversightQueue
from advocacy.safeguarding.service import Safeguarding

concerns_key = web.AppKey("concerns", ConcernService)
ladder_key = web.AppKey("ladder", Ladder)
sweeper_key = web.AppKey("sweeper", LeasedJob)
safeguarding_key = web.AppKey("safeguarding", Safeguarding)
oversight_key = web.AppKey("oversight", OversightQueue)
