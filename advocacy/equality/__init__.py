"""Equality monitoring the child controls: optional answers about themselves, sealed, used only in aggregate;
never read by pairing."""
