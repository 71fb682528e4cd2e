"""competitions: the rules of Jinguo's labour and skills competitions as pure functions over plain data.

The hub reads a competition file with ``load_competition``, asks ``check_submission`` before it
accepts a notebook, turns grades into ``ScoreRecord``s (``split_score`` gives public and private),
keeps a ``Leaderboard`` hot per phase and board kind, and renders rows with ``public_row``.
"""
from competitions.collective import UnitRow, collective_board, participation
from competitions.divisions import division_title, divisions_of, in_division
from competitions.leaderboard import Leaderboard
from competitions.model import (
    Attempt,
    Board,
    BoardRow,
    Decision,
    EligibilityContext,
    Member,
    ScoreRecord,
    Standing,
    counts_against_limit,
)
from competitions.privacy import mask_name, public_name, public_row
from competitions.ranking import advancing, compute_board, compute_boards, standing
from competitions.rules import (
    Clock,
    Quota,
    check_submission,
    clock,
    eligibility,
    freeze_at,
    private_visible,
    public_cutoff,
    quota,
)
from competitions.scoring import public_cells, split_score
from competitions.spec import OVERALL, Competition, dump_competition, load_competition, validate_competition_file
from competitions.yamlspec import Problem, SpecError

__all__ = [
    "OVERALL", "Attempt", "Board", "BoardRow", "Clock", "Competition", "Decision", "EligibilityContext",
    "Leaderboard", "Member", "Problem", "Quota", "ScoreRecord", "SpecError", "Standing", "UnitRow",
    "advancing", "check_submission", "clock", "collective_board", "compute_board", "compute_boards",
    "counts_against_limit", "division_title", "divisions_of", "dump_competition", "eligibility", "freeze_at", "in_division",
    "load_competition", "mask_name", "participation", "private_visible", "public_cells", "public_cutoff",
    "public_name", "public_row", "quota", "split_score", "standing", "validate_competition_file",
]
