"""nbgrader's SaveAutoGrades, committing once per notebook.

nbgrader commits after every graded and every answer cell: five write transactions for a five-cell exercise,
each taking the gradebook's lock and syncing its journal to disk, while the other workers wait for the lock.
Here the very same ORM changes are flushed cell by cell and committed once at the end of the notebook: the same
rows, one transaction, and a notebook's grades are saved all together or not at all.
"""
from __future__ import annotations

from nbgrader.api import Gradebook
from nbgrader.preprocessors import NbGraderPreprocessor, SaveAutoGrades


class SaveAutoGradesOnce(SaveAutoGrades):
    def preprocess(self, nb, resources):
        self.notebook_id = resources["nbgrader"]["notebook"]
        self.assignment_id = resources["nbgrader"]["assignment"]
        self.student_id = resources["nbgrader"]["student"]
        self.db_url = resources["nbgrader"]["db_url"]
        self.gradebook = Gradebook(self.db_url)
        with self.gradebook:
            session = self.gradebook.db
            session.commit = session.flush  # nbgrader's per-cell commits become flushes of the same changes
            try:
                nb, resources = NbGraderPreprocessor.preprocess(self, nb, resources)
            finally:
                del session.commit
            session.commit()
        return nb, resources


def is_save_auto_grades(step) -> bool:
    return step in (SaveAutoGrades, "nbgrader.preprocessors.SaveAutoGrades",
                    "nbgrader.preprocessors.saveautogrades.SaveAutoGrades")
