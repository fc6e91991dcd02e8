"""Automated participants: they talk to the server only over its public protocol (docs/protocol.md)."""
