"""What the Assignments panel shows, on plain data (hub/lab/exchange/entries.py): titles instead of slugs, made unique
and safe for the panel's URLs, Beijing time to the second, and a title or a slug taken back."""
from __future__ import annotations

from hub.lab.exchange.entries import beijing, from_platform


def _assignment(course: str, course_title: str, name: str, title: str) -> dict:
    return {"course_id": course, "course_title": course_title, "assignment_id": name, "title": title,
            "notebooks": [name], "submissions": []}


def test_titles_are_shown_and_made_unique_with_the_slug():
    entries = from_platform(
        [_assignment("office-data", "办公数据处理入门", "sums", "合计与平均"),
         _assignment("office-data", "办公数据处理入门", "sums2", "合计与平均"),  # two assignments, one title
         _assignment("charts", "数据图表 & 报告", "bars", "柱状图?#+%")],
        [{"course_id": "office-data", "course_title": "办公数据处理入门", "notebooks": ["01-basics"]}],
        [{"competition": "spring", "title": "办公数据处理入门", "task": "task1", "task_title": "求和",  # same title
          "notebooks": ["problem"], "submissions": []}])
    shown = {(e.kind, e.slug, e.name): (e.course_label, e.label) for e in entries}
    assert shown[("assignment", "office-data", "sums")] == ("办公数据处理入门（office-data）", "合计与平均（sums）")
    assert shown[("assignment", "office-data", "sums2")] == ("办公数据处理入门（office-data）", "合计与平均（sums2）")
    assert shown[("lessons", "office-data", "讲义")] == ("办公数据处理入门（office-data）", "讲义")
    assert shown[("task", "spring", "task1")] == ("办公数据处理入门（spring）", "求和")
    assert shown[("assignment", "charts", "bars")] == ("数据图表 ＆ 报告", "柱状图？＃＋％")  # nothing cuts its URL
    (task,) = [e for e in entries if e.kind == "task"]
    assert task.folder == ("competitions", "spring", "task1")
    assert task.matches("办公数据处理入门（spring）", "求和") and task.matches("spring", "task1")
    assert not task.matches("office-data", "task1")


def test_times_are_beijing_time_to_the_second():
    assert beijing("2026-12-05T01:12:10.123456+00:00") == "2026-12-05 09:12:10"
    assert beijing("2026-12-04T16:30:00+00:00", "%Y-%m-%d_%H-%M-%S") == "2026-12-05_00-30-00"
