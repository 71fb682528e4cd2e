"""问卷调查 / questionnaires (issue 7): members answer open surveys from the zone; organizers create them from YAML,
open and close them, and read the results (small groups suppressed) as tables, a chart and an xlsx workbook.
Every write is a POST with XSRF, done by hub/surveys/responses.py in one transaction."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from courses.clock import shown
from competitions.surveys.spec import BREAKDOWNS, BREAKDOWNS_EN, KINDS, AnswerError
from hub.surveys import responses as surveys
from hub.store.orm import MemberStatus, Survey
from hub.refusals import Refused
from hub.web.base import XLSX, BaseHandler, requires
from hub.surveys.exports import HIDDEN, chart_png, hidden_note, write_xlsx
from hub.scopes import LEARN, ORGANIZE



class SurveyPage(BaseHandler):
    def render_page(self, template: str, **ns: Any) -> None:
        super().render_page(template, local=shown, kinds=KINDS, status_zh=surveys.STATUS_ZH, hidden=HIDDEN, **ns)

    def url(self, slug: str = "", tail: str = "") -> str:
        return f"{self.settings['prefix']}surveys/{slug}{tail}"

    def load(self, slug: str) -> Survey:
        row = surveys.get_survey(self.db, slug)
        if row.status == "draft" and not self.can(ORGANIZE):  # a draft is the organizers' until it opens
            raise Refused(404, "survey_not_found", "找不到这份问卷", "No such survey")
        return row


class SurveysPage(SurveyPage):
    """The open surveys to answer; for organizers every survey and a new one from its YAML."""

    @requires(LEARN)
    async def get(self) -> None:
        self.render_list(problems=[], text="")

    def render_list(self, **ns: Any) -> None:
        organizer = self.can(ORGANIZE)
        rows = surveys.list_surveys(self.db, open_only=not organizer)
        answered = {r.id for r in rows if surveys.response_of(self.db, r, self.member) is not None}
        self.render_page("surveys.html", surveys=rows, answered=answered, organizer=organizer,
                         counts=surveys.response_counts(self.db) if organizer else {}, **ns)

    @requires(ORGANIZE)
    async def post(self) -> None:
        row = await self.create_from_spec(
            lambda text, _name: surveys.create_survey(self.db, text, self.current_user["name"]),
            lambda problems, text: self.render_list(problems=problems, text=text))
        if row is not None:
            self.redirect(self.url(row.slug, "?done=created"), status=303)


class AnswerPage(SurveyPage):
    """One survey: its form (her earlier answers filled in, changeable until it closes); organizers preview drafts."""

    @requires(LEARN)
    async def get(self, slug: str) -> None:
        row = self.load(slug)
        mine = surveys.response_of(self.db, row, self.member)
        self.render_form(row, answers=mine.answers if mine else {}, answered=mine is not None, problems={})

    def render_form(self, row: Survey, **ns: Any) -> None:
        approved = self.member is not None and self.member.status == MemberStatus.approved
        self.render_page("survey.html", survey=row, spec=surveys.spec_of(row), approved=approved,
                         organizer=self.can(ORGANIZE), done=self.get_argument("done", ""), **ns)

    @requires(LEARN)
    async def post(self, slug: str) -> None:
        row = self.load(slug)
        raw = {name[2:]: [v.decode("utf-8", "replace") for v in values]
               for name, values in self.request.body_arguments.items() if name.startswith("q_")}
        try:
            _, first = surveys.answer(self.db, slug, self.member, raw)
            self.db.commit()
        except AnswerError as exc:  # every problem beside its question; what she entered stays in the form
            self.db.rollback()
            self.set_status(400)
            spec = surveys.spec_of(row)
            typed = {k: v if getattr(spec.question(k), "kind", "") == "multiple" else (v[0] if v else "")
                     for k, v in raw.items()}
            return self.render_form(row, answers=typed, answered=False,
                                    problems={p.question: p for p in exc.problems})
        self.redirect(self.url(slug, f"?done={'saved' if first else 'changed'}"), status=303)


class MoveHandler(SurveyPage):
    """POST surveys/SLUG/open or /close (organizers), then back to the survey's page."""

    @requires(ORGANIZE)
    async def post(self, slug: str, action: str) -> None:
        surveys.move(self.db, slug, action, self.current_user["name"])
        self.db.commit()
        self.redirect(self.url(slug, f"/results?done={action}"), status=303)


class ResultsPage(SurveyPage):
    """Tables overall and per breakdown group, the chart, downloads; only aggregates, small groups hidden."""

    @requires(ORGANIZE)
    async def get(self, slug: str) -> None:
        row = self.load(slug)
        res = surveys.results(self.db, row, self.settings["survey_settings"])
        self.render_page("survey_results.html", survey=row, spec=surveys.spec_of(row), res=res,
                         note=hidden_note(res.k), breakdown_zh=BREAKDOWNS, breakdown_en=BREAKDOWNS_EN,
                         done=self.get_argument("done", ""))


class ResultsXlsx(SurveyPage):
    @requires(ORGANIZE)
    async def get(self, slug: str) -> None:
        row = self.load(slug)
        now = datetime.now(timezone.utc)
        data = write_xlsx(surveys.spec_of(row), surveys.results(self.db, row, self.settings["survey_settings"]), now)
        surveys.record_export(self.db, row, self.current_user["name"], "xlsx")
        self.db.commit()
        self.send_download(f"{row.slug}-results-{now:%Y%m%d}.xlsx", data, XLSX)


class ChartPng(SurveyPage):
    @requires(ORGANIZE)
    async def get(self, slug: str) -> None:
        row = self.load(slug)
        self.set_header("Content-Type", "image/png")
        self.set_header("Cache-Control", "no-store")  # answers keep coming while the survey is open
        self.finish(chart_png(surveys.spec_of(row), surveys.results(self.db, row, self.settings["survey_settings"])))


SLUG = r"([a-z0-9][a-z0-9-]{1,63})"
ROUTES = [
    (r"surveys/?", SurveysPage),
    (rf"surveys/{SLUG}", AnswerPage),
    (rf"surveys/{SLUG}/(open|close)", MoveHandler),
    (rf"surveys/{SLUG}/results", ResultsPage),
    (rf"surveys/{SLUG}/results\.xlsx", ResultsXlsx),
    (rf"surveys/{SLUG}/chart\.png", ChartPng),
]
