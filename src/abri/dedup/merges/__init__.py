"""Merges of two registrations of one household: the service (`services`), its page (`views`).

A merge ends a duplicate review; it writes into the registry only through the registry's locks
and models, and other apps' rows follow through `services.MergeParticipant`.
"""
