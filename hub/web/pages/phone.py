"""Phone-first learning (issue 19): a course's lessons and quizzes as plain pages, no notebook server needed.

- courses/SLUG/phone: the course on a phone — its lessons by number, its quiz assignments with her status and score;
- courses/SLUG/lessons/N (N from 1): lesson N of course.yaml rendered as a light page (hub/courses/lesson_page.py);
- courses/SLUG/quiz/ASSIGNMENT: the assignment's quiz questions as a form. Her answers go into the released
  notebook's answer cells (hub/courses/quiz_pages.py) and are handed in through the same road as a notebook
  submission: hub.submissions.receive stores it, the commit makes it durable before "已收到", the grading queue
  grades it with the hidden tests in the sandbox, and progress and certificates follow from the grade.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

from sqlalchemy import select
from tornado.ioloop import IOLoop

from hub.refusals import Refused
from hub.courses import exchange as ex
from hub.courses import progress as cp
from hub.courses import quiz_pages as qp
from hub.courses.lesson_page import lesson_html
from hub.scopes import LEARN
from hub.store.orm import Assignment, Course, Grade, Role, Submission
from grading.statuses import WAITING
from hub.submissions.receive import notebook_bytes, receive
from hub.web.base import requires
from courses.clock import shown
from hub.web.course_base import SLUG, STATUS_ZH, CourseBase, first_heading

NAME = r"([a-z0-9][a-z0-9_-]{0,63})"


class PhoneBase(CourseBase):
    def readable(self, slug: str) -> tuple[Course, bool]:
        """The course and whether she learns in it; enrolled learners and the course's instructors only."""
        course = self.course(slug)
        enrolment = self.enrolment(course)
        learner = enrolment is not None and enrolment.role == Role.learner
        if not learner and enrolment is None and not self.may_teach(course):
            raise Refused(403, "not_enrolled", "您还没有报名这门课程，请先在课程列表中报名",
                          "You are not enrolled in this course; enrol from the course list first")
        return course, learner

    def lessons(self, slug: str) -> list:
        found = ex.course_lessons(slug)
        return [found[0] / name for name in found[1]] if found else []


class PhoneCoursePage(PhoneBase):
    """courses/SLUG/phone: 在手机上学习 — lessons and quiz assignments of one course."""

    @requires(LEARN)
    async def get(self, slug: str) -> None:
        course, learner = self.readable(slug)
        lessons = [(n, first_heading(p) or p.stem) for n, p in enumerate(self.lessons(slug), 1)]
        quizzes = qp.quiz_assignments(slug)
        progress = cp.her_progress(self.db, self.member, course) if learner else None
        rows = {a.name: a for a in self.db.scalars(select(Assignment).where(Assignment.course_id == course.id))}
        self.render_page("phone_course.html", course=course, lessons=lessons, quizzes=quizzes, progress=progress,
                         rows=rows, status_zh=STATUS_ZH, beijing=shown)


class PhoneLessonPage(PhoneBase):
    """courses/SLUG/lessons/N: lesson N (from 1) as a page for a small screen."""

    @requires(LEARN)
    async def get(self, slug: str, n: str) -> None:
        course, _ = self.readable(slug)
        paths = self.lessons(slug)
        i = int(n)
        if not 1 <= i <= len(paths):
            raise Refused(404, "lesson_not_found", f"没有第 {i} 篇讲义：这门课共有 {len(paths)} 篇",
                          f"there is no lesson {i}: this course has {len(paths)}")
        path = paths[i - 1]
        body = await IOLoop.current().run_in_executor(None, lesson_html, str(path), path.stat().st_mtime)
        self.render_page("lesson.html", course=course, n=i, total=len(paths), body=body,
                         title=first_heading(path) or path.stem)


class QuizPage(PhoneBase):
    """courses/SLUG/quiz/ASSIGNMENT: the assignment's quiz questions as a form; her last answers explained."""

    def setup(self, slug: str, name: str) -> tuple[Course, bool, Assignment, list[qp.Slot]]:
        course, learner = self.readable(slug)
        assignment = ex.released_assignment(self.db, course, name)
        slots = qp.assignment_slots(slug, name)
        if not slots:
            raise Refused(404, "no_quiz", "这份作业没有可以在网页上作答的测验题，请在笔记本里完成",
                          "This assignment has no quiz to answer on a page; do it in a notebook")
        return course, learner, assignment, slots

    @requires(LEARN)
    async def get(self, slug: str, name: str) -> None:
        course, learner, assignment, slots = self.setup(slug, name)
        self.show(course, learner, assignment, slots)

    def show(self, course: Course, learner: bool, assignment: Assignment, slots: list[qp.Slot],
             error: Refused | None = None, picked: dict | None = None) -> None:
        last, waiting, score, answers = [], False, None, {}
        if learner:
            subs = list(self.db.scalars(select(Submission).where(
                Submission.member_id == self.member.id, Submission.assignment_id == assignment.id)
                .order_by(Submission.id.desc())))
            last = [s for s in subs if subs and s.received_at == subs[0].received_at]
            waiting = any(s.status in WAITING for s in last)
            grades = [self.db.scalar(select(Grade).where(Grade.submission_id == s.id)) for s in last]
            if last and not waiting and all(grades):
                score = sum(g.score for g in grades)
            answers = qp.her_answers([s.notebook for s in last])
        progress = cp.her_progress(self.db, self.member, course) if learner else None
        row = next((a for a in progress.assignments if a.name == assignment.name), None) if progress else None
        total = qp.graded_points(course.slug, assignment.name)
        quiz_points = sum(s.points for s in slots)
        self.render_page("quiz.html", course=course, assignment=assignment, slots=slots, learner=learner,
                         last=last, waiting=waiting, score=score, answers=answers, picked=picked or answers,
                         row=row, status_zh=STATUS_ZH, error=error, done=self.get_argument("done", ""),
                         late=ex.is_late(assignment, datetime.now(timezone.utc)), beijing=shown,
                         notebook_only=total - quiz_points)

    @requires(LEARN)
    async def post(self, slug: str, name: str) -> None:
        course, learner, assignment, slots = self.setup(slug, name)
        form = {k: [v.decode("utf-8", "replace") for v in vs] for k, vs in self.request.body_arguments.items()
                if k != "_xsrf"}
        try:
            if not learner:
                raise Refused(403, "not_enrolled", "只有报名这门课程的学员可以提交答案",
                              "Only learners enrolled in this course may hand in answers")
            now = datetime.now(timezone.utc)
            if ex.is_late(assignment, now):
                raise Refused(409, "past_due", f"已超过截止时间（北京时间 {shown(assignment.due_at)}），不能再提交",
                              "The due date has passed; answers are no longer taken")
            answers = qp.read_form(slots, form)
            subs = self.hand_in(course, assignment, slots, answers, now)
        except Refused as r:
            self.show_refusal(course, learner, assignment, slots, r, form)
            return
        for sub in subs:
            self.settings["grading_queue"].enqueue(sub.id)
        self.redirect(f"{self.settings['prefix']}courses/{slug}/quiz/{name}?done=received", status=303)

    def show_refusal(self, course, learner, assignment, slots, refusal: Refused, form: dict) -> None:
        self.db.rollback()  # nothing half-stored
        self.set_status(refusal.status)
        picked = {k: tuple(v) for k, v in form.items()}
        self.show(course, learner, assignment, slots, error=refusal, picked=picked)

    def hand_in(self, course: Course, assignment: Assignment, slots: list[qp.Slot], answers: dict,
                now: datetime) -> list[Submission]:
        """Every released notebook of the assignment, her answers filled in, stored and committed as one hand-in."""
        data_dir = self.settings["data_dir"]
        released = ex.released_notebooks(data_dir, course.slug, assignment.name)
        if not {s.notebook for s in slots} <= set(released):
            raise Refused(409, "not_released", "这份作业的文件还没有准备好，请联系老师",
                          "The assignment's files are not there yet; tell the instructor")
        stored: dict[str, bytes] = {}
        for filename in released:
            nb = json.loads((ex.release_dir(data_dir, course.slug, assignment.name) / filename).read_bytes())
            stored[filename] = notebook_bytes(qp.fill(nb, filename, slots, answers, now))
        subs = []
        for filename, data in stored.items():
            sub = receive(self.db, self.member, filename=filename, data=data, assignment=assignment)
            sub.received_at = now  # one moment for the whole hand-in, as the exchange does
            subs.append(sub)
        self.db.commit()  # durable before she reads "已收到"
        return subs


ROUTES = [
    (f"courses/{SLUG}/phone", PhoneCoursePage),
    (f"courses/{SLUG}/lessons/([0-9]{{1,4}})", PhoneLessonPage),
    (f"courses/{SLUG}/quiz/{NAME}", QuizPage),
]
