"""Non-instructed advocacy: for a child who cannot tell an advocate what they want.

The decision (with its reason and a date to review it), each review, the visits
and observations the advocate records, and the reminder when a visit is overdue.
The pure rules are in ``rules``; the records in ``service``.
"""
