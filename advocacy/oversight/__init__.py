"""The oversight queue for reviewers at the Children's Commissioner's office (back end)."""
