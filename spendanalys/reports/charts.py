"""The document's charts as PNG images, drawn offline with matplotlib (no browser, no network).

matplotlib's Agg backend renders in-process, which is why it is the renderer here rather than
plotly + kaleido (kaleido drives a Chromium of its own per export). Tick labels use the
language's number format (``1 234,5`` in Swedish). :func:`available` says whether charts can be
drawn; without matplotlib the document says so in place of each chart.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from spendanalys.i18n import format_number

WIDTH_IN, HEIGHT_IN, DPI = 6.3, 3.4, 150


def available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _figure() -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib import pyplot as plt

    fig, ax = plt.subplots(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def _png(fig: Any) -> bytes:
    from matplotlib import pyplot as plt

    buffer = io.BytesIO()
    fig.tight_layout()
    # A fixed creation date (none) so the same figures give the same bytes.
    fig.savefig(buffer, format="png", metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


def _ticks(axis: Any, lang: str, decimals: int = 0) -> None:
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda v, _pos: format_number(v, lang, decimals)))


def bars(labels: Sequence[str], values: Sequence[float], title: str, unit: str, lang: str) -> bytes:
    """Horizontal bars, the largest on top (labels cut at 45 characters)."""
    fig, ax = _figure()
    shown = [label if len(label) <= 45 else label[:44] + "…" for label in labels]
    ax.barh(range(len(values)), list(values), color="#2f6f4f")
    ax.set_yticks(range(len(values)), shown, fontsize=7)
    ax.invert_yaxis()
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(unit, fontsize=8)
    _ticks(ax.xaxis, lang)
    ax.tick_params(axis="x", labelsize=7)
    return _png(fig)


def lines(
    years: Sequence[int],
    series: Mapping[str, Sequence[float | None]],
    title: str,
    unit: str,
    lang: str,
) -> bytes:
    """One line per series over the years (a missing value leaves a gap)."""
    fig, ax = _figure()
    styles = ["-o", "--", ":"]
    for i, (name, values) in enumerate(series.items()):
        y = [float("nan") if v is None else float(v) for v in values]
        ax.plot(list(years), y, styles[i % len(styles)], label=name, linewidth=1.6, markersize=4)
    ax.set_title(title, fontsize=10)
    ax.set_ylabel(unit, fontsize=8)
    ax.set_xticks(list(years), [str(y) for y in years], fontsize=7)
    _ticks(ax.yaxis, lang)
    ax.tick_params(axis="y", labelsize=7)
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=7, frameon=False)
    return _png(fig)


def stacked(
    years: Sequence[int], parts: Mapping[str, Sequence[float]], title: str, unit: str, lang: str
) -> bytes:
    """Stacked columns per year (e.g. tonnes per mode)."""
    fig, ax = _figure()
    bottom = [0.0] * len(years)
    for name, values in parts.items():
        v = [float(x or 0) for x in values]
        ax.bar([str(y) for y in years], v, bottom=bottom, label=name)
        bottom = [b + x for b, x in zip(bottom, v, strict=True)]
    ax.set_title(title, fontsize=10)
    ax.set_ylabel(unit, fontsize=8)
    _ticks(ax.yaxis, lang)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=7, frameon=False, ncol=3)
    return _png(fig)
