"""Jinguo notebook widgets (ipywidgets 8): quizzes, hints, progress and competition tools.

They run in a worker's kernel and talk to the platform only over its HTTP API (docs/api.md); see
docs/widgets.md for how course authors put them into notebooks.
"""
from .client import PlatformClient, PlatformError, PlatformUnavailable
from .countdown import Countdown
from .hint import Hint
from .leaderboard import Leaderboard
from .progress import Progress
from .quiz import Quiz
from .submit import Submit

__all__ = ["Countdown", "Hint", "Leaderboard", "PlatformClient", "PlatformError", "PlatformUnavailable",
           "Progress", "Quiz", "Submit"]
