"""The deliberation domain: conversations, statements, participants, votes and who may change them.

Rules live in `deliberation.services`; `deliberation.models` only says how things are stored.
"""
