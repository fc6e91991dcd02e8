"""Concerns: what a child is worried about, what is done about it, and the escalation ladder it climbs.

The pure rules live in their own modules (``states``, ``sla``, ``ladder_rules``,
``categories``, ``checks``, ``words``); the records and their safe writes in
``records``; people's actions in ``service``; the ladder and its sweeper in
``ladder`` and ``sweeper``.
"""
