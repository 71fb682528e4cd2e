"""Full-width punctuation typed on a Chinese keyboard gets a friendly warning in her real kernel (issue 19)."""
from __future__ import annotations

from pathlib import Path

from jupyter_client.manager import KernelManager
from traitlets.config import Config

from hub.jupyterhub.singleuser.fullwidth import advice

COMMON = Path(__file__).resolve().parents[3] / "hub" / "jupyterhub" / "singleuser" / "common"


def her_server_config() -> Config:
    """The common jupyter_server_config.py, as her server reads it."""
    c = Config()
    exec((COMMON / "jupyter_server_config.py").read_text(), {"get_config": lambda: c})
    return c


def test_advice_names_the_line_and_the_characters_and_leaves_good_code_alone():
    assert "第 2 行" in advice('a = 1\n答案 = “B”') and "“ → \"" in advice('答案 = “B”')
    assert "（ → (" in advice('print（"你好"）')
    assert advice('x = "你好，世界（全角在引号里没问题）"') == "" and advice("y = 1") == ""
    assert advice("def f(:\n  pass") == ""  # an error that has nothing to do with full-width punctuation


def test_her_kernel_warns_in_chinese_before_pythons_own_error():
    from jupyter_server.utils import import_item

    specs = import_item(her_server_config().ServerApp.kernel_spec_manager_class)()
    km = KernelManager(kernel_name="python3", kernel_spec_manager=specs)
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        out: list[str] = []

        def keep(msg):
            c = msg["content"]
            out.append(c.get("text", "") or "\n".join(c.get("traceback", [])))

        reply = kc.execute_interactive('答案_产假天数 = “B”', output_hook=keep, timeout=60)
        assert reply["content"]["status"] == "error"
        text = "".join(out)
        assert "全角符号" in text and "英文输入法" in text and "“ → \"" in text, text
        out.clear()
        reply = kc.execute_interactive('答案_产假天数 = "B"', output_hook=keep, timeout=60)
        assert reply["content"]["status"] == "ok" and "全角" not in "".join(out)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
