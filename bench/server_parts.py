"""What each part of a worker's notebook server costs in idle memory (issue 20, the start of a competition).

    .venv/bin/python bench/server_parts.py [--role learner] [--settle 3] [--repeat 1]

Starts a Jupyter server (`python -m jupyter_server`, the server jupyterhub-singleuser wraps) with the role's own
config folders (hub/jupyterhub/singleuser/<role>/ and common/, as the spawner sets JUPYTER_CONFIG_PATH), waits until
/api/status answers, lets it settle and reads its VmRSS; then again with one part taken away at a time, so each
line's difference to the full server is what that part costs. All variants run in turn in the same run (same
load). Not a pass/fail test: the figures go into docs/admin-guide.md.
"""
from __future__ import annotations

import argparse
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
ROLES = ROOT / "hub" / "jupyterhub" / "singleuser"

# every server extension installed in the environment, and ours (common/ config folder)
EXTENSIONS = ["jupyterlab", "notebook", "notebook_shim", "jupyter_lsp", "jupyter_server_terminals",
              "nbgrader.server_extensions.assignment_list", "nbgrader.server_extensions.validate_assignment",
              "nbgrader.server_extensions.course_list", "nbgrader.server_extensions.formgrader",
              "hub.lab.exchange.lab", "hub.jupyterhub.singleuser.formgrader_zh"]


def vm_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


LEAN = "from hub.jupyterhub.singleuser.lean import lean; lean(); "
HUB = "import jupyterhub.singleuser; "  # what jupyterhub-singleuser imports on top of the server


def measure(role: str, args: list[str], env_extra: dict[str, str], settle: float,
            prelude: str = "") -> tuple[float, float]:
    """(seconds to answering, idle VmRSS MB) of one server started with ``args`` after ``prelude``."""
    home = Path(tempfile.mkdtemp(prefix="jinguo-parts-"))
    port, token = free_port(), secrets.token_hex(16)
    env = dict(os.environ, HOME=str(home), LANG="C.UTF-8", LC_ALL="C.UTF-8", PYTHONPATH=str(ROOT),
               JUPYTER_CONFIG_PATH=os.pathsep.join([str(ROLES / role), str(ROLES / "common")]),
               JUPYTER_TOKEN=token, **env_extra)
    cmd = [sys.executable, "-c", prelude + "from jupyter_server.serverapp import main; main()", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
           f"--ServerApp.root_dir={home}", *(["--allow-root"] if os.geteuid() == 0 else []), *args]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=home, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(proc.stderr.read().decode(errors="replace")[-2000:])
            try:
                if requests.get(f"http://127.0.0.1:{port}/api/status", params={"token": token}, timeout=1).ok:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.05)
        ready = time.perf_counter() - t0
        time.sleep(settle)
        return ready, vm_rss_mb(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(home, ignore_errors=True)


def off(*names: str) -> list[str]:
    return [f"--ServerApp.jpserver_extensions={name}=False" for name in names]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--role", default="learner", help="config folder of hub/jupyterhub/singleuser/ to start with")
    ap.add_argument("--settle", type=float, default=3.0, help="seconds idle before VmRSS is read")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each variant (median)")
    ap.add_argument("--lean", action="store_true", help="every variant as the spawner starts it now: "
                    "hub/jupyterhub/singleuser/lean.py (the two jupyterhub.singleuser lines run either way)")
    args = ap.parse_args()
    prelude = LEAN if args.lean else ""
    variants: list[tuple[str, list[str], dict[str, str]]] = [
        (f"{args.role} server as configured", [], {}),
        ("without jupyter_lsp", off("jupyter_lsp"), {}),
        ("without terminals", off("jupyter_server_terminals"), {}),
        ("without notebook 7 (+shim)", off("notebook", "notebook_shim"), {}),
        ("without nbgrader validate_assignment", off("nbgrader.server_extensions.validate_assignment"), {}),
        ("without nbgrader assignment_list + ours", off("nbgrader.server_extensions.assignment_list",
                                                        "hub.lab.exchange.lab"), {}),
        ("without fullwidth kernel specs", ["--ServerApp.kernel_spec_manager_class="
                                            "jupyter_client.kernelspec.KernelSpecManager"], {}),
        ("with MALLOC_ARENA_MAX=2", [], {"MALLOC_ARENA_MAX": "2"}),
        ("bare jupyter_server (no extension)", off(*EXTENSIONS), {}),
    ]
    print(f"load before: {os.getloadavg()[0]:.2f}; {'lean start' if args.lean else 'plain start'}")
    variants += [("+ jupyterhub.singleuser imports (plain)", [], {}, HUB),
                 ("+ jupyterhub.singleuser imports (lean)", [], {}, LEAN + HUB)]
    base = None
    for label, extra, env_extra, *own in variants:
        runs = [measure(args.role, extra, env_extra, args.settle, own[0] if own else prelude)
                for _ in range(args.repeat)]
        ready, rss = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
        base = rss if base is None else base
        print(f"{label:45s} {rss:6.1f} MB  ({rss - base:+6.1f})  answering after {ready:5.2f} s", flush=True)
    print(f"load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
