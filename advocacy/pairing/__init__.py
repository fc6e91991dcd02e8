"""Opt-out pairing of children with advocates: a pure solver (``solve``) and the service that applies it."""

from advocacy.pairing.instance import COST_NAMES, InstanceError, load_weights, validate_instance
from advocacy.pairing.solver import cost_of, greedy, solve

__all__ = ["COST_NAMES", "InstanceError", "cost_of", "greedy", "load_weights", "solve", "validate_instance"]
