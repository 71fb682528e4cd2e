"""`nbgrader autograde` against `jinguo grade` on identical copies of one course, in the same run.

    .venv/bin/python bench/grading.py [--quick] [--per-kind N]
    .venv/bin/python bench/grading.py --class N      (cold: fresh processes on both sides)

The course has three assignments of different weight: a tiny function, a data-processing task with the
standard library, and a matplotlib plot. Submissions are honest work of several kinds (full, partial,
wrong, raising, missing). The scores of both graders must be identical; the last line is `ratio: N`
(nbgrader's seconds per submission over ours).

`--class N` (issue 20): a class of N learners hands in the tiny assignment (honest kinds in turn); a fresh
`nbgrader autograde` process and a fresh `jinguo grade` process (nothing warm: pool, imports and sandbox all
start inside the timing) each grade an identical copy. Scores must be identical; the last line is
`cold class of N: nbgrader X s, jinguo Y s, ratio R` (R = X / Y).
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from grading import autograde  # noqa: E402
from tests.grading.corpus import (DATA, DATA_KINDS, KINDS, PLOT, PLOT_KINDS, copy_course, make_course,  # noqa: E402
                                  nbgrader_autograde, scores)

BIN = Path(sys.executable).parent
HONEST = ("full", "partial", "wrong", "raising", "missing")

def build(root: Path, per_kind: int) -> int:
    count = 0
    plans = [("tiny", None, {k: KINDS[k] for k in ("full", "partial", "wrong", "raising", "missing")}),
             ("data", DATA, DATA_KINDS), ("plot", PLOT, PLOT_KINDS)]
    for name, source, kinds in plans:
        many = {f"{kind}{i:03d}": body for kind, body in kinds.items() for i in range(per_kind)}
        make_course(root, many, assignment=name, source=source)
        count += len(many)
    return count


def cold_class(n: int) -> bool:
    """Both graders from a fresh process on identical copies of a class of ``n``; prints the issue-20 line."""
    tmp = Path(tempfile.mkdtemp(prefix="jinguo-bench-cold-"))
    try:
        class_ = {f"learner{i:03d}": KINDS[HONEST[i % len(HONEST)]] for i in range(n)}
        base = make_course(tmp / "course", class_, assignment="tiny")
        ref, ours = copy_course(base, tmp / "nbgrader"), copy_course(base, tmp / "jinguo")
        t0 = time.perf_counter()
        done = nbgrader_autograde(ref, "tiny")  # its own fresh process (corpus helper)
        t_ref = time.perf_counter() - t0
        if done.returncode != 0:
            print(f"nbgrader autograde failed: {done.stderr[-1500:]}")
        env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")
        t0 = time.perf_counter()
        mine = subprocess.run([str(BIN / "jinguo"), "grade", "tiny", "--course-dir", str(ours)], env=env,
                              capture_output=True, text=True, timeout=1200)
        t_ours = time.perf_counter() - t0
        if mine.returncode != 0:
            print(f"jinguo grade failed ({mine.returncode}): {mine.stderr[-1500:]}")
        x, y = scores(ref, "tiny"), scores(ours, "tiny")
        same = len(x) == n and x == y
        print(f"class of {n}: {mine.stdout.strip().splitlines()[-1] if mine.stdout.strip() else '(no output)'}")
        print(f"identical scores: {same}")
        if not same:
            diff = {k: (x.get(k), y.get(k)) for k in sorted(set(x) | set(y)) if x.get(k) != y.get(k)}
            print(f"SCORE MISMATCH (student: nbgrader, jinguo) on {len(diff)} of {n}"
                  f"{'' if len(x) == n else f'; nbgrader graded {len(x)}'}: {diff}")
        print(f"cold class of {n}: nbgrader {t_ref:.2f} s, jinguo {t_ours:.2f} s, ratio {t_ref / t_ours:.2f}")
        return same
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="a small run (about a minute)")
    ap.add_argument("--per-kind", type=int, help="submissions per kind and assignment")
    ap.add_argument("--class", dest="class_size", type=int, metavar="N",
                    help="cold mode: a fresh `jinguo grade` against a fresh `nbgrader autograde` on a class of N")
    args = ap.parse_args()
    if args.class_size is not None:
        if args.class_size < 1:
            ap.error("--class needs N ≥ 1")
        sys.exit(0 if cold_class(args.class_size) else 1)
    per_kind = args.per_kind or (3 if args.quick else 15)
    tmp = Path(tempfile.mkdtemp(prefix="jinguo-bench-grading-"))
    base = tmp / "course"
    n = build(base, per_kind)
    ref, ours = tmp / "nbgrader", tmp / "jinguo"
    shutil.copytree(base, ref)
    shutil.copytree(base, ours)
    t0 = time.perf_counter()
    for name in ("tiny", "data", "plot"):
        nbgrader_autograde(ref, name)
    t_ref = time.perf_counter() - t0
    t0 = time.perf_counter()
    statuses: dict[str, int] = {}
    for name in ("tiny", "data", "plot"):
        for r in autograde(ours, name):
            statuses[r.status] = statuses.get(r.status, 0) + 1
    t_ours = time.perf_counter() - t0
    same = all(scores(ref, a) == scores(ours, a) for a in ("tiny", "data", "plot"))
    print(f"submissions: {n}")
    print(f"nbgrader autograde: {t_ref:.1f} s, {t_ref / n:.3f} s per submission")
    print(f"jinguo grade (sandboxed): {t_ours:.1f} s, {t_ours / n:.3f} s per submission")
    print(f"identical scores: {same}; statuses: {statuses}")
    if not same:
        for a in ("tiny", "data", "plot"):
            x, y = scores(ref, a), scores(ours, a)
            print(a, {k: (x.get(k), y.get(k)) for k in sorted(set(x) | set(y)) if x.get(k) != y.get(k)})
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"ratio: {t_ref / t_ours:.2f}")
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
