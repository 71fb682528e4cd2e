"""Time and memory of notebook-server starts through the hub's REST API: one alone, then 10 at once; or a storm.

    .venv/bin/python bench/spawn.py [--concurrent 10]
    .venv/bin/python bench/spawn.py --storm N [--settle S] [--poll S]

Starts a real hub (demo data, temporary folders, its own Unix prefix and home root: hub/testing.py), logs
workers in, asks the API to start their servers and waits until the hub reports them ready. Memory is the
resident size of each server process tree.

`--storm N` (issue 20, the start of a competition): N approved learners (the demo's workers, then more of the
same unions) are logged in first; then all N ask the hub API to start their servers at the same moment. Per
start: from her POST to the hub reporting her server ready: the end of the hub's progress stream, as the spawn page
waits (or, with --poll S, her server's "ready" polled every S s, up to one poll late; 50 learners polling every
0.25 s sent the hub 200 requests a second, which took CPU from the servers being measured).
Idle memory: --settle s after the last is ready, the summed VmRSS (/proc) of each server's process tree (the
processes of her Unix account and their children), mean over servers. Run as root, every server runs as its own
test account; without root (single-account demo mode) the per-server split is not possible and M is NaN.
Every server and the hub are stopped afterwards. Last line:
`storm: N starts, all ready in T s, p95 S s, idle memory M MB each`.
"""
from __future__ import annotations

import argparse
import json
import os
import pwd
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.crowd import approved_learners, pct  # noqa: E402
from hub.testing import start_hub, stop_hub, xsrf  # noqa: E402


def rss_mb(user: str) -> float:
    out = subprocess.run(["ps", "-o", "rss=", "-u", user], capture_output=True, text=True).stdout
    return sum(int(x) for x in out.split()) / 1024


def start_and_wait(hub, name: str) -> float:
    s = hub.session(name)
    t0 = time.perf_counter()
    hub.start_server(s, name)
    while not hub.server_ready(s, name):
        time.sleep(0.05)
    return time.perf_counter() - t0


def processes() -> dict[int, tuple[int, int, int]]:
    """pid → (parent pid, real uid, VmRSS in kB) of every process, from /proc."""
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = dict(line.split(":", 1) for line in Path(f"/proc/{entry}/status").read_text().splitlines()
                          if ":" in line)
        except OSError:  # gone meanwhile
            continue
        rss = int(fields.get("VmRSS", "0 kB").split()[0])  # kernel threads have none
        out[int(entry)] = (int(fields["PPid"]), int(fields["Uid"].split()[0]), rss)
    return out


def tree_rss_mb(uid: int, procs: dict[int, tuple[int, int, int]]) -> float:
    """The resident MB of one server's process tree: her account's top processes and all their descendants."""
    children: dict[int, list[int]] = {}
    for pid, (ppid, _uid, _rss) in procs.items():
        children.setdefault(ppid, []).append(pid)
    roots = [pid for pid, (ppid, u, _r) in procs.items() if u == uid and procs.get(ppid, (0, -1, 0))[1] != uid]
    seen, todo = set(), list(roots)
    while todo:
        pid = todo.pop()
        if pid not in seen:
            seen.add(pid)
            todo.extend(children.get(pid, []))
    return sum(procs[p][2] for p in seen) / 1024


def wait_progress(s, name: str, t: float) -> float | None:
    """Seconds from ``t`` until the hub's progress stream for her server says ready (None if it failed). A stream
    cut short (the old proxy gave up after 20 s) is opened again, as the spawn page's EventSource reconnects."""
    while time.perf_counter() < t + 600:
        r = s.get(f"{s.hub_url}/hub/api/users/{name}/server/progress", stream=True, timeout=600)
        for line in r.iter_lines():
            if line.startswith(b"data:"):
                event = json.loads(line[5:])
                if event.get("ready"):
                    return time.perf_counter() - t
                if event.get("failed"):
                    print(f"{name}: spawn failed: {event.get('message', '')[:300]}")
                    return None
        if r.status_code not in (200, 502, 503, 504, 599):
            print(f"{name}: progress stream answered HTTP {r.status_code}")
            return None
        time.sleep(1)
    print(f"{name}: not ready after 600 s")
    return None


def storm(hub, n: int, settle: float, poll: float, label: str = "now") -> tuple[float, float, int]:
    """N logged-in learners press 进入我的笔记本 at the same moment; times, p95, idle memory; all stopped after."""
    t0 = time.perf_counter()
    names = approved_learners(hub, n, prefix="storm")

    def login(name: str) -> tuple:
        s = hub.session(name)
        s.get(f"{hub.url}/hub/home")
        s.hub_url = hub.url
        return s, xsrf(s, "/hub/home")

    with ThreadPoolExecutor(8) as pool:
        logged = list(pool.map(login, names))
    print(f"setup: {n} approved learners logged in ({time.perf_counter() - t0:.0f} s)")
    gate = threading.Barrier(n)

    def start(i: int) -> float | None:
        (s, token), name = logged[i], names[i]
        gate.wait()
        t = time.perf_counter()
        r = s.post(f"{hub.url}/hub/api/users/{name}/server", json={}, headers={"X-XSRFToken": token}, timeout=300)
        if r.status_code not in (201, 202):
            words = " ".join(re.sub(r"<[^>]+>", " ", r.text.split("<body", 1)[-1]).split())
            print(f"{name}: start refused, HTTP {r.status_code} {words[:300]}")
            return None
        if poll == 0:  # as the spawn page waits: the hub's progress stream, which ends with her server ready
            return wait_progress(s, name, t)
        deadline = t + 600
        while time.perf_counter() < deadline:
            u = s.get(f"{hub.url}/hub/api/users/{name}", timeout=60)
            server = u.json().get("servers", {}).get("", {}) if u.status_code == 200 else {}
            if server.get("ready"):
                return time.perf_counter() - t
            if u.status_code == 200 and not server:  # the spawn failed and the hub forgot the server
                print(f"{name}: server gone before ready")
                return None
            time.sleep(poll)
        print(f"{name}: not ready after 600 s")
        return None

    try:
        t0 = time.perf_counter()
        with ThreadPoolExecutor(n) as pool:
            each = list(pool.map(start, range(n)))
        wall = time.perf_counter() - t0
        ready = [e for e in each if e is not None]
        time.sleep(settle)  # let the servers go idle before weighing them
        mems: list[float] = []
        if os.geteuid() == 0:
            procs = processes()
            for name, took in zip(names, each):
                if took is None:  # never ready: her account may exist without a server
                    continue
                try:
                    mems.append(tree_rss_mb(pwd.getpwnam(hub.unix_prefix + name).pw_uid, procs))
                except KeyError:  # no account: her server never started
                    pass
        mem = statistics.mean(mems) if mems else float("nan")
        print(f"{len(ready)} of {n} ready; per start median {pct(ready, .5):.2f} s, p95 {pct(ready, .95):.2f} s, "
              f"max {max(ready, default=float('nan')):.2f} s ({f'poll {poll:g} s' if poll else 'progress stream'})")
        if mems:
            print(f"idle memory after {settle:g} s: mean {mem:.0f} MB, min {min(mems):.0f}, max {max(mems):.0f}, "
                  f"total {sum(mems):.0f} MB over {len(mems)} servers")
        lost = f" ({n - len(ready)} never ready)" if len(ready) < n else ""
        print(f"{'(before) ' if label == 'before' else ''}storm: {n} starts, all ready in {wall:.1f} s{lost}, "
              f"p95 {pct(ready, .95):.1f} s, idle memory {mem:.0f} MB each", flush=True)
        return wall, mem, len(ready)
    finally:
        def stop(i: int) -> None:
            (s, token), name = logged[i], names[i]
            try:
                s.delete(f"{hub.url}/hub/api/users/{name}/server", headers={"X-XSRFToken": token}, timeout=120)
            except Exception as exc:  # the hub's own stop (stop_hub) still ends her processes
                print(f"{name}: stop failed: {exc}")

        t0 = time.perf_counter()
        with ThreadPoolExecutor(min(n, 16)) as pool:
            list(pool.map(stop, range(n)))
        print(f"stopped {n} servers through the API ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)


# The workers' servers as they started before issue 20: jupyterhub-singleuser with every extension (nbgrader's panel,
# jupyter_lsp), JupyterHub's 30 s http_timeout, and the proxy's Tornado defaults (10 requests in flight, 20 s each).
# (Accounts are still created off the hub's event loop: that part is code, not configuration.)
BEFORE = """
exec(open({default!r}).read())
c.JinguoSpawner.cmd = [{singleuser!r}]
c.JinguoSpawner.http_timeout = 30
c.JinguoSpawner.role_config_root = {roles!r}
c.ConfigurableHTTPProxy.command = [{proxy!r}]
"""
BEFORE_LEARNER = {"ServerApp": {"jpserver_extensions": {"nbgrader.server_extensions.formgrader": False,
                                                        "nbgrader.server_extensions.course_list": False}}}


def before_config(tmp: Path) -> str:
    """A hub configuration file that starts learners' servers as before issue 20 (BEFORE)."""
    from hub.settings import PROJECT_DIR

    roles = tmp / "roles-before"
    shutil.copytree(PROJECT_DIR / "hub" / "jupyterhub" / "singleuser", roles)
    (roles / "learner" / "jupyter_server_config.json").write_text(json.dumps(BEFORE_LEARNER))
    os.chmod(tmp, 0o755)
    cfg = tmp / "before_config.py"
    cfg.write_text(BEFORE.format(default=str(PROJECT_DIR / "jupyterhub_config.py"), roles=str(roles),
                                 singleuser=str(Path(sys.executable).parent / "jupyterhub-singleuser"),
                                 proxy=str(Path(sys.executable).parent / "configurable-http-proxy")))
    return str(cfg)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--concurrent", type=int, default=10, help="servers started at once after one alone")
    ap.add_argument("--storm", type=int, metavar="N", help="N approved learners start their servers at once")
    ap.add_argument("--settle", type=float, default=10.0, help="storm: seconds idle before memory is read")
    ap.add_argument("--before", action="store_true", help="storm: first the same storm with the servers started as "
                    "before issue 20 (jupyterhub-singleuser, every extension, the proxy's defaults), then as now")
    ap.add_argument("--poll", type=float, default=0, help="storm: seconds between each learner's ready checks; 0 (the "
                    "default): each waits on the hub's progress stream, as the spawn page does")
    args = ap.parse_args()
    if args.storm is not None:
        if args.storm < 1:
            ap.error("--storm needs N ≥ 1")
        if os.geteuid() != 0:
            print("note: not root, servers run in single-account demo mode (no per-server memory)")
        results = {}
        for label in (["before", "now"] if args.before else ["now"]):
            tmp = Path(tempfile.mkdtemp(prefix="jinguo-bench-storm-"))
            hub = start_hub(tmp, config=before_config(tmp) if label == "before" else None)
            print(f"--- {label}: load average {os.getloadavg()[0]:.1f}", flush=True)
            try:
                results[label] = storm(hub, args.storm, args.settle, args.poll, label)
            finally:
                stop_hub(hub)
                shutil.copyfile(tmp / "hub.log", f"/tmp/jinguo-bench-storm-hub-{label}.log")
                print(f"the hub's log: /tmp/jinguo-bench-storm-hub-{label}.log", file=sys.stderr)
                shutil.rmtree(tmp, ignore_errors=True)
        if len(results) == 2:
            (t0, m0, r0), (t1, m1, r1) = results["before"], results["now"]
            print(f"before/now: ready {r0} / {r1} of {args.storm}; all ready in {t0:.1f} / {t1:.1f} s"
                  f"{f' (×{t0 / t1:.2f})' if r0 == r1 == args.storm else ''}; idle memory {m0:.0f} / {m1:.0f} MB "
                  f"(×{m0 / m1:.2f})")
        return
    if os.geteuid() != 0:
        print("note: not root, servers run in single-account demo mode")
    tmp = Path(tempfile.mkdtemp(prefix="jinguo-bench-"))
    hub = start_hub(tmp)
    try:
        one = start_and_wait(hub, "worker01")
        mem_one = rss_mb(hub.unix_prefix + "worker01") if os.geteuid() == 0 else float("nan")
        names = [f"worker{i:02d}" for i in range(2, 2 + args.concurrent)]
        t0 = time.perf_counter()
        with ThreadPoolExecutor(args.concurrent) as pool:
            each = list(pool.map(lambda n: start_and_wait(hub, n), names))
        wall = time.perf_counter() - t0
        mems = [rss_mb(hub.unix_prefix + n) for n in names] if os.geteuid() == 0 else []
        print(f"one server: {one:.2f} s to ready, {mem_one:.0f} MB resident")
        print(f"{args.concurrent} at once: {wall:.2f} s until all ready; per server median "
              f"{statistics.median(each):.2f} s, max {max(each):.2f} s")
        if mems:
            print(f"{args.concurrent} at once: {statistics.mean(mems):.0f} MB resident each, {sum(mems):.0f} MB total")
        print(f"ratio: {wall / one:.2f}  (10 at once vs one alone, wall clock)")
    finally:
        stop_hub(hub)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
