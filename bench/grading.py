"""`nbgrader autograde` against `jinguo grade` on identical copies of one course, in the same run.

    .venv/bin/python bench/grading.py [--quick] [--per-kind N]

The course has three assignments of different weight: a tiny function, a data-processing task with the
standard library, and a matplotlib plot. Submissions are honest work of several kinds (full, partial,
wrong, raising, missing). The scores of both graders must be identical; the last line is `ratio: N`
(nbgrader's seconds per submission over ours).
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from grading import autograde  # noqa: E402
from tests.grading.corpus import DATA, DATA_KINDS, KINDS, PLOT, PLOT_KINDS, make_course, nbgrader_autograde, scores  # noqa: E402,E501

def build(root: Path, per_kind: int) -> int:
    count = 0
    plans = [("tiny", None, {k: KINDS[k] for k in ("full", "partial", "wrong", "raising", "missing")}),
             ("data", DATA, DATA_KINDS), ("plot", PLOT, PLOT_KINDS)]
    for name, source, kinds in plans:
        many = {f"{kind}{i:03d}": body for kind, body in kinds.items() for i in range(per_kind)}
        make_course(root, many, assignment=name, source=source)
        count += len(many)
    return count


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="a small run (about a minute)")
    ap.add_argument("--per-kind", type=int, help="submissions per kind and assignment")
    args = ap.parse_args()
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
