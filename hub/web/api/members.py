"""The JSON API about members: who she is, sign-ups to decide, coverage by region, industry and employment form."""
from __future__ import annotations

from sqlalchemy import func, select

from hub.people import members
from hub.store.orm import EmploymentForm, Industry, Member, MemberStatus, Region
from hub.refusals import Refused
from hub.web.base import APIHandler, requires
from hub.scopes import APPROVE, ORGANIZE


def member_json(m: members.Member) -> dict:
    return {"name": m.username, "real_name": m.real_name, "unit": m.org_unit.name,
            "unit_path": m.org_unit.path_name(), "region": m.region.name, "industry": m.industry.name,
            "employment_form": m.employment_form.name, "new_form": m.employment_form.is_new_form,
            "role": m.role.value, "status": m.status.value, "gender": m.gender}  # gender: female | male | null


class MeHandler(APIHandler):
    """GET /me: who the caller is."""

    @requires()
    async def get(self) -> None:
        user = self.current_user
        data = {"name": user["name"], "groups": user.get("groups", [])}
        if self.member is not None:
            data.update(member_json(self.member))
        self.write_json(data)


class MembersHandler(APIHandler):
    """GET /members?status=pending: members, for approvers."""

    @requires(APPROVE)
    async def get(self) -> None:
        status = self.get_argument("status", "pending")
        try:
            wanted = MemberStatus(status)
        except ValueError:
            raise Refused(400, "bad_status", "无效的状态", "Unknown status")
        rows = self.db.scalars(select(Member).where(Member.status == wanted).order_by(Member.id)).all()
        self.write_json({"members": [member_json(m) for m in rows]})


class MemberDecisionHandler(APIHandler):
    """POST /members/{name}/approve|reject {reason}: decide a sign-up (audited)."""

    @requires(APPROVE)
    async def post(self, username: str, decision: str) -> None:
        reason = str(self.json_body().get("reason", ""))[:500]
        status = MemberStatus.approved if decision == "approve" else MemberStatus.rejected
        m = members.set_status(self.db, username, status, self.current_user["name"], reason)
        self.db.commit()
        self.write_json(member_json(m))


class CoverageHandler(APIHandler):
    """GET /stats/coverage: registered members by region, industry and employment form (organizers)."""

    @requires(ORGANIZE)
    async def get(self) -> None:
        out = {}
        for key, model, col in (("region", Region, Member.region_id), ("industry", Industry, Member.industry_id),
                                ("employment_form", EmploymentForm, Member.employment_form_id)):
            rows = self.db.execute(select(model.name, func.count(Member.id)).join(Member, col == model.id)
                                   .where(Member.status == MemberStatus.approved).group_by(model.name)).all()
            out[key] = {name: n for name, n in rows}
        self.write_json(out)


ROUTES = [
    ("api/me", MeHandler),
    ("api/members", MembersHandler),
    (r"api/members/([^/]+)/(approve|reject)", MemberDecisionHandler),
    ("api/stats/coverage", CoverageHandler),
]
