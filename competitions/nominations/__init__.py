"""Nominations: rounds defined in YAML, and lists selected by merit within caps and a guaranteed share of women.
Pure functions over plain data, like the rest of competitions/; hub/ persists, serves and audits."""
from competitions.nominations.quota import Candidate, Reason, Rules, Selection, select
from competitions.nominations.spec import AWARDS, NominationRound, load_round, validate_round_file

__all__ = ["AWARDS", "Candidate", "NominationRound", "Reason", "Rules", "Selection", "load_round", "select",
           "validate_round_file"]
