"""The learner's exchange steps — list, fetch, submit, fetch feedback — answered by the platform. What they return
has the shape nbgrader's own exchange returns, so JupyterLab's Assignments tab shows it unchanged: her courses'
assignments, each course's lessons (讲义) and the tasks of the competitions she joined (hub/lab/exchange/entries.py),
with titles and Beijing times."""
from __future__ import annotations

import base64
import json
from pathlib import Path, PurePosixPath

from nbgrader.exchange import abc

from grading.statuses import SubmissionStatus
from hub.lab.exchange.base import PlatformExchange, PlatformRefused
from hub.lab.exchange.entries import Entry, beijing

MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024  # the platform's limit (hub/submissions/receive.py), checked before sending


def _status_line(s: dict) -> str:
    """What the Assignments tab shows for one hand-in (it shows nbgrader's `timestamp` field as is). Whether grading
    has ended is the platform's ``final``; the tab keeps no status list of its own."""
    parts = [f"{beijing(s['received_at'])}（北京时间）"]
    if not s.get("final"):
        parts.append("评分中")
    elif s["status"] == SubmissionStatus.graded and s.get("score") is not None:
        parts.append(f"得分 {s['score']:g}/{s['max_score']:g}")
    elif s["status"] != SubmissionStatus.graded:  # invalid, timeout, failed
        parts.append("未能评分")
    if s.get("late"):
        parts.append("迟交")
    return " · ".join(parts)


def _feedback_folder(here: Path, s: dict) -> Path:
    """Where one hand-in's feedback is kept: named by its Beijing time (no colons: JupyterLab reads one as a
    drive name), to the microsecond: two hand-ins in the same second must not share a folder, and every notebook
    of one hand-in has the same receipt time."""
    return here / "feedback" / beijing(s["received_at"], "%Y-%m-%d_%H-%M-%S_%f")


class ExchangeList(abc.ExchangeList, PlatformExchange):
    """What she may fetch (fetched or not), or her hand-ins with their scores and feedback state."""

    def list_files(self) -> list[dict]:
        if self.inbound:
            self.fail("收取提交在平台的课程页面进行 / collecting happens on the platform's course page")
        course, assignment = self.wanted()
        rows = [e for e in self.entries() if e.matches(course, assignment)]
        return self._submitted(rows) if self.cached else self._released(rows)

    def remove_files(self) -> list[dict]:
        self.fail("已发布的作业由老师在平台上管理 / released assignments are managed on the platform")

    def _released(self, rows: list[Entry]) -> list[dict]:
        out = []
        for e in rows:
            here = self.here(e)
            out.append({"course_id": e.course_label, "assignment_id": e.label,
                        "status": "fetched" if here.exists() else "released", "path": str(here),
                        "notebooks": [{"notebook_id": n, "path": str(here / f"{n}.ipynb")} for n in e.notebooks]})
            self.log.info("%s %s%s", e.course_label, e.label, "（已获取 / fetched）" if here.exists() else "")
        return out

    def _submitted(self, rows: list[Entry]) -> list[dict]:
        out = []
        for e in rows:
            if not e.submissions:
                continue
            here = self.here(e)
            handins: dict[str, list[dict]] = {}
            for s in e.submissions:  # one hand-in = the notebooks sent at one moment
                handins.setdefault(s["received_at"], []).append(s)
            subs = [self._handin(e, here, notebooks) for notebooks in handins.values()]
            out.append({"course_id": e.course_label, "student_id": self.student, "assignment_id": e.label,
                        "status": "submitted", "submissions": subs})
        return out

    def _handin(self, e: Entry, here: Path, notebooks: list[dict]) -> dict:
        folder = _feedback_folder(here, notebooks[0])
        if e.kind == "task":  # a competition task is one notebook; its score and rank are on the competition page
            notebooks = [{**notebooks[0], "notebook": e.notebooks[0] if e.notebooks else e.name, "feedback": False}]
        nbs = [{"notebook_id": s["notebook"], "path": str(here / f"{s['notebook']}.ipynb"),
                "has_exchange_feedback": s["feedback"],
                "has_local_feedback": (folder / f"{s['notebook']}.html").is_file(),
                "local_feedback_path": str(folder / f"{s['notebook']}.html"), "feedback_updated": False}
               for s in notebooks]
        local = all(n["has_local_feedback"] for n in nbs)
        line = _status_line(notebooks[0])
        self.log.info("%s %s %s", e.course_label, e.label, line)
        return {"course_id": e.course_label, "student_id": self.student, "assignment_id": e.label,
                "status": "submitted", "timestamp": line, "submitted_at": notebooks[0]["received_at"],
                "path": str(here), "late": any(s.get("late") for s in notebooks), "notebooks": nbs,
                "score": sum(s["score"] or 0 for s in notebooks) if all(
                    s["score"] is not None for s in notebooks) else None,
                "has_exchange_feedback": all(n["has_exchange_feedback"] for n in nbs),
                "has_local_feedback": local, "feedback_updated": False,
                "grading": any(not s.get("final") for s in notebooks),  # her tab asks again until False
                "local_feedback_path": str(folder) if local else None}


class ExchangeFetchAssignment(abc.ExchangeFetchAssignment, PlatformExchange):
    """Download an assignment's release, a course's lessons or a competition task's release into her folder; her
    existing work is never overwritten."""

    def start(self) -> Path:
        self.set_timestamp()
        entry = self.the_entry()
        dest = self.here(entry)
        if dest.exists() and not self.replace_missing_files:
            self.fail(f"您已经获取过“{entry.label}”了：{dest}（要补回缺少的文件，请用 --replace）/ You already have "
                      f"a copy in {dest}; use --replace to restore missing files")
        data = self.api("GET", entry.files_path)
        for rel, b64 in data["files"].items():
            parts = PurePosixPath(rel).parts
            if PurePosixPath(rel).is_absolute() or ".." in parts:
                self.fail(f"平台发来的文件名不安全 / unsafe file name from the platform: {rel!r}")
            target = dest.joinpath(*parts)
            if target.exists():
                continue  # her work stays hers; --replace only brings back what is missing
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(base64.b64decode(b64))
        self.log.info("已获取 / fetched: %s %s → %s", entry.course_label, entry.label, dest)
        return dest


class ExchangeSubmit(abc.ExchangeSubmit, PlatformExchange):
    """Send her notebooks; the platform stores them before it answers "received". A competition task goes the
    Submit widget's road (POST /competitions/SLUG/submissions): the competition's limits, divisions and boards."""

    def start(self) -> dict:
        self.set_timestamp()
        entry = self.the_entry()
        if entry.kind == "lessons":
            self.fail("讲义是用来学习的，不需要提交；请提交课程里的作业 / Lessons are for learning and are not handed "
                      "in; submit the course's assignments")
        src = self.here(entry)
        if not src.is_dir():
            self.fail(f"找不到文件夹 {src}，请先获取 / Folder {src} not found; fetch it first")
        missing = [n for n in entry.notebooks if not (src / f"{n}.ipynb").is_file()]
        if missing and (self.strict or len(missing) == len(entry.notebooks) or entry.kind == "task"):
            self.fail(f"缺少笔记本：{', '.join(missing)} / missing notebooks: {', '.join(missing)}")
        for n in missing:
            self.log.warning("Possible missing notebook(s): %s.ipynb", n)
        notebooks = {p.name: self._read(p) for n in entry.notebooks if (p := src / f"{n}.ipynb").is_file()}
        if entry.kind == "task":
            answer = self.api("POST", f"/competitions/{entry.slug}/submissions",
                              json={"task": entry.name, "notebook": next(iter(notebooks.values()))})
            left = answer.get("remaining_today")
            more = "" if left is None else f"，今天还可以提交 {left} 次 / {left} more today"
            self.log.info("已收到，正在评分；成绩和名次见竞赛页面%s / Received; grading, see the competition page", more)
            return answer
        answer = self.api("POST", f"/exchange/courses/{entry.slug}/assignments/{entry.name}/submissions",
                          json={"notebooks": notebooks})
        (self.log.warning if answer.get("late") else self.log.info)("%s / %s", answer["zh"], answer["en"])
        return answer

    def _read(self, path: Path) -> dict:
        if path.stat().st_size > MAX_NOTEBOOK_BYTES:
            self.fail(f"{path.name} 太大了（不能超过 20 MB），请清除输出后再提交 / {path.name} is too large "
                      "(max 20 MB); clear outputs and submit again")
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            self.fail(f"{path.name} 不是有效的笔记本文件 / {path.name} is not a valid notebook")


class ExchangeFetchFeedback(abc.ExchangeFetchFeedback, PlatformExchange):
    """Save the feedback of her graded hand-ins into ./COURSE/ASSIGNMENT/feedback/TIME/NOTEBOOK.html: her latest
    graded hand-in's always; an older one's when the platform still has it, else it is skipped, never an error."""

    def start(self) -> list[Path]:
        self.set_timestamp()
        entry = self.the_entry()
        if entry.kind != "assignment":
            self.fail("竞赛题目没有逐题反馈：得分和名次请看竞赛页面 / Competition tasks have no feedback notebook; "
                      "see your score and rank on the competition page" if entry.kind == "task" else
                      "讲义没有反馈 / lessons have no feedback")
        here, written = self.here(entry), []
        offered = [s for s in entry.submissions if s["feedback"]]
        newest = max((s["received_at"] for s in offered), default=None)
        for s in sorted(offered, key=lambda s: s["received_at"], reverse=True):
            target = _feedback_folder(here, s) / f"{s['notebook']}.html"
            if target.exists():
                continue
            try:
                html = self.api("GET", f"/exchange/submissions/{s['id']}/feedback")["notebooks"]
            except PlatformRefused as r:
                if s["received_at"] == newest:
                    raise  # her latest graded hand-in: she must hear why
                self.log.info("跳过较早一次提交的反馈 / skipped an older hand-in's feedback: %s", r)
                continue
            if s["notebook"] in html:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(html[s["notebook"]], encoding="utf-8")
                written.append(target)
        if not written:
            self.log.warning("暂时没有新的反馈 / No feedback available to fetch")
        return written
