"""The web edge: what browsers, phones and bots reach over HTTP and Socket.IO.

``app`` builds the aiohttp app and the Socket.IO server around the services
(``advocacy.bootstrap``). Each capability has its HTTP handlers in
``<capability>_views`` (and ``oversight_pages``, ``site_views``) and its
Socket.IO namespace in ``<capability>_events``; all are thin: parse,
authorise, call a service, shape the answer. What they share is in
``handlers`` (HTTP), ``sockets`` (Socket.IO), ``middlewares`` and ``keys``.
Nothing outside the edge imports it, but the command that serves.
"""
