"""A real JupyterLab 4 run as an unprivileged account for the browser tests, with widget-state saving and the
Chinese UI switched on in its own user settings (as the single-user environment's overrides.json does for
workers), its kernels pointed at a platform through JINGUO_API_URL and JUPYTERHUB_API_TOKEN."""
from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import nbformat
import pytest

VENV_BIN = Path(sys.executable).parent
LAB_SETTINGS = {
    "@jupyter-widgets/jupyterlab-manager/plugin.jupyterlab-settings": {"saveState": True},
    "@jupyterlab/translation-extension/plugin.jupyterlab-settings": {"locale": "zh_CN"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                       "checkForUpdates": False},
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_user(name: str) -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "-m", name], check=True)
        return pwd.getpwnam(name)


def write_as(user: pwd.struct_passwd, path: Path, text: str) -> None:
    """Write a file in her home, owned by her (and the folders made for it too)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    for p in [path, *path.parents]:
        if p == Path(user.pw_dir):
            break
        os.chown(p, user.pw_uid, user.pw_gid)


@contextmanager
def jupyterlab(account: str, folder: str, notebooks: dict[str, nbformat.NotebookNode],
               api_url: str, token: str) -> Iterator[dict]:
    """JupyterLab as ``account`` in ~/``folder`` holding ``notebooks``; yields its url, token and folder."""
    user = ensure_user(account)
    home = Path(user.pw_dir)
    work = home / folder
    shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(home / ".jupyter" / "lab" / "workspaces", ignore_errors=True)  # no tabs from earlier runs
    for name, value in LAB_SETTINGS.items():
        write_as(user, home / ".jupyter" / "lab" / "user-settings" / name, json.dumps(value))
    for name, nb in notebooks.items():
        write_as(user, work / name, nbformat.writes(nb))
    port, lab_token = _free_port(), os.urandom(12).hex()
    env = {"HOME": str(home), "USER": account, "PATH": f"{VENV_BIN}:/usr/bin:/bin", "LANG": "C.UTF-8",
           "JINGUO_API_URL": api_url, "JUPYTERHUB_API_TOKEN": token}
    log_path = home / f"{folder}-lab.log"
    log = open(log_path, "w")
    proc = subprocess.Popen(
        ["runuser", "-u", account, "--", "env", "-i", *[f"{k}={v}" for k, v in env.items()],
         str(VENV_BIN / "jupyter"), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={lab_token}", f"--ServerApp.root_dir={work}",
         "--LabApp.expose_app_in_browser=True"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{url}/api/status?token={lab_token}", timeout=1)
                break
            except OSError:
                if proc.poll() is not None:
                    break
                time.sleep(0.1)
        if proc.poll() is not None:
            pytest.fail("JupyterLab did not start: " + log_path.read_text()[-2000:])
        yield {"url": url, "token": lab_token, "folder": work}
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(15)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def open_and_run(page, lab: dict, name: str) -> None:
    """Open ``name`` in JupyterLab and run all its cells once the kernel is connected and idle (on a loaded
    machine the first kernel start is slow, and cells sent before that are not run)."""
    page.goto(f"{lab['url']}/lab/tree/{name}?token={lab['token']}")
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell")
    page.wait_for_function("window.jupyterapp && window.jupyterapp.commands.hasCommand('notebook:run-all-cells')")
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']")
    page.wait_for_function("(() => { const k = window.jupyterapp.shell.currentWidget?.sessionContext?.session?.kernel;"
                           " return !!k && k.connectionStatus === 'connected' && k.status === 'idle'; })()")
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
