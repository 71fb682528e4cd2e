"""What the rush benches share: a crowd of approved learners on a test hub, and percentiles of their waits."""
from __future__ import annotations

from hub.people import accounts

from hub.people import members
from hub.demo.people import demo_people
from hub.testing import DEMO_PASSWORD
from hub.store.orm import MemberStatus, Role


def approved_learners(hub, n: int, prefix: str = "rush") -> list[str]:
    """N approved learners: the demo's own workers first, then more of the same unions (PREFIX000, ...)."""
    workers = [p for p in demo_people() if p[2] == Role.learner]
    names = [p[0] for p in workers[:n]]
    with accounts.hub_session(hub.hub_db_url) as hs:
        for i in range(len(names), n):
            _, real, _, unit, region, industry, form = workers[i % len(workers)]
            profile = members.read_profile({"username": f"{prefix}{i:03d}", "real_name": real, "unit": unit,
                                            "region": region, "industry": industry, "employment_form": form})
            accounts.create_account(hub.db_url, hs, profile, DEMO_PASSWORD, status=MemberStatus.approved,
                                    actor="bench")
            names.append(profile.username)
    return names


def pct(values: list[float], q: float) -> float:
    """The q-th percentile by the nearest-rank method; NaN for no values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))] if ordered else float("nan")
