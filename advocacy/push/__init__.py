"""Web Push for children: their phone shows "You have a new message" when a reply waits and no chat page is open."""
