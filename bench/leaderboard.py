"""Leaderboard JSON at scale: the straightforward design (one SQL ranking query per request) against ours (a
competitions.Leaderboard kept in memory, moved incrementally), side by side in one run, on PostgreSQL.

    .venv/bin/python bench/leaderboard.py [--quick] [--competitors N] [--submissions N] [--seconds S]

Both answer the same URL shape with the same JSON (hub/competition_boards.board_json) from the same rows of the
platform schema (hub/store/orm.py) in a scratch database `jinguo_bench`. Each server runs in its own process; a
keep-alive load generator in this process measures latency and throughput. Last line: `ratio: N` (our requests
per second over the straightforward design's). The platform's HubOAuth check is not part of this path.
"""
from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import random
import socket
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
URL = "postgresql+psycopg://postgres@127.0.0.1:5432/jinguo_bench"
NOW = datetime.now(timezone.utc)
TASKS = ["t1", "t2", "t3", "t4"]
SPEC = f"""slug: bench-2026
title: 基准测试赛
phases:
  - key: prelim
    title: 初赛
    opens_at: {(NOW - timedelta(days=5)).isoformat()}
    closes_at: {(NOW + timedelta(days=5)).isoformat()}
    tasks: [{", ".join(f"{{assignment: {t}, max_score: 25}}" for t in TASKS)}]
divisions:
  - {{key: region, title: 地区分榜, split_by: region}}
limits: {{per_day: 1000, per_phase: 100000}}
"""
NAIVE_SQL = """
WITH best AS (
  SELECT s.member_id, s.task, MAX(g.public_score) AS score, MIN(s.received_at) AS at
  FROM submissions s JOIN grades g ON g.submission_id = s.id
  WHERE s.competition_id = :cid AND s.status = 'graded' GROUP BY s.member_id, s.task),
totals AS (SELECT member_id, SUM(score) AS total, MAX(at) AS reached, COUNT(*) AS n FROM best GROUP BY member_id)
SELECT t.member_id, t.total, t.reached, t.n, RANK() OVER (ORDER BY t.total DESC, t.reached, t.n) AS rank,
       m.real_name, u.name
FROM totals t JOIN members m ON m.id = t.member_id JOIN org_units u ON u.id = m.org_unit_id
ORDER BY rank LIMIT :limit OFFSET :offset
"""


def build(n_members: int, n_subs: int) -> int:
    """A fresh jinguo_bench database with the platform schema, members, submissions and grades."""
    from sqlalchemy import create_engine, select, text

    from hub.store.db import session_scope, upgrade
    from hub.store.orm import Competition, EmploymentForm, Industry, OrgUnit, Region, UnitLevel
    from hub.store.seed import seed_reference

    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text("DROP DATABASE IF EXISTS jinguo_bench WITH (FORCE)"))
        c.execute(text("CREATE DATABASE jinguo_bench"))
    admin.dispose()
    upgrade(URL)
    with session_scope(URL) as s:
        seed_reference(s)
        units = s.scalars(select(OrgUnit.id).where(OrgUnit.level == UnitLevel.grassroots)).all()
        regions, industries = s.scalars(select(Region.id)).all(), s.scalars(select(Industry.id)).all()
        forms = s.scalars(select(EmploymentForm.id)).all()
        comp = Competition(slug="bench-2026", title="基准测试赛", spec_yaml=SPEC, status="open", opened_at=NOW)
        s.add(comp)
        s.flush()
        cid = comp.id
    rnd = random.Random(7)
    engine = create_engine(URL)
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        with cur.copy("COPY members (id, username, real_name, gender, role, status, org_unit_id, region_id, "
                      "industry_id, employment_form_id, created_at) FROM STDIN") as cp:
            for i in range(1, n_members + 1):
                cp.write_row((i, f"w{i:05d}", f"选手{i:05d}", "female", "learner", "approved", rnd.choice(units),
                              rnd.choice(regions), rnd.choice(industries), rnd.choice(forms), NOW))
        with cur.copy("COPY submissions (id, member_id, competition_id, task, filename, notebook, sha256, size, "
                      "status, attempts, message, received_at) FROM STDIN") as cp:
            for i in range(1, n_subs + 1):
                at = NOW - timedelta(days=4, seconds=-rnd.randrange(0, 4 * 86400))
                cp.write_row((i, rnd.randrange(1, n_members + 1), cid, rnd.choice(TASKS), "x.ipynb", b"", "0" * 64, 0,
                              "graded", 1, "", at))
        with cur.copy("COPY grades (id, submission_id, score, max_score, public_score, needs_manual, detail, "
                      "graded_at) FROM STDIN") as cp:
            for i in range(1, n_subs + 1):
                score = float(rnd.randrange(0, 26))
                cp.write_row((i, i, score, 25.0, score, False, "{}", NOW))
        for table in ("members", "submissions", "grades"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
        cur.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
        engine.dispose()
    return cid


def serve(design: str, cid: int, port: int, ready) -> None:
    """One board server: 'naive' (SQL per request) or 'ours' (in-memory board)."""
    import tornado.ioloop
    import tornado.web
    from sqlalchemy import create_engine, text
    from sqlalchemy.orm import Session

    from hub.competitions.boards import BoardCache, board_json, spec_of
    from hub.store.orm import Competition, Grade, Member, Submission, utcnow

    engine = create_engine(URL, pool_size=4)
    loop = tornado.ioloop.IOLoop.current()
    boards = BoardCache(loop)
    with Session(engine) as s:
        comp = s.get(Competition, cid)
        spec = spec_of(comp)
        if design == "ours":
            boards.board(s, comp, spec, "prelim", "public", NOW)

    class Board(tornado.web.RequestHandler):
        def get(self) -> None:
            offset, limit = int(self.get_argument("offset", "0")), int(self.get_argument("limit", "50"))
            if design == "ours":
                with Session(engine) as s:
                    lb = boards.board(s, comp, spec, "prelim", "public", datetime.now(timezone.utc))
                data = board_json(lb, spec.privacy, self.get_argument("division", "overall"), offset, limit, None)
            else:
                with engine.connect() as c:
                    rows = c.execute(text(NAIVE_SQL), {"cid": cid, "limit": limit, "offset": offset}).all()
                data = {"board": "public", "entries": [
                    {"rank": r.rank, "display_name": r.real_name, "unit": r.name, "score": float(r.total),
                     "submissions": r.n, "reached_at": r.reached.isoformat()} for r in rows]}
            self.set_header("Content-Type", "application/json")
            self.finish(tornado.escape.json_encode(data))

    class NewScores(tornado.web.RequestHandler):
        def post(self) -> None:
            """A new competitor with full marks on every task, committed as the grading queue does it."""
            with Session(engine) as s:
                base = s.get(Member, 1)
                m = Member(username=f"new{time.time_ns()}", real_name="新选手", org_unit_id=base.org_unit_id,
                           region_id=base.region_id, industry_id=base.industry_id,
                           employment_form_id=base.employment_form_id, role=base.role, status=base.status)
                s.add(m)
                s.flush()
                for task in TASKS:
                    sub = Submission(member_id=m.id, competition_id=cid, task=task, filename="x.ipynb", notebook=b"",
                                     sha256="0" * 64, size=0, status="graded", received_at=utcnow())
                    s.add(sub)
                    s.flush()
                    grade = Grade(submission_id=sub.id, score=25.0, max_score=25.0, public_score=25.0,
                                  detail={"notebooks": [{"cells": [{"cell": "t", "points": 25.0, "max_points": 25.0}]}]})
                    s.add(grade)
                    s.flush()
                    if design == "ours":
                        boards.on_graded(s, sub, grade)
                s.commit()
            self.finish("ok")

    app = tornado.web.Application([(r"/board", Board), (r"/grade", NewScores)])
    app.listen(port, "127.0.0.1")
    ready.set()
    loop.start()


async def _client(port: int, path: str, until: float, latencies: list[float]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    req = f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    while time.perf_counter() < until:
        t = time.perf_counter()
        writer.write(req)
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
        await reader.readexactly(length)
        latencies.append(time.perf_counter() - t)
    writer.close()


def load(port: int, seconds: float, connections: int) -> dict:
    latencies: list[float] = []
    paths = ["/board?limit=50", "/board?offset=5000&limit=50", "/board?limit=20&division=region:guangdong"]

    async def run() -> None:
        until = time.perf_counter() + seconds
        await asyncio.gather(*(_client(port, paths[i % len(paths)], until, latencies) for i in range(connections)))

    t = time.perf_counter()
    asyncio.run(run())
    wall = time.perf_counter() - t
    q = statistics.quantiles(latencies, n=100)
    return {"rps": len(latencies) / wall, "p50": q[49] * 1000, "p99": q[98] * 1000, "n": len(latencies)}


def freshness(port: int) -> float:
    """Seconds from a committed new full score to the board's first page showing it."""
    import json
    import urllib.request

    def full_marks() -> int:
        page = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/board?limit=50").read())["entries"]
        return sum(1 for e in page if e["score"] >= 100)

    before = full_marks()
    t = time.perf_counter()
    urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/grade", data=b"")).read()
    while full_marks() <= before:
        if time.perf_counter() - t > 30:
            return float("inf")
    return time.perf_counter() - t


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="1,000 competitors, 20,000 submissions, 5 s of load")
    ap.add_argument("--competitors", type=int)
    ap.add_argument("--submissions", type=int)
    ap.add_argument("--seconds", type=float)
    ap.add_argument("--connections", type=int, default=16)
    a = ap.parse_args()
    n_members = a.competitors or (1_000 if a.quick else 10_000)
    n_subs = a.submissions or (20_000 if a.quick else 200_000)
    seconds = a.seconds or (5 if a.quick else 15)
    t = time.perf_counter()
    cid = build(n_members, n_subs)
    print(f"data: {n_members} competitors, {n_subs} submissions in PostgreSQL ({time.perf_counter() - t:.1f} s to load)")
    ctx = mp.get_context("spawn")
    results = {}
    for design in ("naive", "ours"):
        port, ready = free_port(), ctx.Event()
        proc = ctx.Process(target=serve, args=(design, cid, port, ready), daemon=True)
        t = time.perf_counter()
        proc.start()
        ready.wait(300)
        warm = time.perf_counter() - t
        load(port, 1, 2)  # warm up
        r = load(port, seconds, a.connections)
        r["fresh"] = freshness(port)
        proc.terminate()
        proc.join()
        results[design] = r
        print(f"{design:5s}: {r['rps']:8.0f} req/s  p50 {r['p50']:7.2f} ms  p99 {r['p99']:7.2f} ms  "
              f"new score visible after {r['fresh'] * 1000:.0f} ms  (start-up {warm:.1f} s, {r['n']} requests)")
    print(f"ratio: {results['ours']['rps'] / results['naive']['rps']:.1f}")


if __name__ == "__main__":
    main()
