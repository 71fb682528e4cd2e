"""One chart style and one drawing lock for every chart the platform draws: the reports' PDF and page charts
(hub/reports/render.py), the instructor's progress charts (hub/courses/charts.py), the survey's chart
(hub/surveys/exports.py) and the certificate (hub/courses/certificates.py).

All of them draw on matplotlib Figure objects with a canvas of their own (Agg, PdfPages, SVG), never pyplot: no
GUI backend and no global figure state. What stays global is rcParams, which ``matplotlib.rc_context`` sets for
the whole process: two threads inside it at once restore each other's settings mid-drawing (the font falls back
and Chinese turns into boxes). The service draws in executor threads, so ``drawing()`` is the one way in: it checks
the Chinese font, holds the one lock and applies the one style.
"""
from __future__ import annotations

import io
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from hub.reports.tables import ReportError

CJK_FAMILY = "Noto Sans CJK SC"
# Where Debian's fonts-noto-cjk puts it, for when matplotlib's font cache predates the package.
DEBIAN_CJK_FILES = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")
STYLE: dict[str, Any] = {
    "font.family": [CJK_FAMILY], "font.sans-serif": [CJK_FAMILY],
    "axes.unicode_minus": False,  # the CJK font has no U+2212 minus sign
    "pdf.fonttype": 42,  # the font embedded (TrueType): a PDF prints the same where the font is not installed
    "svg.fonttype": "path",  # glyphs as paths: a browser without a Chinese font still shows the labels
}
# Re-entrant: a drawing may call a helper that draws (e.g. the PDF's pages and their charts).
DRAW_LOCK = threading.RLock()


def cjk_font_path() -> str:
    """The file of Noto Sans CJK SC, found through matplotlib's font manager; ReportError if it is missing."""
    from matplotlib import font_manager

    props = font_manager.FontProperties(family=CJK_FAMILY)
    try:
        return font_manager.findfont(props, fallback_to_default=False)
    except ValueError:
        for file in DEBIAN_CJK_FILES:
            if Path(file).exists():
                font_manager.fontManager.addfont(file)
    try:
        return font_manager.findfont(props, fallback_to_default=False, rebuild_if_missing=False)
    except ValueError:
        raise ReportError(400, "report_refused", f"找不到中文字体 {CJK_FAMILY}：请安装 Debian 软件包 fonts-noto-cjk",
                          f"font {CJK_FAMILY} not found: install the Debian package fonts-noto-cjk") from None


@contextmanager
def drawing() -> Iterator[None]:
    """Inside: the Chinese font is there (ReportError, zh/en, rather than a chart of boxes), this thread alone draws,
    in the platform's style."""
    import matplotlib

    cjk_font_path()
    with DRAW_LOCK, matplotlib.rc_context(STYLE):
        yield


def agg_figure(**kwargs: Any):
    """A Figure on its own Agg canvas (for PNG); call inside ``drawing()``."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(**kwargs)
    FigureCanvasAgg(fig)
    return fig


def saved(fig: Any, format: str) -> bytes:
    """The figure as PNG or SVG bytes; call inside ``drawing()``."""
    out = io.BytesIO()
    fig.savefig(out, format=format)
    return out.getvalue()
