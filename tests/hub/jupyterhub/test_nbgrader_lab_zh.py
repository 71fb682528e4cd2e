"""The Chinese copy of nbgrader's lab extension (hub/jupyterhub/singleuser/nbgrader_lab_zh.py), built as the hub builds it at
start: every word of the catalogue is found and replaced, only where it is shown, and the copy still loads (its
chunks are renamed with their new hashes and the entry points at them). The browser side is in
tests/hub/courses/test_formgrader_in_lab.py."""
from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from hub.jupyterhub.singleuser import nbgrader_lab_zh as zh


def test_copy_shows_every_catalogue_word_and_keeps_the_code(tmp_path):
    out = zh.build(tmp_path)
    assert zh.missing_words(tmp_path) == []  # a newer nbgrader that moved a word fails here, not in front of her
    source = zh.nbgrader_extension()
    package = json.loads((out / "package.json").read_text())
    entry = out / package["jupyterlab"]["_build"]["load"]
    assert entry.is_file() and not (source / package["jupyterlab"]["_build"]["load"]).exists()  # a new name
    code = {p.name: p.read_text() for p in (out / "static").glob("*.js")}
    original = {p.name: p.read_text() for p in (source / "static").glob("*.js")}
    changed = sorted(set(code) - set(original))
    assert len(changed) >= 2  # the translated chunk and the entry that names it
    entry_code = code[entry.name]
    for name in changed:
        if name != entry.name:
            assert name.split(".")[1] in entry_code  # the entry loads the renamed chunk
    both = "".join(code.values())
    # what the code compares or sends stays as it was
    for kept in ('"released"===this.data.status', '"assignments/fetch"', '"assignments/submit"',
                 'id="released_assignments_list"', "nbgrader:open-assignment-list"):
        assert kept in both, kept
    for shown in ('innerText="获取"', 'innerText="提交"', "可以获取的作业", 'label:"作业列表"'):
        assert shown in both, shown
    if shutil.which("node"):
        for name in changed:
            r = subprocess.run(["node", "--check", str(out / "static" / name)], capture_output=True, text=True)
            assert r.returncode == 0, r.stderr


def test_built_once_then_left_alone(tmp_path):
    out = zh.build(tmp_path)
    stamp = (out / ".jinguo-stamp").stat().st_mtime_ns
    assert zh.build(tmp_path) == out
    assert (out / ".jinguo-stamp").stat().st_mtime_ns == stamp
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no staging left behind


@pytest.mark.parametrize("code, expected", [
    ('t.innerText="Fetch"', 't.innerText="获取"'),
    ('"Fetch"===s', '"Fetch"===s'),  # a comparison is code, not a word she reads
    ('<div> There are no assignments to fetch. </div>', '<div> 暂时没有可以获取的作业。 </div>'),
    ('f({title:"Validation failed",body:"Cannot save notebook"', 'f({title:"检查未完成 / Validation failed",'
     'body:"无法保存笔记本 / Cannot save notebook"'),
])
def test_words_are_replaced_only_where_shown(code, expected):
    catalogue = json.loads(zh.CATALOGUE.read_text(encoding="utf-8"))
    assert zh.translate_js(code, catalogue, set()) == expected
