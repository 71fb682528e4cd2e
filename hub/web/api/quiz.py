"""The JSON API for the Quiz widget: is her choice right, with the explanation and the article it rests on."""
from __future__ import annotations

from courses import catalogue
from hub.refusals import Refused
from hub.web.base import APIHandler, requires
from hub.scopes import LEARN


class QuizCheckHandler(APIHandler):
    """POST /quiz/check {"course", "quiz_id", "choice": ["B"]}: right or not, the explanation and the article it
    rests on. The answers live in the course catalogue, never in her notebook."""

    @requires(LEARN)
    async def post(self) -> None:
        body = self.json_body()
        course, quiz_id, choice = str(body.get("course", "")), str(body.get("quiz_id", "")), body.get("choice")
        if not isinstance(choice, list):
            raise Refused(400, "bad_choice", "choice 应为选项列表，如 [\"B\"]", 'choice must be a list such as ["B"]')
        try:
            result = catalogue.check_quiz(course, quiz_id, [str(c) for c in choice])
        except (KeyError, catalogue.CatalogueError):
            raise Refused(404, "quiz_not_found", "找不到这道测验题", "No such quiz")
        except ValueError as exc:
            raise Refused(400, "bad_choice", *_zh_en(str(exc)))
        self.write_json({**result, "reference": result["citation"]})


def _zh_en(message: str) -> tuple[str, str]:
    zh, _, en = message.partition(" / ")
    return zh, en or zh


ROUTES = [("api/quiz/check", QuizCheckHandler)]
