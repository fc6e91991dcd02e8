"""Search across a member of staff's own conversations and concerns (sealed words opened in memory only)."""
