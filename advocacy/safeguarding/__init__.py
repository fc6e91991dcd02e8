"""Safeguarding: triage of children's messages (pure) and the disclosure record.

Call triage as ``from advocacy.safeguarding.triage import triage``. The
function is not re-exported here: it would hide the module of the same name,
so ``from advocacy.safeguarding import triage`` would quietly mean two things.
"""

from advocacy.safeguarding.triage import Match, Rules, RulesError, load_rules, normalise

__all__ = ["Match", "Rules", "RulesError", "load_rules", "normalise"]
