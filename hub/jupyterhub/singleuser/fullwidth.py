"""A friendly word for full-width punctuation typed on a Chinese keyboard (issue 19), loaded in every worker's
kernel (ipython_kernel_config.py beside this file's common/ folder).

`x = “B”` or `print（"你好"）` fails with Python's "invalid character '“' (U+201C)", which a woman who never coded
cannot read. Before the cell runs, this checks whether it would fail to compile on such a character and, if so,
prints in Chinese (and English) which line and which character to retype with the English input method. The cell
still runs as typed, so the real error follows: nothing is changed behind her back."""
from __future__ import annotations

import ast

# full-width character → the half-width one Python wants
FULL_WIDTH = {"“": '"', "”": '"', "‘": "'", "’": "'", "（": "(", "）": ")", "，": ",", "：": ":", "；": ";",
              "＝": "=", "【": "[", "】": "]", "［": "[", "］": "]", "｛": "{", "｝": "}", "＋": "+", "－": "-",
              "＊": "*", "／": "/", "＜": "<", "＞": ">", "！": "!", "＃": "#", "。": "."}


def advice(code: str) -> str:
    """The warning for a cell that does not compile because of full-width punctuation, or ""."""
    try:
        ast.parse(code)
        return ""
    except SyntaxError as exc:
        lineno = exc.lineno or 0
    lines = code.splitlines()
    line = lines[lineno - 1] if 0 < lineno <= len(lines) else ""
    found = [ch for ch in dict.fromkeys(line) if ch in FULL_WIDTH]
    if not found:
        return ""
    pairs = "、".join(f"{ch} → {FULL_WIDTH[ch]}" for ch in found)
    return (f"⚠ 第 {lineno} 行有中文输入法打出的全角符号：{pairs}。请切换到英文输入法，重新输入这些符号"
            f"（中文文字可以留在引号里面）。\n"
            f"⚠ Line {lineno} holds full-width punctuation typed on a Chinese keyboard ({', '.join(found)}); "
            f"retype it with the English input method.")


def _warn(lines: list[str]) -> list[str]:
    text = advice("".join(lines))
    if text:
        print(text)
    return lines


def load_ipython_extension(ip) -> None:
    if _warn not in ip.input_transformers_post:
        ip.input_transformers_post.append(_warn)


def unload_ipython_extension(ip) -> None:
    if _warn in ip.input_transformers_post:
        ip.input_transformers_post.remove(_warn)


def _kernel_specs():
    from jupyter_client.kernelspec import KernelSpecManager

    class KernelSpecs(KernelSpecManager):
        """Her server's kernel specs, with the warning above loaded in every Python kernel. (ipykernel reads no
        config from JUPYTER_CONFIG_PATH, so the server passes it on the kernel's command line.)"""

        def get_kernel_spec(self, kernel_name: str):
            spec = super().get_kernel_spec(kernel_name)
            if spec.language.lower() == "python" and KERNEL_ARG not in spec.argv:
                spec.argv = [*spec.argv, KERNEL_ARG]
            return spec

    return KernelSpecs


KERNEL_ARG = f"--InteractiveShellApp.extra_extensions={__name__}"
KernelSpecs = _kernel_specs()
