"""Canned replies: words a team keeps to answer children quickly (staff rich text, sanitised on the way in)."""
