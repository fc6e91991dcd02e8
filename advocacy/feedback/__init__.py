"""Feedback from the child: asked once, when a worry is sorted out and when advocacy ends, whether they felt
listened to and whether things changed. Optional; no staff member reads or changes one child's answers."""
