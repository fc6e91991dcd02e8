"""The escalation ladder and the sweeper that climbs it (see service.py and sweeper.py)."""
