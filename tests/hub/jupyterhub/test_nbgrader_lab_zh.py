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
    # her score shows by itself: the list asks again while she waits (hub/data/lab/assignment-list-refresh.js)
    assert both.count("this.jinguoWatch(e)}") == 1 and "async load_list(e,t){this.jinguoCourse=e," in both
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


# nbgrader's assignment list in the shape of its minified bundle (161.*.js), trimmed to what the refresh touches
_LIST = ('async function T(url,opts){return globalThis.answer(url)}'
         'class C{constructor(e){this.submitted_element=e,this.callback=void 0,this.drawn=[]}clear_list(e){}'
         'load_list_success(e){this.drawn.push(e),this.callback&&(this.callback(),this.callback=void 0)}'
         'show_error(e){this.drawn.push("error")}'
         'handle_load_list(e){e.success?this.load_list_success(e.value):this.show_error(e.value)}'
         'async load_list(e,t){this.callback=t,this.clear_list(!0);try{let t=await T("assignments?course_id="+e,'
         '{method:"GET"});this.handle_load_list(t)}catch(e){console.error(`Error on GET /assignments.\n${e}`)}}}')

# her hand-in is being graded; she looks at another tab (or away) for a while; then it is graded
_DRIVE = r'''
const sleep = ms => new Promise(r => setTimeout(r, ms));
const grading = {success: true, value: [{course_id: "课程", submissions: [{grading: true, timestamp: "评分中"}]}]};
const graded = {success: true, value: [{course_id: "课程", submissions: [{grading: false, timestamp: "得分 3/3"}]}]};
const asked = [];
let answers = [grading];
globalThis.answer = url => { asked.push(url); return answers.length > 1 ? answers.shift() : answers[0]; };
globalThis.document = {visibilityState: "visible"};
let shown = true;
const list = new C({isConnected: true, checkVisibility: () => shown});
(async () => {
  await list.load_list("课程", () => {});
  await sleep(150);                       // 30 ms apart: asks again, draws nothing new while nothing changed
  const whileGrading = asked.length, drawnWhileGrading = list.drawn.length;
  shown = false; answers = [grading, graded];
  await sleep(200);                       // tab hidden: asks nothing
  const whileHidden = asked.length - whileGrading;
  shown = true;
  await sleep(200);                       // visible again: asks, draws her score, then stops
  const afterScore = asked.length;
  await sleep(200);
  console.log(JSON.stringify({whileGrading, drawnWhileGrading, whileHidden, afterScore, end: asked.length,
    last: list.drawn[list.drawn.length - 1], urls: [...new Set(asked)]}));
})();
'''


@pytest.mark.skipif(not shutil.which("node"), reason="needs node")
def test_list_asks_again_while_grading_only_while_visible_and_stops_when_final(tmp_path):
    script = tmp_path / "drive.js"
    script.write_text(zh.patch_refresh(_LIST, interval_ms=30) + _DRIVE, encoding="utf-8")
    r = subprocess.run(["node", str(script)], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    seen = json.loads(r.stdout)
    assert seen["whileGrading"] >= 3  # her first load, then again every 30 ms
    assert seen["drawnWhileGrading"] == 1  # the same list is not drawn again (her open folders stay open)
    assert seen["whileHidden"] <= 1  # at most the one already on its way when she looked away
    assert seen["afterScore"] > seen["whileGrading"] + seen["whileHidden"]
    assert seen["end"] == seen["afterScore"]  # all final: no more asking
    assert seen["last"][0]["submissions"][0]["timestamp"] == "得分 3/3"
    assert seen["urls"] == ["assignments?course_id=课程"]  # nbgrader's own request, for the course she chose


def test_refresh_needs_nbgrader_list_as_it_is(tmp_path):
    assert zh.patch_refresh("class P{load_list(){}}") is None  # a chunk without the list is left alone
    with pytest.raises(zh.RefreshAnchorMissing):  # part of it (a newer nbgrader): stop, do not ship a dead panel
        zh.patch_refresh(_LIST.replace("handle_load_list(e){e.success", "handle_load_list(e){e&&e.success"))
    source = tmp_path / "nbgrader"
    shutil.copytree(zh.nbgrader_extension(), source, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    for chunk in (source / "static").glob("*.js"):
        chunk.write_text(chunk.read_text().replace("async load_list(", "async loadList("))
    with pytest.raises(zh.RefreshAnchorMissing, match="in 0 chunks"):
        zh.build(tmp_path / "out", source)
    assert not (tmp_path / "out" / zh.PACKAGE).exists()
    assert [p.name for p in (tmp_path / "out").iterdir()] == []  # no staging left behind
