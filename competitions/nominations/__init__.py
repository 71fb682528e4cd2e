"""Nominations: rounds defined in YAML, lists selected by merit within caps and a guaranteed share of women, outside
candidates imported from xlsx/csv, and the review → 公示 → objections → final procedure. Pure functions over plain
data, like the rest of competitions/; hub/ persists, serves and audits."""
from competitions.nominations.imports import CandidateFileError, read_candidates, read_candidates_file
from competitions.nominations.procedure import AuditEntry, Entry, Objection, ProcedureError, RoundState
from competitions.nominations.quota import Candidate, Reason, Rules, Selection, select
from competitions.nominations.spec import AWARDS, NominationRound, load_round, validate_round_file

__all__ = ["AWARDS", "AuditEntry", "Candidate", "CandidateFileError", "Entry", "NominationRound",
           "Objection", "ProcedureError", "Reason", "RoundState", "Rules", "Selection", "load_round", "read_candidates",
           "read_candidates_file", "select", "validate_round_file"]
