"""STAND-IN for the Jinguo platform service, until the lead's real service (hub/web) serves docs/api.md.

A real tornado HTTP server on a free loopback port implementing the documented contract of the
endpoints the widgets use (auth header, JSON bodies, the error shape, 202 + status polling, limits).
It keeps its data in memory so tests can arrange situations (a skewed server clock, a spent daily
limit). When the real service exists, point the widget tests at it instead of this module.
"""
from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import tornado.httpserver
import tornado.ioloop
import tornado.netutil
import tornado.web

from grading.statuses import is_final

CST = timezone(timedelta(hours=8))
PREFIX = "/services/jinguo/api"


def iso(t: datetime) -> str:
    return t.astimezone(CST).isoformat(timespec="seconds")


@dataclass
class FakePlatform:
    """In-memory platform data plus the server. ``url`` is what JINGUO_API_URL would be."""

    token: str = "widget-test-token"
    user: str = "wang-fang"
    skew: timedelta = timedelta(0)  # server clock minus real clock
    daily_limit: int = 3
    max_bytes: int = 2_000_000
    score: float = 85
    ends_with: str = "graded"  # where grading of a submission ends (timeout, failed, ...)
    timeout_score: float | None = 2.0  # a timeout's points earned before the limit
    max_score: float = 100
    quizzes: dict[str, dict] = field(default_factory=dict)
    progress: dict[str, dict] = field(default_factory=dict)
    competitions: dict[str, dict] = field(default_factory=dict)
    boards: dict[tuple[str, str, str | None], dict] = field(default_factory=dict)
    submissions: dict[int, dict] = field(default_factory=dict)
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)  # (method, path, auth header)
    bodies: list[dict] = field(default_factory=list)  # JSON bodies received, in order
    url: str = ""

    def now(self) -> datetime:
        return datetime.now(timezone.utc) + self.skew

    def error(self, status: int, code: str, zh: str, en: str, retry_at: datetime | None = None):
        body = {"code": code, "zh": zh, "en": en}
        if retry_at:
            body["retry_at"] = iso(retry_at)
        return status, {"error": body}

    # -- endpoints -----------------------------------------------------------------------------------
    def me(self):
        return 200, {"name": self.user, "real_name": "王芳", "unit": "市纺织厂工会", "region": "guangdong",
                     "industry": "manufacturing", "employment_form": "standard", "groups": ["learners"]}

    def quiz_check(self, body: dict):
        quiz = self.quizzes.get(body.get("quiz_id"))
        if quiz is None or quiz["course"] != body.get("course"):
            return self.error(404, "quiz_not_found", "找不到这道题", "Quiz not found")
        choice = body.get("choice")
        if not isinstance(choice, list) or not all(isinstance(c, str) for c in choice):
            return self.error(400, "bad_choice", "答案格式不对", "choice must be a list of strings")
        right = sorted(choice) == sorted(quiz["answer"])
        return 200, {"correct": right, "explanation": quiz["explanation"], "reference": quiz["reference"]}

    def course_progress(self, course: str):
        if course not in self.progress:
            return self.error(404, "course_not_found", "你还没有报名这门课", "Not enrolled in this course")
        return 200, self.progress[course]

    def competition(self, slug: str):
        comp = self.competitions.get(slug)
        if comp is None:
            return self.error(404, "competition_not_found", "找不到这个比赛", "Competition not found")
        now = self.now()
        current = next((p["key"] for p in comp["phases"]
                        if datetime.fromisoformat(p["opens_at"]) <= now < datetime.fromisoformat(p["closes_at"])), None)
        return 200, {**comp, "server_time": iso(now), "current_phase": current}

    def leaderboard(self, slug: str, board: str, division: str | None, limit: int | None):
        data = self.boards.get((slug, board, division))
        if data is None:
            return self.error(404, "board_not_found", "没有这个排行榜", "No such leaderboard")
        entries = data["entries"][:limit] if limit else data["entries"]
        return 200, {**data, "board": board, "division": division, "entries": entries,
                     "total": len(data["entries"])}

    def submit(self, slug: str, body: dict, size: int):
        status, comp = self.competition(slug)
        if status != 200:
            return status, comp
        if size > self.max_bytes:
            return self.error(413, "too_large", "文件太大了（不能超过 2 MB）", "Notebook too large (max 2 MB)")
        phase = next((p for p in comp["phases"] if p["key"] == comp["current_phase"]), None)
        if phase is None:
            return self.error(409, "closed", "提交已截止", "Submissions are closed")
        if body.get("task") not in phase["tasks"]:
            return self.error(409, "wrong_task", "这道题不在当前阶段", "This task is not in the current phase")
        nb = body.get("notebook")
        if not isinstance(nb, dict) or nb.get("nbformat") != 4:
            return self.error(409, "invalid_notebook", "这不是一个笔记本文件", "Not an nbformat 4 notebook")
        today = [s for s in self.submissions.values() if s["slug"] == slug]
        if len(today) >= self.daily_limit:
            midnight = (self.now().astimezone(CST) + timedelta(days=1)).replace(hour=0, minute=0, second=0,
                                                                                microsecond=0)
            return self.error(429, "limit_daily", "今日提交次数已用完", "Daily submission limit reached", midnight)
        sid = len(self.submissions) + 1
        raw = json.dumps(nb, sort_keys=True).encode()
        self.submissions[sid] = {"id": sid, "slug": slug, "task": body["task"], "notebook": nb, "polls": 0,
                                 "sha256": hashlib.sha256(raw).hexdigest(), "created_at": iso(self.now())}
        return 202, {"id": sid, "status": "received", "final": False, "sha256": self.submissions[sid]["sha256"],
                     "remaining_today": self.daily_limit - len(today) - 1}

    def submission(self, slug: str, sid: str):
        sub = self.submissions.get(int(sid)) if sid.isdigit() else None
        if sub is None or sub["slug"] != slug:
            return self.error(404, "submission_not_found", "找不到这次提交", "Submission not found")
        # Each look moves grading one step on: received → grading → where it ends (graded unless told otherwise).
        steps = ["received", "grading", self.ends_with]
        status = steps[min(sub["polls"], 2)]
        sub["polls"] += 1
        graded = status == "graded"
        score = self.score if graded else self.timeout_score if status == "timeout" else None
        return 200, {"id": sub["id"], "task": sub["task"], "status": status, "final": is_final(status),
                     "score": score, "max_score": self.max_score,
                     "message": "全部公开测试通过" if graded else "", "created_at": sub["created_at"]}

    # -- server ---------------------------------------------------------------------------------------
    def start(self) -> "FakePlatform":
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(asyncio.new_event_loop())
            self._loop = tornado.ioloop.IOLoop.current()
            socks = tornado.netutil.bind_sockets(0, "127.0.0.1")
            self._server = tornado.httpserver.HTTPServer(_app(self))
            self._server.add_sockets(socks)
            self.url = f"http://127.0.0.1:{socks[0].getsockname()[1]}{PREFIX}"
            ready.set()
            self._loop.start()

        self._thread = threading.Thread(target=run, name="fake-platform", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        def halt() -> None:
            self._server.stop()
            self._loop.stop()
        self._loop.add_callback(halt)
        self._thread.join(10)


class _Handler(tornado.web.RequestHandler):
    def initialize(self, platform: FakePlatform) -> None:
        self.p = platform

    def prepare(self) -> None:
        auth = self.request.headers.get("Authorization")
        self.p.requests.append((self.request.method, self.request.path, auth))
        if auth != f"token {self.p.token}":
            self.reply(*self.p.error(403, "forbidden", "没有权限，请重新登录", "Forbidden: log in again"))

    def reply(self, status: int, body: dict) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(body, ensure_ascii=False))

    def body(self) -> dict:
        try:
            data = json.loads(self.request.body or b"{}")
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise tornado.web.HTTPError(400)
        self.p.bodies.append(data)
        return data

    def write_error(self, status_code: int, **kwargs) -> None:
        self.reply(*self.p.error(status_code, "bad_request", "请求有误", "Bad request"))


class Me(_Handler):
    def get(self):
        self.reply(*self.p.me())


class QuizCheck(_Handler):
    def post(self):
        self.reply(*self.p.quiz_check(self.body()))


class CourseProgress(_Handler):
    def get(self, course):
        self.reply(*self.p.course_progress(course))


class Competition(_Handler):
    def get(self, slug):
        self.reply(*self.p.competition(slug))


class Leaderboard(_Handler):
    def get(self, slug):
        limit = self.get_query_argument("limit", None)
        self.reply(*self.p.leaderboard(slug, self.get_query_argument("board", "public"),
                                       self.get_query_argument("division", None),
                                       int(limit) if limit and limit.isdigit() else None))


class Submissions(_Handler):
    def post(self, slug):
        self.reply(*self.p.submit(slug, self.body(), len(self.request.body)))


class Submission(_Handler):
    def get(self, slug, sid):
        self.reply(*self.p.submission(slug, sid))


def _app(p: FakePlatform) -> tornado.web.Application:
    kw = {"platform": p}
    seg = r"([^/]+)"
    return tornado.web.Application([
        (PREFIX + r"/me", Me, kw),
        (PREFIX + r"/quiz/check", QuizCheck, kw),
        (PREFIX + rf"/courses/{seg}/progress", CourseProgress, kw),
        (PREFIX + rf"/competitions/{seg}", Competition, kw),
        (PREFIX + rf"/competitions/{seg}/leaderboard", Leaderboard, kw),
        (PREFIX + rf"/competitions/{seg}/submissions", Submissions, kw),
        (PREFIX + rf"/competitions/{seg}/submissions/{seg}", Submission, kw),
    ], max_body_size=64 * 1024 * 1024)


def demo_data(p: FakePlatform) -> FakePlatform:
    """A course with quizzes, progress, a competition in its 初赛 and a board: what the tests arrange on."""
    p.quizzes = {
        "rights/q1": {"course": "rights", "answer": ["B"], "reference": "《女职工劳动保护特别规定》第七条",
                      "explanation": "女职工生育享受 98 天产假，其中产前可以休假 15 天。"},
        "rights/q2": {"course": "rights", "answer": ["A", "C"], "reference": "《女职工劳动保护特别规定》第九条",
                      "explanation": "哺乳期内每天安排 1 小时哺乳时间；不得安排夜班劳动和延长劳动时间。"},
    }
    p.progress = {"office-data": {
        "course": "office-data", "title": "办公数据处理入门", "percent": 50, "completed": False,
        "assignments": [
            {"name": "a1", "title": "第一课：读表格", "status": "passed", "score": 10, "max_score": 10},
            {"name": "a2", "title": "第二课：求和", "status": "graded", "score": 6.5, "max_score": 10},
            {"name": "a3", "title": "第三课：筛选", "status": "submitted", "score": None, "max_score": 10},
            {"name": "a4", "title": "第四课：<图表>", "status": "not_started", "score": None, "max_score": 10},
        ]}}
    now = p.now()
    p.competitions = {"spring": {
        "slug": "spring", "title": "2026 巾帼数字技能大赛",
        "phases": [
            {"key": "practice", "title": "练习赛", "opens_at": iso(now - timedelta(days=10)),
             "closes_at": iso(now - timedelta(days=3)), "tasks": ["warmup"]},
            {"key": "prelim", "title": "初赛", "opens_at": iso(now - timedelta(days=1)),
             "closes_at": iso(now + timedelta(days=2, hours=3)), "tasks": ["task1", "task2"]},
            {"key": "final", "title": "决赛", "opens_at": iso(now + timedelta(days=5)),
             "closes_at": iso(now + timedelta(days=6)), "tasks": ["final1"]},
        ]}}
    names = itertools.cycle(["李娜", "张敏", "刘洋", "陈静", "杨丽"])
    entries = [{"rank": i, "display_name": next(names) + str(i), "unit": f"第{i}纺织厂工会", "score": 100 - i,
                "submissions": 1 + i % 3, "reached_at": iso(now - timedelta(hours=i))} for i in range(1, 31)]
    entries[11]["display_name"] = "王芳"
    p.boards = {("spring", "public", None): {"frozen": False, "entries": entries, "me": {"rank": 12, "score": 88}},
                ("spring", "public", "region:guangdong"): {"frozen": True, "entries": entries[:5], "me": None}}
    return p
