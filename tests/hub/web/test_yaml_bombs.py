"""Uploaded YAML cannot stall the platform: anchors and aliases (a "billion laughs" of a few hundred bytes), files
of too many nodes and nesting built to exhaust the parser are refused with a zh/en problem before anything is
built, and an upload is parsed off the web loop, so the service answers others while it works.

Loader tests run on plain text; the upload tests drive the real service as an organizer's browser does."""
from __future__ import annotations

import io
import threading
import time
from urllib.parse import urlencode

import pytest

from competitions import SpecError, load_competition
from competitions.nominations import load_round
from competitions.surveys.spec import load_survey
from competitions.yamlspec import MAX_NODES
from tests.conftest import xsrf


def bomb(levels: int, head: str) -> str:
    """The billion laughs: each level nine aliases of the one before; ``levels`` levels hold 9**levels strings."""
    lines = [head, 'l0: &l0 ["哈哈", "哈哈", "哈哈", "哈哈", "哈哈", "哈哈", "哈哈", "哈哈", "哈哈"]']
    for i in range(1, levels + 1):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


COMPETITION_HEAD = "slug: laughs-cup\ntitle: 笑声杯"
SURVEY_HEAD = "slug: laughs-survey\ntitle: 笑声问卷"
ROUND_HEAD = "slug: laughs-round\ntitle: 笑声评选\naward: may_day_women"


def refusal(load, text: str) -> str:
    with pytest.raises(SpecError) as exc:
        load(text)
    return str(exc.value)


@pytest.mark.parametrize("load, head", [(load_competition, COMPETITION_HEAD), (load_survey, SURVEY_HEAD),
                                        (load_round, ROUND_HEAD)], ids=["competition", "survey", "round"])
def test_every_spec_loader_refuses_anchors_and_aliases(load, head):
    text = bomb(6, head)  # 531,441 strings from 700 bytes
    assert len(text.encode()) < 1000
    said = refusal(load, text)
    assert "锚点和别名" in said and "anchors and aliases" in said
    # a single harmless anchor is refused too: the loader takes plain YAML only, the message says what to do
    said = refusal(load, head + "\nphases: &p []\nmore: *p\n")
    assert "请把内容直接写出来" in said and "write the content out in full" in said


def test_a_merge_key_is_an_alias_too():
    said = refusal(load_competition, COMPETITION_HEAD + "\nbase: &b {per_day: 2}\nlimits:\n  <<: *b\n")
    assert "anchors and aliases" in said


def test_nesting_built_to_exhaust_the_parser_is_refused_with_a_problem():
    # 5,000 levels raised RecursionError (a 500, not a problem a person reads)
    said = refusal(load_competition, COMPETITION_HEAD + "\nnotes: " + "[" * 5000 + "]" * 5000 + "\n")
    assert "嵌套层次太深" in said and "nested too deeply" in said


def test_too_many_nodes_is_refused_before_building_them():
    text = COMPETITION_HEAD + "\nnotes: [" + ",".join(["0"] * (MAX_NODES + 10)) + "]\n"
    said = refusal(load_competition, text)
    assert "条目太多" in said and "too many entries" in said


def organizer(hub):
    s = hub.session("organizer")
    assert s.get(f"{hub.url}/services/jinguo/").status_code == 200
    return s


def test_uploaded_bombs_are_refused_with_the_message(hub):
    s = organizer(hub)
    token = xsrf(s, "/services/jinguo/")
    base = f"{hub.url}/services/jinguo"
    r = s.post(f"{base}/competitions-new", data={"spec": bomb(9, COMPETITION_HEAD), "action": "check",
                                                 "_xsrf": token})
    assert r.status_code == 400 and "锚点和别名" in r.text and "anchors and aliases" in r.text
    r = s.post(f"{base}/surveys/", data={"spec_yaml": bomb(9, SURVEY_HEAD), "_xsrf": token})
    assert r.status_code == 400 and "锚点和别名" in r.text
    r = s.post(f"{base}/nominations/", data={"_xsrf": token},
               files={"spec_file": ("round.yaml", bomb(9, ROUND_HEAD).encode(), "application/x-yaml")})
    assert r.status_code == 400 and "锚点和别名" in r.text
    assert s.get(f"{base}/api/me").status_code == 200  # and the service is still there


def test_the_service_answers_others_while_it_parses_an_upload(hub):
    """A large spec (just under the node cap, legal YAML) takes seconds of pure-Python parsing. While it is parsed,
    another request is answered: the parse runs off the web loop. On the loop, that request waited for the parse."""
    s = organizer(hub)
    big = COMPETITION_HEAD + "\nnotes:\n" + "".join(f"  - {i}\n" for i in range(MAX_NODES - 5000))
    body = urlencode({"spec": big, "action": "check", "_xsrf": xsrf(s, "/services/jinguo/")}).encode()
    sent, answer = threading.Event(), {}

    class Upload(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            chunk = super().read(size)
            if self.tell() >= len(body):
                sent.set()  # the whole upload is on its way
            return chunk

    def upload():
        answer["response"] = s.post(f"{hub.url}/services/jinguo/competitions-new", data=Upload(body),
                                    headers={"Content-Type": "application/x-www-form-urlencoded"})

    other = hub.session("worker25")
    assert other.get(f"{hub.url}/services/jinguo/api/me").status_code == 200  # logged in, her identity cached
    worker = threading.Thread(target=upload)
    worker.start()
    assert sent.wait(60)
    time.sleep(0.2)  # let the upload arrive and its parse begin (a margin, never a measured time)
    r = other.get(f"{hub.url}/services/jinguo/api/me")
    answered_during_parse = worker.is_alive()
    worker.join(120)
    assert r.status_code == 200 and r.json()["name"] == "worker25"
    assert answer["response"].status_code == 400 and "notes" in answer["response"].text  # an unknown field
    assert answered_during_parse, "the other request was answered only after the upload's parse finished"
