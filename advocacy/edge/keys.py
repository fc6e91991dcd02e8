"""The typed keys of what the aiohttp app holds, in one leaf of the edge.

Every handler reaches the services as ``request.app[services_key].chat`` through
this module, never through the app factory (``advocacy.edge.app``), which imports
the handlers.
"""

from __future__ import annotations

import socketio
from aiohttp import web

from advocacy.assets import Assets
from advocacy.bootstrap import Services

services_key = web.AppKey("services", Services)
sio_key = web.AppKey("sio", socketio.AsyncServer)
assets_key = web.AppKey("assets", Assets)
