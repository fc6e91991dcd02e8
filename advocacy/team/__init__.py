"""A manager's view of their own team of advocates."""
