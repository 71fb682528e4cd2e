"""创新工作室与展示 / studios and the showcase (seed clause 十二: typical examples).

Anyone reads the showcase, without logging in, like the public notice: studios, their public achievements and the
winners of final nomination lists (name, unit, achievement — as the round's privacy settings let the public notice
show them; nothing private, no score). Organizers create studios,
add members and record achievements on the same pages, and correct them (remove a member, edit or withdraw an
achievement); hub/nominations/studios.py and hub/nominations/studio_corrections.py check, store and audit each write.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable

from competitions.nominations.privacy import public_line
from competitions.nominations.studios import KINDS, StudioError
from hub.nominations import rounds as nominations
from hub.nominations import studio_corrections as corrections
from hub.nominations import studios
from hub.store.orm import Studio
from hub.store.seed import choices
from hub.web.base import BaseHandler, requires
from hub.scopes import ORGANIZE



class StudioBase(BaseHandler):
    def studio(self, studio_id: str) -> Studio:
        return studios.get_studio(self.db, int(studio_id))

    def arg(self, name: str) -> str:
        return self.get_body_argument(name, "")

    def write_or_show(self, work: Callable[[], Any], done: str | Callable[[Any], str],
                      again: Callable[[list], None]) -> None:
        """Commit one write and go back to the page (303); a refused one stores nothing and shows every problem.
        ``done``: the address to go back to, formatted with the write's result, or a function of that result."""
        try:
            row = work()
            self.db.commit()
        except StudioError as exc:
            self.db.rollback()
            self.set_status(400)
            return again(exc.problems)
        self.redirect(done(row) if callable(done) else done.format(row=row), status=303)


def public_winners(s: Any) -> list[studios.Winner]:
    """The winners as each round's privacy settings let the public see them: never a score."""
    specs: dict[str, Any] = {}
    out = []
    for w in studios.winners(s):
        if w.round_slug not in specs:
            specs[w.round_slug] = nominations.privacy_spec_of(nominations.get_round(s, w.round_slug))
        shown = public_line(specs[w.round_slug], w.name, w.unit, w.achievement)
        out.append(replace(w, name=shown.name, unit=shown.unit, achievement=shown.achievement))
    return out


class ShowcasePage(StudioBase):
    """GET studios/: the showcase, public (no login). POST (organizers): a new studio."""

    async def get(self) -> None:
        self.render_showcase()

    def render_showcase(self, problems: list | None = None) -> None:
        s = self.db
        rows = studios.list_studios(s)
        self.render_page("studios.html", studios=rows, kinds=KINDS, problems=problems or [],
                         achievements={r.id: studios.achievements_of(s, r)[:3] for r in rows},
                         sizes={r.id: len(studios.members_of(s, r)) for r in rows}, winners=public_winners(s),
                         organizer=self.can(ORGANIZE), units=choices(s)["units"] if self.can(ORGANIZE) else [],
                         form={k: self.get_body_argument(k, "") for k in ("name", "leader", "unit", "summary")}
                         if problems else {})

    @requires(ORGANIZE)
    async def post(self) -> None:
        self.write_or_show(lambda: studios.create_studio(
            self.db, name=self.arg("name"), leader=self.arg("leader"), unit=self.arg("unit"),
            summary=self.arg("summary"), actor=self.current_user["name"]),
            f"{self.settings['prefix']}studios/{{row.id}}?done=created", self.render_showcase)


class StudioPage(StudioBase):
    """GET studios/ID: the studio, its public achievements; organizers also see its members (and those removed),
    every achievement (private ones marked, withdrawn ones struck through with the reason) and the forms to add a
    member, record an achievement, remove a member, edit or withdraw an achievement. Public, like the showcase."""

    async def get(self, studio_id: str) -> None:
        self.render_studio(self.studio(studio_id))

    def render_studio(self, row: Studio, problems: list | None = None, form: str = "") -> None:
        organizer = self.can(ORGANIZE)
        people = studios.members_of(self.db, row)
        former = studios.former_members_of(self.db, row) if organizer else []
        # a refused correction shows the form again as she filled it in
        typed = {k: self.get_body_argument(k, "") for k in EDIT_FIELDS} if problems else {}
        self.render_page("studio.html", studio=row, kinds=KINDS, organizer=organizer, size=len(people),
                         people=people if organizer else [], former=former,
                         names={m.id: m.real_name for m in people + [f.member for f in former]},
                         usernames={m.id: m.username for m in people + [f.member for f in former]},
                         achievements=studios.achievements_of(self.db, row, public_only=not organizer),
                         problems=problems or [], failed_form=form, typed=typed, done=self.get_argument("done", ""))


class StudioWrite(StudioPage):
    """POST studios/ID/members or studios/ID/achievements (organizers)."""

    @requires(ORGANIZE)
    async def post(self, studio_id: str, what: str) -> None:
        row, me = self.studio(studio_id), self.current_user["name"]
        if what == "members":
            work = lambda: studios.add_member(self.db, row.id, self.arg("username"), me)  # noqa: E731
        else:
            work = lambda: studios.record_achievement(  # noqa: E731
                self.db, row.id, title=self.arg("title"), kind=self.arg("kind"), achieved_on=self.arg("achieved_on"),
                description=self.arg("description"), public=self.arg("public") == "yes", credited=self.arg("credited"),
                actor=me)
        self.write_or_show(work, f"{self.settings['prefix']}studios/{row.id}?done={what}",
                           lambda problems: self.render_studio(self.studio(studio_id), problems, what))


class MemberRemoval(StudioPage):
    """POST studios/ID/members/remove (organizers): she leaves the studio; never its leader."""

    @requires(ORGANIZE)
    async def post(self, studio_id: str) -> None:
        row = self.studio(studio_id)
        self.write_or_show(lambda: corrections.remove_member(self.db, row.id, self.arg("username"),
                                                             self.current_user["name"]),
                           f"{self.settings['prefix']}studios/{row.id}?done=removed",
                           lambda problems: self.render_studio(self.studio(studio_id), problems, "remove"))


class AchievementCorrection(StudioPage):
    """POST studios/ID/achievements/AID/edit or .../withdraw (organizers)."""

    @requires(ORGANIZE)
    async def post(self, studio_id: str, achievement_id: str, what: str) -> None:
        row, me, aid = self.studio(studio_id), self.current_user["name"], int(achievement_id)
        back = f"{self.settings['prefix']}studios/{row.id}?done="
        if what == "edit":
            work = lambda: corrections.edit_achievement(  # noqa: E731
                self.db, row.id, aid, title=self.arg("title"), kind=self.arg("kind"),
                achieved_on=self.arg("achieved_on"), description=self.arg("description"),
                public=self.arg("public") == "yes", credited=self.arg("credited"), actor=me)
            done: Callable[[Any], str] = lambda result: back + ("edited" if result[1] else "unchanged")  # noqa: E731
        else:
            work = lambda: corrections.withdraw_achievement(self.db, row.id, aid, self.arg("reason"), me)  # noqa: E731
            done = lambda result: back + "withdrawn"  # noqa: E731
        self.write_or_show(work, done, lambda problems: self.render_studio(self.studio(studio_id), problems,
                                                                           f"{what}-{aid}"))


EDIT_FIELDS = ("title", "kind", "achieved_on", "description", "public", "credited", "reason")

ROUTES = [
    (r"studios/?", ShowcasePage),
    (r"studios/(\d+)", StudioPage),
    (r"studios/(\d+)/(members|achievements)", StudioWrite),
    (r"studios/(\d+)/members/remove", MemberRemoval),
    (r"studios/(\d+)/achievements/(\d+)/(edit|withdraw)", AchievementCorrection),
]
