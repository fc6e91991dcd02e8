"""Key moments in a child's care: the meetings and events where advocacy matters most.

A looked-after review, a child protection conference, a placement move, a complaint,
leaving care, a new social worker: recorded with its date; the child is asked in their
chat, in their language, what they want said; their views are written down and,
afterwards, what was decided and whether it matched. The pure rules are in ``rules``.
"""
