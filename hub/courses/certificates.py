"""Completion certificates: issued once when her grades complete a course (courses.progress decides), printed as a
Chinese PDF with the CJK font embedded, checked by anyone on the public page certificates/{code}."""
from __future__ import annotations

import io
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.courses.progress import her_progress
from hub.store.audit import audit
from hub.store.orm import Assignment, Certificate, Course, Enrolment, Grade, Member, OrgUnit, Role, Submission, aware, utcnow
from courses.clock import BEIJING

# 32 letters and digits without 0/O/1/I/L lookalikes: a code read aloud on the phone is typed right.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_GROUPS = 4  # 4 × 4 characters ≈ 79 bits: not guessable, not enumerable


def new_code() -> str:
    return "JG-" + "-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(CODE_GROUPS))


def normalise_code(text: str) -> str:
    return text.strip().upper()


def issuer_of(member: Member) -> str:
    """The union at the top of her unit's hierarchy (e.g. 浙江省总工会) issues her certificate."""
    unit: OrgUnit | None = member.org_unit
    while unit is not None and unit.parent is not None:
        unit = unit.parent
    return unit.name if unit is not None else "巾帼数字工坊"


def certificate_of(session: Session, member: Member, course: Course) -> Certificate | None:
    return session.scalar(select(Certificate).where(Certificate.member_id == member.id,
                                                    Certificate.course_id == course.id))


def settle(session: Session, member: Member, course: Course, actor: str = "grader") -> Certificate | None:
    """Issue her certificate if her best grades complete the course and she has none yet; the certificate she
    has otherwise (a certificate, once issued, stays). Marks her enrolment completed. Audited."""
    enrolment = session.scalar(select(Enrolment).where(Enrolment.member_id == member.id,
                                                       Enrolment.course_id == course.id))
    if enrolment is None or enrolment.role != Role.learner:
        return None
    existing = certificate_of(session, member, course)
    if existing is not None:
        return existing
    if not her_progress(session, member, course).completed:
        return None
    now = utcnow()
    cert = Certificate(code=new_code(), member_id=member.id, course_id=course.id, issued_at=now,
                       name=member.real_name, course_title=course.title, issuer=issuer_of(member))
    session.add(cert)
    enrolment.completed_at = enrolment.completed_at or now
    session.flush()
    audit(session, actor, "certificate.issue", "course", course.slug,
          after={"member": member.username, "code": cert.code, "issuer": cert.issuer})
    return cert


def on_graded(session: Session, submission: Submission, grade: Grade) -> None:
    """GradingQueue callback (in the grade's own transaction): a course submission's grade may complete her
    course. Competition submissions are not this module's business."""
    if submission.assignment_id is None:
        return
    assignment = session.get(Assignment, submission.assignment_id)
    member = session.get(Member, submission.member_id)
    if assignment is None or member is None:
        return
    settle(session, member, session.get(Course, assignment.course_id))


def local_date(when: datetime) -> str:
    d = aware(when).astimezone(BEIJING)
    return f"{d.year}年{d.month}月{d.day}日"


def pdf_bytes(cert: Certificate, verify_url: str) -> bytes:
    """An A4 landscape certificate. Figure + PdfPages, never pyplot, in every chart's style (hub/reports/drawing.py:
    the CJK font embedded, so it prints the same where the font is not installed; ReportError when it is missing)."""
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    from hub.reports.drawing import drawing

    out = io.BytesIO()
    with drawing(), PdfPages(out, metadata={"Title": f"结业证书 {cert.code}", "Creator": "Jinguo"}) as pdf:
        fig = Figure(figsize=(11.69, 8.27))
        for inset, width, colour in ((0.03, 3, "#b8860b"), (0.045, 1, "#c0392b")):
            fig.add_artist(Rectangle((inset, inset * 1.41), 1 - 2 * inset, 1 - 2 * inset * 1.41, fill=False,
                                     transform=fig.transFigure, linewidth=width, edgecolor=colour))
        fig.text(0.5, 0.78, "结 业 证 书", ha="center", va="center", fontsize=40, weight="bold", color="#a01d26")
        fig.text(0.5, 0.70, "CERTIFICATE OF COMPLETION", ha="center", fontsize=12, color="#555555")
        fig.text(0.5, 0.58, f"{cert.name} 同志：", ha="center", fontsize=22)
        fig.text(0.5, 0.49, f"于 {local_date(cert.issued_at)} 完成“巾帼数字工坊”课程", ha="center", fontsize=17)
        fig.text(0.5, 0.42, f"《{cert.course_title}》", ha="center", fontsize=24, weight="bold")
        fig.text(0.5, 0.35, "全部学习任务，考核合格，特发此证。", ha="center", fontsize=17)
        fig.text(0.80, 0.22, cert.issuer, ha="center", fontsize=16)
        fig.text(0.80, 0.17, local_date(cert.issued_at), ha="center", fontsize=13)
        fig.text(0.10, 0.17, f"证书编号 / code：{cert.code}", fontsize=10, color="#333333")
        fig.text(0.10, 0.135, f"查验 / verify：{verify_url}", fontsize=9, color="#333333")
        pdf.savefig(fig)
    return out.getvalue()
