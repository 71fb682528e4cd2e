"""The learner's exchange steps — list, fetch, submit, fetch feedback — answered by the platform. What they return
has the shape nbgrader's own exchange returns, so JupyterLab's Assignments tab shows it unchanged."""
from __future__ import annotations

import base64
import json
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from nbgrader.exchange import abc

from hub.exchange.base import PlatformExchange

MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024  # the platform's limit (hub/submissions.py), checked before sending


def _status_line(s: dict) -> str:
    """What the Assignments tab shows for one hand-in (it shows nbgrader's `timestamp` field as is)."""
    parts = [s["timestamp"]]
    if s["status"] == "graded" and s.get("score") is not None:
        parts.append(f"得分 {s['score']:g}/{s['max_score']:g}")
    elif s["status"] in ("received", "queued", "grading", "retrying"):
        parts.append("评分中")
    elif s["status"] in ("invalid", "failed", "timeout"):
        parts.append("未能评分")
    if s.get("late"):
        parts.append("迟交")
    return " · ".join(parts)


class ExchangeList(abc.ExchangeList, PlatformExchange):
    """Released assignments of all her courses (fetched or not), or her hand-ins with their feedback state."""

    def list_files(self) -> list[dict]:
        if self.inbound:
            self.fail("收取提交在平台的课程页面进行 / collecting happens on the platform's course page")
        course, assignment = self.wanted()
        rows = [a for a in self.her_assignments(course) if assignment in (None, a["assignment_id"])]
        return self._submitted(rows) if self.cached else self._released(rows)

    def remove_files(self) -> list[dict]:
        self.fail("已发布的作业由老师在平台上管理 / released assignments are managed on the platform")

    def _released(self, rows: list[dict]) -> list[dict]:
        out = []
        for a in rows:
            here = self.local_dir(a["course_id"], a["assignment_id"])
            out.append({"course_id": a["course_id"], "assignment_id": a["assignment_id"],
                        "status": "fetched" if here.exists() else "released", "path": str(here),
                        "notebooks": [{"notebook_id": n, "path": str(here / f"{n}.ipynb")} for n in a["notebooks"]]})
            self.log.info("%s %s%s", a["course_id"], a["assignment_id"], " (already downloaded)" if here.exists() else "")
        return out

    def _submitted(self, rows: list[dict]) -> list[dict]:
        out = []
        for a in rows:
            if not a["submissions"]:
                continue
            here = self.local_dir(a["course_id"], a["assignment_id"])
            handins: dict[str, list[dict]] = {}
            for s in a["submissions"]:  # one hand-in = the notebooks sent at one moment
                handins.setdefault(s["timestamp"], []).append(s)
            subs = []
            for stamp, notebooks in handins.items():
                folder = here / "feedback" / stamp
                nbs = [{"notebook_id": s["notebook"], "path": str(here / s["filename"]),
                        "has_exchange_feedback": s["feedback"],
                        "has_local_feedback": (folder / f"{s['notebook']}.html").is_file(),
                        "local_feedback_path": str(folder / f"{s['notebook']}.html"), "feedback_updated": False}
                       for s in notebooks]
                local = all(n["has_local_feedback"] for n in nbs)
                subs.append({"course_id": a["course_id"], "student_id": self.student,
                             "assignment_id": a["assignment_id"], "status": "submitted",
                             "timestamp": _status_line(notebooks[0]), "submitted_at": stamp, "path": str(here),
                             "late": any(s["late"] for s in notebooks), "notebooks": nbs,
                             "score": sum(s["score"] or 0 for s in notebooks) if all(
                                 s["score"] is not None for s in notebooks) else None,
                             "has_exchange_feedback": all(n["has_exchange_feedback"] for n in nbs),
                             "has_local_feedback": local, "feedback_updated": False,
                             "local_feedback_path": str(folder) if local else None})
                self.log.info("%s %s %s", a["course_id"], a["assignment_id"], subs[-1]["timestamp"])
            out.append({"course_id": a["course_id"], "student_id": self.student, "assignment_id": a["assignment_id"],
                        "status": "submitted", "submissions": subs})
        return out


class ExchangeFetchAssignment(abc.ExchangeFetchAssignment, PlatformExchange):
    """Download the release into ./COURSE/ASSIGNMENT; her existing work is never overwritten."""

    def start(self) -> Path:
        self.set_timestamp()
        course, assignment = self.one()
        dest = self.local_dir(course, assignment)
        if dest.exists() and not self.replace_missing_files:
            self.fail(f"您已经有这份作业了：{dest}（要补回缺少的文件，请用 --replace）/ You already have a copy of the "
                      f"assignment in {dest}; use --replace to restore missing files")
        data = self.api("GET", f"/exchange/courses/{quote(course)}/assignments/{quote(assignment)}/release")
        for rel, b64 in data["files"].items():
            parts = PurePosixPath(rel).parts
            if PurePosixPath(rel).is_absolute() or ".." in parts:
                self.fail(f"平台发来的文件名不安全 / unsafe file name from the platform: {rel!r}")
            target = dest.joinpath(*parts)
            if target.exists():
                continue  # her work stays hers; --replace only brings back what is missing
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(base64.b64decode(b64))
        self.log.info("Fetched as: %s %s → %s", course, assignment, dest)
        return dest


class ExchangeSubmit(abc.ExchangeSubmit, PlatformExchange):
    """Send her notebooks of the assignment; the platform stores them before it answers "received"."""

    def start(self) -> dict:
        self.set_timestamp()
        course, assignment = self.one()
        src = self.local_dir(course, assignment)
        if not src.is_dir():
            self.fail(f"找不到作业文件夹 {src}，请先获取作业 / Assignment folder {src} not found; fetch it first")
        released = next((a["notebooks"] for a in self.her_assignments(course) if a["assignment_id"] == assignment),
                        None)
        if released is None:
            self.fail("这门课程中没有这份作业 / no such released assignment in this course")
        missing = [n for n in released if not (src / f"{n}.ipynb").is_file()]
        if missing and (self.strict or len(missing) == len(released)):
            self.fail(f"缺少笔记本：{', '.join(missing)} / missing notebooks: {', '.join(missing)}")
        for n in missing:
            self.log.warning("Possible missing notebook(s): %s.ipynb", n)
        notebooks = {}
        for n in released:
            path = src / f"{n}.ipynb"
            if not path.is_file():
                continue
            if path.stat().st_size > MAX_NOTEBOOK_BYTES:
                self.fail(f"{path.name} 太大了（不能超过 20 MB），请清除输出后再提交 / {path.name} is too large "
                          "(max 20 MB); clear outputs and submit again")
            try:
                notebooks[path.name] = json.loads(path.read_text(encoding="utf-8"))
            except ValueError:
                self.fail(f"{path.name} 不是有效的笔记本文件 / {path.name} is not a valid notebook")
        answer = self.api("POST", f"/exchange/courses/{quote(course)}/assignments/{quote(assignment)}/submissions",
                          json={"notebooks": notebooks})
        (self.log.warning if answer.get("late") else self.log.info)("%s / %s", answer["zh"], answer["en"])
        return answer


class ExchangeFetchFeedback(abc.ExchangeFetchFeedback, PlatformExchange):
    """Save the feedback of her graded hand-ins into ./COURSE/ASSIGNMENT/feedback/TIMESTAMP/NOTEBOOK.html."""

    def start(self) -> list[Path]:
        self.set_timestamp()
        course, assignment = self.one()
        rows = [a for a in self.her_assignments(course) if a["assignment_id"] == assignment]
        if not rows:
            self.fail("这门课程中没有这份作业 / no such released assignment in this course")
        here, written = self.local_dir(course, assignment), []
        for s in rows[0]["submissions"]:
            target = here / "feedback" / s["timestamp"] / f"{s['notebook']}.html"
            if not s["feedback"] or target.exists():
                continue
            html = self.api("GET", f"/exchange/submissions/{s['id']}/feedback")["notebooks"]
            if s["notebook"] in html:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(html[s["notebook"]], encoding="utf-8")
                written.append(target)
        if not written:
            self.log.warning("暂时没有新的反馈 / No feedback available to fetch")
        return written
