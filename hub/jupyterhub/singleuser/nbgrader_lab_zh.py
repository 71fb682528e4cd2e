"""nbgrader's JupyterLab extension (the Assignments tab, the Validate button, the Nbgrader menu) in Chinese.

nbgrader 0.9's lab extension writes its words straight into the page ("Fetch", "Released assignments", ...): it
never asks JupyterLab's translator, so no language pack and no catalogue in a locale folder can reach them. What
works is a translated copy of the extension: the same files, with each English word of our catalogue
(hub/data/lab/nbgrader-zh_CN.json, English → Chinese, like a .po file) replaced where the code shows it to a person
(``innerText="Fetch"``, ``label:"Assignment List"``, ``>Released assignments<``, ...), never in ids, URLs or
comparisons. Every server loads the copy in place of nbgrader's own because hub/jupyterhub/singleuser/common/
jupyter_server_config.py puts its folder first (``LabApp.extra_labextensions_path``; the first extension of a name
wins). A changed file gets a new content hash in its name, so no browser keeps the English one from its cache.

``build()`` runs with install_lab_settings() at every hub start and rebuilds only when nbgrader or the catalogue
changed. A catalogue entry that no longer matches (a newer nbgrader) is logged and left English, never an error.
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
PACKAGE = "@jupyter/nbgrader"
# Where the code hands a string to a person: DOM text, widget/command labels, titles, tooltips, dialog bodies.
_SHOWN = re.compile(r'(?P<before>(?:\b(?:innerText|textContent|label|title|tooltip|caption|body)\s*[=:]\s*'
                    r'|setButtonLabel\((?:e=)?|createElement\("p",null,))"(?P<text>[^"\\]*)"')
# Text between two tags inside the HTML the extension writes (its Assignments tab layout).
_BETWEEN_TAGS = re.compile(r">(?P<lead>(?:\\n|\s)*)(?P<text>[^<>\\]+?)(?P<trail>(?:\\n|\s)*)<")
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


def _stamp(source: Path, catalogue_text: str) -> str:
    digest = hashlib.sha256(catalogue_text.encode())
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
    for path in sorted(static.glob("*.js")):
        if path in entries:
            continue
        code = path.read_text(encoding="utf-8")
        translated = translate_js(code, catalogue, used)
        if translated != code:
            renamed[path.name] = _write_hashed(path, translated)
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
