"""Complaints about the advocacy service itself: a child's (or someone's on their behalf) about their advocate,
the advocate's manager or the service, handled by someone other than the person complained about."""
