"""Notifications for staff: what needs them, stored (``service``) and pushed live to their consoles (``events``)."""
