"""nbgrader's JupyterLab extension (the Assignments tab, the Validate button, the Nbgrader menu) in Chinese.

nbgrader 0.9's lab extension writes its words straight into the page ("Fetch", "Released assignments", ...): it
never asks JupyterLab's translator, so no language pack and no catalogue in a locale folder can reach them. What
works is a translated copy of the extension: the same files, with each English word of our catalogue
(hub/data/lab/nbgrader-zh_CN.json, English → Chinese, like a .po file) replaced where the code shows it to a person
(``innerText="Fetch"``, ``label:"Assignment List"``, ``>Released assignments<``, ...), never in ids, URLs or
comparisons. Every server loads the copy in place of nbgrader's own because hub/jupyterhub/singleuser/common/
jupyter_server_config.py puts its folder first (``LabApp.extra_labextensions_path``; the first extension of a name
wins). A changed file gets a new content hash in its name, so no browser keeps the English one from its cache.

The copy also shows her score by itself when grading ends (nbgrader's panel showed it only after she pressed
refresh): the methods in hub/data/lab/assignment-list-refresh.js are added to the panel's list, which asks for its
list again while a hand-in of hers is being graded (``patch_refresh``).

``build()`` runs with install_lab_settings() at every hub start and rebuilds only when nbgrader, the catalogue or
the added methods changed. A catalogue entry that no longer matches (a newer nbgrader) is logged and left English;
a panel the refresh can no longer be added to stops the build (RefreshAnchorMissing), so nobody ships a panel that
silently never updates.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
import sys
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

CATALOGUE = Path(__file__).resolve().parents[2] / "data" / "lab" / "nbgrader-zh_CN.json"
REFRESH_JS = CATALOGUE.with_name("assignment-list-refresh.js")
POLL_SECONDS = 5  # how often the panel asks again while a hand-in is being graded (grading takes 10 s to minutes)
PACKAGE = "@jupyter/nbgrader"
# Where the code hands a string to a person: DOM text, widget/command labels, titles, tooltips, dialog bodies.
_SHOWN = re.compile(r'(?P<before>(?:\b(?:innerText|textContent|label|title|tooltip|caption|body)\s*[=:]\s*'
                    r'|setButtonLabel\((?:e=)?|createElement\("p",null,))"(?P<text>[^"\\]*)"')
# Text between two tags inside the HTML the extension writes (its Assignments tab layout).
_BETWEEN_TAGS = re.compile(r">(?P<lead>(?:\\n|\s)*)(?P<text>[^<>\\]+?)(?P<trail>(?:\\n|\s)*)<")
# nbgrader's assignment list (minified; names may change, the shape is the anchor): load_list(course, callback)
# asking "assignments?course_id=" + course with its request function, and handle_load_list(reply) just before it
_LOAD_LIST = re.compile(r'(?P<head>async load_list\((?P<course>\w+),(?P<cb>\w+)\)\{)(?P<body>this\.callback=(?P=cb),'
                        r'this\.clear_list\(!0\);try\{let \w+=await (?P<request>\w+)\("assignments\?course_id="\+'
                        r'(?P=course),)')
_HANDLE_LIST = re.compile(r'handle_load_list\((?P<r>\w+)\)\{(?P=r)\.success\?this\.load_list_success\((?P=r)\.value\)'
                          r':this\.show_error\((?P=r)\.value\)\}(?=async load_list\()')  # the list's, not formgrader's
_HASHED = re.compile(r"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{16,20})\.js$")


def default_target() -> Path:
    """The folder the copy is written to, inside this Python environment (hub and servers share it)."""
    return Path(sys.prefix) / "share" / "jupyter" / "jinguo-labextensions"


def nbgrader_extension() -> Path:
    """nbgrader's own lab extension folder, as nbgrader installs it."""
    import nbgrader

    inside = Path(nbgrader.__file__).parent / "labextension"
    if (inside / "package.json").is_file():
        return inside
    return Path(sys.prefix) / "share" / "jupyter" / "labextensions" / PACKAGE


def translate_js(code: str, catalogue: dict[str, str], used: set[str]) -> str:
    """The code with each catalogue word replaced where it is shown; ``used`` collects the words found."""

    def shown(m: re.Match) -> str:
        text = m["text"]
        if text not in catalogue:
            return m.group(0)
        used.add(text)
        return f'{m["before"]}"{catalogue[text]}"'

    def between(m: re.Match) -> str:
        text = m["text"].strip()
        if text not in catalogue:
            return m.group(0)
        used.add(text)
        return f'>{m["lead"]}{catalogue[text]}{m["trail"]}<'

    return _BETWEEN_TAGS.sub(between, _SHOWN.sub(shown, code))


class RefreshAnchorMissing(RuntimeError):
    """nbgrader's panel code no longer has the shape the refresh is added to (a newer nbgrader)."""


def patch_refresh(code: str, methods: str | None = None, interval_ms: int = POLL_SECONDS * 1000) -> str | None:
    """The chunk with the refresh methods added to nbgrader's assignment list, or None if this chunk has no such
    list; raises RefreshAnchorMissing if it has only part of it."""
    loads, handles = list(_LOAD_LIST.finditer(code)), list(_HANDLE_LIST.finditer(code))
    if not loads and not handles:
        return None
    if len(loads) != 1 or len(handles) != 1:
        raise RefreshAnchorMissing(f"nbgrader's assignment list changed: {len(loads)} load_list and {len(handles)} "
                                   "handle_load_list found where 1 of each was expected; update "
                                   "hub/jupyterhub/singleuser/nbgrader_lab_zh.py")
    methods = (methods if methods is not None else REFRESH_JS.read_text(encoding="utf-8"))
    methods = methods.replace("__REQUEST__", loads[0]["request"]).replace("__INTERVAL_MS__", str(interval_ms))
    # load_list remembers the course it shows; handle_load_list (every list drawn: load, Fetch, Submit) watches it
    h = handles[0]
    code = f'{code[:h.start()]}{h.group(0)[:-1]};this.jinguoWatch({h["r"]})}}\n{methods}\n{code[h.end():]}'
    load = _LOAD_LIST.search(code)
    return f'{code[:load.start()]}{load["head"]}this.jinguoCourse={load["course"]},{load["body"]}{code[load.end():]}'


def _stamp(source: Path, catalogue_text: str) -> str:
    digest = hashlib.sha256(catalogue_text.encode())
    digest.update(REFRESH_JS.read_bytes())
    for path in sorted((source / "static").glob("*.js")) + [source / "package.json"]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()


def build(target: Path | None = None, source: Path | None = None) -> Path:
    """Write the translated copy under ``target``/@jupyter/nbgrader (if out of date) and return that folder."""
    target = target or default_target()
    source = source or nbgrader_extension()
    catalogue_text = CATALOGUE.read_text(encoding="utf-8")
    out = target / PACKAGE
    stamp = _stamp(source, catalogue_text)
    if (out / ".jinguo-stamp").is_file() and (out / ".jinguo-stamp").read_text() == stamp:
        return out
    catalogue = json.loads(catalogue_text)

    # hubs started at once (tests) may build side by side: each in its own staging folder, swapped in at the end
    target.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target, prefix=".nbgrader-building-")) / "nbgrader"
    shutil.copytree(source, staging, ignore=shutil.ignore_patterns("__pycache__", "*.py", "*.pyc"))
    used: set[str] = set()
    renamed: dict[str, str] = {}  # old file name → new file name, for what changed
    static = staging / "static"
    entries = sorted(static.glob("remoteEntry.*.js"))
    refreshed = 0
    for path in sorted(static.glob("*.js")):
        if path in entries:
            continue
        code = path.read_text(encoding="utf-8")
        translated = translate_js(code, catalogue, used)
        with_refresh = patch_refresh(translated)
        if with_refresh is not None:
            translated, refreshed = with_refresh, refreshed + 1
        if translated != code:
            renamed[path.name] = _write_hashed(path, translated)
    if refreshed != 1:
        shutil.rmtree(staging.parent, ignore_errors=True)
        raise RefreshAnchorMissing(f"nbgrader's assignment list found in {refreshed} chunks, not 1: update "
                                   "hub/jupyterhub/singleuser/nbgrader_lab_zh.py")
    # the entry file names each chunk by its hash: point it at the new chunks, then rename the entry itself
    for path in entries:
        code = path.read_text(encoding="utf-8")
        for old, new in renamed.items():
            code = code.replace(_HASHED.match(old)["hash"], _HASHED.match(new)["hash"])
        renamed[path.name] = _write_hashed(path, code)
    package = json.loads((staging / "package.json").read_text(encoding="utf-8"))
    load = package.get("jupyterlab", {}).get("_build", {}).get("load", "")
    for old, new in renamed.items():
        load = load.replace(old, new)
    if load:
        package["jupyterlab"]["_build"]["load"] = load
    (staging / "package.json").write_text(json.dumps(package, indent=2), encoding="utf-8")
    missing = sorted(set(catalogue) - used)
    if missing:
        log.warning("nbgrader's lab extension no longer shows these words; they stay English: %s", missing)
    (staging / ".jinguo-stamp").write_text(stamp)

    out.parent.mkdir(parents=True, exist_ok=True)
    old = staging.parent / "old"
    try:
        out.rename(old)
    except FileNotFoundError:  # first build
        pass
    try:
        staging.rename(out)
    except OSError:  # another hub put its copy there first: the same words
        pass
    shutil.rmtree(staging.parent, ignore_errors=True)
    return out


def _write_hashed(path: Path, code: str) -> str:
    """Write ``code`` under the same name with a hash of the new content (same length as the old one)."""
    m = _HASHED.match(path.name)
    if not m:
        path.write_text(code, encoding="utf-8")
        return path.name
    new_name = f"{m['stem']}.{hashlib.sha256(code.encode()).hexdigest()[:len(m['hash'])]}.js"
    path.unlink()
    (path.parent / new_name).write_text(code, encoding="utf-8")
    return new_name


def missing_words(target: Path | None = None) -> list[str]:
    """Catalogue words the built copy does not show (for tests and `jinguo doctor`-like checks)."""
    out = (target or default_target()) / PACKAGE
    code = "".join(p.read_text(encoding="utf-8") for p in (out / "static").glob("*.js"))
    catalogue = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    return [en for en, zh in catalogue.items() if zh not in code]
