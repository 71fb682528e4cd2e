"""Course pages and API over HTTP: publishing from the page, who may do what, the progress API, completion issuing
one certificate, its PDF and its public verification page."""
from __future__ import annotations

import shutil
import subprocess

import pytest
from sqlalchemy import func, select

from hub.store.db import session_scope
from hub.store.orm import AuditLog, Certificate, Course, Enrolment, Member
from tests.conftest import platform_client
from tests.hub.courses.conftest import SERVICE, done_of, enrol_directly, grade_directly, post_form
from widgets.client import PlatformError


def publish_audits(hub, slug: str) -> int:
    with session_scope(hub.db_url) as s:
        return s.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "course.publish", AuditLog.target_id == slug))


def test_publishing_from_the_page_is_idempotent_and_refused_to_learners(hub):
    # The browser journey publishes a course for the first time; here: a second publish changes nothing.
    worker = hub.session("worker03")
    refused = post_form(hub, worker, "courses/", action="publish", slug="cadres")
    assert refused.status_code == 403 and "只有讲师可以发布课程" in refused.text
    assert "从课程目录发布" not in worker.get(hub.url + SERVICE + "courses/").text

    teacher = hub.session("teacher2")
    first = post_form(hub, teacher, "courses/", action="publish", slug="cadres")
    assert first.status_code == 302 and done_of(first) in ("published", "unchanged")  # the CLI test may be first
    audits = publish_audits(hub, "cadres")
    again = post_form(hub, teacher, "courses/", action="publish", slug="cadres")
    assert done_of(again) == "unchanged" and publish_audits(hub, "cadres") == audits
    with session_scope(hub.db_url) as s:
        assert s.scalar(select(func.count()).select_from(Course).where(Course.slug == "cadres")) == 1
    page = teacher.get(hub.url + SERVICE + "courses/?done=unchanged").text
    assert "已经发布过，没有变化" in page and 'id="release-cadres-tables"' in page  # she teaches it now
    unknown = post_form(hub, teacher, "courses/", action="publish", slug="no-such")
    assert unknown.status_code == 404 and "课程目录中没有这门课程" in unknown.text
    # an instructor of other courses may not release this one's assignments
    other = post_form(hub, hub.session("teacher1"), "courses/", action="release", slug="cadres", assignment="tables")
    assert other.status_code == 403 and "只有本课程的讲师" in other.text
    assert not (hub.data_dir / "courses" / "cadres" / "release" / "tables").exists()


def test_enrol_then_progress_api_and_the_course_page(hub, charts_course):
    worker = hub.session("worker06")
    first = post_form(hub, worker, "courses/", action="enrol", slug=charts_course)
    assert done_of(first) == "enrolled"
    assert done_of(post_form(hub, worker, "courses/", action="enrol", slug=charts_course)) == "already"
    with session_scope(hub.db_url) as s:
        member = s.scalar(select(Member).where(Member.username == "worker06"))
        assert s.scalar(select(func.count()).select_from(Enrolment).where(Enrolment.member_id == member.id)) >= 1

    client = platform_client(hub, "worker06")
    data = client.progress(charts_course)
    assert set(data) >= {"course", "title", "percent", "completed", "assignments"}
    assert (data["course"], data["title"], data["percent"], data["completed"]) == ("charts", "数据可视化", 0.0, False)
    assert [a["name"] for a in data["assignments"]] == ["bar", "line", "share"]
    for a in data["assignments"]:
        assert set(a) >= {"name", "title", "status", "score", "max_score"} and a["status"] == "not_started"
        assert a["score"] is None and a["max_score"] > 0

    grade_directly(hub, charts_course, "worker06", {"bar": 0.0})
    data = client.progress(charts_course)
    assert data["assignments"][0]["status"] == "graded" and data["assignments"][0]["score"] == 0.0

    with pytest.raises(PlatformError) as refused:  # not enrolled in this one
        platform_client(hub, "worker07").progress(charts_course)
    assert refused.value.status == 403 and refused.value.code == "not_enrolled"
    with pytest.raises(PlatformError) as missing:
        client.progress("no-such-course")
    assert missing.value.status == 404

    page = worker.get(hub.url + SERVICE + f"courses/{charts_course}").text
    assert 'data-name="bar" data-status="graded"' in page and "柱状图" in page
    zone = worker.get(hub.url + SERVICE).text
    assert f'data-slug="{charts_course}"' in zone and 'id="courses-link"' in zone
    assert hub.session("worker07").get(hub.url + SERVICE + f"courses/{charts_course}").status_code == 403


def test_completion_issues_one_certificate_with_a_pdf_and_a_public_verification_page(hub, charts_course, artifacts,
                                                                                     tmp_path):
    enrol_directly(hub, charts_course, "worker08")
    worker = hub.session("worker08")
    assert worker.get(hub.url + SERVICE + f"courses/{charts_course}/certificate.pdf").status_code == 404
    with session_scope(hub.db_url) as s:
        course = s.scalar(select(Course).where(Course.slug == charts_course))
        maxima = {a.name: a.max_score for a in course_rules(s, course)}
    grade_directly(hub, charts_course, "worker08", {"bar": maxima["bar"], "line": 0.0})
    grade_directly(hub, charts_course, "worker08", {"line": maxima["line"], "share": maxima["share"]})
    grade_directly(hub, charts_course, "worker08", {"share": 0.0})  # a worse try later changes nothing
    with session_scope(hub.db_url) as s:
        member = s.scalar(select(Member).where(Member.username == "worker08"))
        certs = s.scalars(select(Certificate).where(Certificate.member_id == member.id)).all()
        assert len(certs) == 1 and certs[0].name == member.real_name and certs[0].course_title == "数据可视化"
        code = certs[0].code
        enrolment = s.scalar(select(Enrolment).where(Enrolment.member_id == member.id,
                                                     Enrolment.course_id == certs[0].course_id))
        assert enrolment.completed_at is not None
    assert platform_client(hub, "worker08").progress(charts_course)["completed"] is True
    page = worker.get(hub.url + SERVICE + f"courses/{charts_course}").text
    assert code in page and 'id="download-certificate"' in page

    pdf = worker.get(hub.url + SERVICE + f"courses/{charts_course}/certificate.pdf")
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    out = tmp_path / "certificate.pdf"
    out.write_bytes(pdf.content)
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
    cjk = [line.split() for line in fonts.splitlines() if "NotoSansCJK" in line]
    assert cjk and all(row[-5] == "yes" for row in cjk), fonts  # embedded
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "结业证书" in text.replace(" ", "") and "《数据可视化》" in text and code in text and f"certificates/{code}" in text
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-singlefile", str(out), str(tmp_path / "page")], check=True)
    shutil.copy(tmp_path / "page.png", artifacts / "course-certificate.png")
    from PIL import Image

    page_img = Image.open(tmp_path / "page.png").convert("L")
    w, h = page_img.size
    dark = lambda im: sum(im.histogram()[:100])  # noqa: E731 (pixels darker than 100 of 255)
    title = page_img.crop((w // 4, int(h * 0.16), w * 3 // 4, int(h * 0.28)))  # the title at 78 % height
    blank = page_img.crop((w // 4, int(h * 0.09), w * 3 // 4, int(h * 0.15)))
    assert dark(title) > 300 and dark(blank) == 0, (dark(title), dark(blank))

    # her own only: another learner gets no certificate of hers
    other = hub.session("worker06").get(hub.url + SERVICE + f"courses/{charts_course}/certificate.pdf")
    assert other.status_code == 404

    anonymous = hub.session()
    valid = anonymous.get(hub.url + SERVICE + f"certificates/{code}")
    assert valid.status_code == 200 and "证书真实有效" in valid.text and member.real_name in valid.text
    assert "数据可视化" in valid.text and member.username not in valid.text and "unit" not in valid.text
    assert anonymous.get(hub.url + SERVICE + f"certificates/{code.lower()}").status_code == 200
    invalid = anonymous.get(hub.url + SERVICE + "certificates/JG-AAAA-BBBB-CCCC-DDDD")
    assert invalid.status_code == 404 and "查无此证书" in invalid.text


def course_rules(session, course):
    from hub.courses.progress import rules

    return rules(session, course)


def test_progress_page_and_charts_for_instructors_only(hub, charts_course):
    enrol_directly(hub, charts_course, "worker09")
    teacher = hub.session("teacher1")
    page = teacher.get(hub.url + SERVICE + f"courses/{charts_course}/progress")
    assert page.status_code == 200 and 'data-username="worker09"' in page.text
    for dim in ("region", "industry", "employment_form"):
        png = teacher.get(hub.url + SERVICE + f"courses/{charts_course}/progress/{dim}.png")
        assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n" and len(png.content) > 5000
    assert hub.session("organizer").get(hub.url + SERVICE + f"courses/{charts_course}/progress").status_code == 200
    for who in ("worker09", "teacher2"):  # a learner, and an instructor of other courses
        assert hub.session(who).get(hub.url + SERVICE + f"courses/{charts_course}/progress").status_code == 403
