"""Sign-in, sessions, roles and what each role may do."""
