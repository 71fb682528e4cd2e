"""Demo data: ≥30 members across regions, industries and employment forms, plus staff accounts."""
from __future__ import annotations

from sqlalchemy import select

from hub.people import accounts

from hub.people import members
from hub.settings import JinguoConfig
from hub.store.db import session_scope, upgrade
from hub.store.orm import Member, MemberStatus, Role
from hub.store.seed import seed_reference

DEMO_PASSWORD = "jinguo-demo-2026"

_SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何林罗高"
_GIVEN = ["秀英", "桂英", "丽娟", "晓燕", "海燕", "春梅", "建华", "玉兰", "雪梅", "丹丹", "婷婷", "静", "芳", "敏", "霞"]
# (unit, region, industry, employment form): spread so every division has people.
_PLACES = [
    ("zj-hz-ecom", "zhejiang", "retail", "online_seller"),
    ("zj-hz-riders", "zhejiang", "logistics", "delivery_rider"),
    ("zj-hz-textile", "zhejiang", "manufacturing", "full_time"),
    ("zj-nb-port", "zhejiang", "logistics", "dispatched"),
    ("gd-sz-elec", "guangdong", "manufacturing", "full_time"),
    ("gd-sz-drivers", "guangdong", "logistics", "ride_hailing"),
    ("gd-gz-domestic", "guangdong", "household", "domestic_worker"),
    ("bj-haidian-soft", "beijing", "it", "full_time"),
    ("bj-haidian-hosp", "beijing", "health", "part_time"),
    ("sc-cd-bank", "sichuan", "finance", "full_time"),
    ("sc-cd-school", "sichuan", "education", "full_time"),
    ("ha-zz-food", "henan", "manufacturing", "full_time"),
    ("ha-zz-express", "henan", "logistics", "courier"),
    ("zj-hz-ecom", "zhejiang", "retail", "live_streamer"),
    ("gd-gz-domestic", "guangdong", "household", "flexible_other"),
]

STAFF = [
    ("admin", "平台管理员", Role.admin, "bj-haidian-soft", "beijing", "public", "full_time"),
    ("organizer", "赵红梅（省总工会女职工部）", Role.organizer, "zj-hz-textile", "zhejiang", "public", "full_time"),
    ("teacher1", "孙丽华老师", Role.instructor, "sc-cd-school", "sichuan", "education", "full_time"),
    ("teacher2", "周静老师", Role.instructor, "bj-haidian-soft", "beijing", "it", "full_time"),
]


# Most demo members are women; two workers (with men's names) and the administrator are men, so reports show a real
# share of women, as on a union platform where the 五一劳动奖章 list holds both. Workers that tests give roles to
# (studio leaders, competitors) stay women.
DEMO_MEN = {"worker28": "林志强", "worker29": "罗建军", "admin": ""}


def demo_sex(username: str) -> str:
    return "male" if username in DEMO_MEN else "female"


def demo_people() -> list[tuple[str, str, Role, str, str, str, str]]:
    people = list(STAFF)
    for i in range(32):
        unit, region, industry, form = _PLACES[i % len(_PLACES)]
        username = f"worker{i + 1:02d}"
        name = DEMO_MEN.get(username) or _SURNAMES[i % len(_SURNAMES)] + _GIVEN[i % len(_GIVEN)]
        people.append((username, name, Role.learner, unit, region, industry, form))
    return people


def seed_demo(platform: JinguoConfig, password: str = DEMO_PASSWORD) -> list[tuple[str, Role]]:
    """Seed the configured databases; existing people are left untouched (idempotent)."""
    platform.ensure_data_dir()
    upgrade(platform.db_url)
    with session_scope(platform.db_url) as s:
        seed_reference(s)
        have = set(s.scalars(select(Member.username)))
        # demo people seeded before sex was asked (revision 0010 left them 未填写) get theirs
        for m in s.scalars(select(Member).where(Member.gender.is_(None),
                                                Member.username.in_([p[0] for p in demo_people()]))):
            m.gender = demo_sex(m.username)
    created = []
    with accounts.hub_session(platform.hub_db_url) as hub:
        for username, real_name, role, unit, region, industry, form in demo_people():
            if username in have:
                continue
            profile = members.read_profile({"username": username, "real_name": real_name, "unit": unit,
                                            "region": region, "industry": industry, "employment_form": form,
                                            "gender": demo_sex(username)})
            if accounts.password_user_exists(hub, username):
                with session_scope(platform.db_url) as s:  # a password without a profile: add the profile
                    members.add_member(s, profile, role=role, status=MemberStatus.approved, actor="demo")
            else:
                accounts.create_account(platform.db_url, hub, profile, password, role=role,
                                        status=MemberStatus.approved, actor="demo")
            created.append((username, role))
    return created
