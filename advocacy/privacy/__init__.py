"""A child's data at rest: sealing what older versions stored readable, retention, erasure and export."""
