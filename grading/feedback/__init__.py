"""The feedback a learner reads: nbgrader's GenerateFeedback with a Chinese template (this folder: ``conf.json`` and
``index.html``, nbconvert's template layout, shipped as package data) and two steps of ours that run before it
(``preprocessors.py``): test cells show only their verdict, points and a message holding nothing of a hidden test,
and the hand-in time is given in Beijing time."""
from pathlib import Path

from grading.feedback.preprocessors import HandInTime, VerdictOnly

TEMPLATE_BASEDIR = str(Path(__file__).resolve().parent.parent)  # nbconvert looks for <basedir>/<template_name>/
TEMPLATE_NAME = Path(__file__).resolve().parent.name
TEMPLATE_EXTENSION = ".html"  # index.html, not index.html.j2: package data ships *.html

__all__ = ["HandInTime", "VerdictOnly", "TEMPLATE_BASEDIR", "TEMPLATE_NAME", "TEMPLATE_EXTENSION"]
