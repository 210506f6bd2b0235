"""Static charts for the PDF reports: matplotlib (Agg, no pyplot state) → an SVG string to put inline in a print
template (`{{ chart|safe }}`). Text stays text (svg.fonttype "none") in Noto Sans CJK SC, so the PDF's Chinese is
searchable and copyable, and WeasyPrint draws it with the same font as the page.

Every function takes keyword-only data and an optional title and unit, and returns "" when there is nothing to
draw (the template then shows its own "no data" line).
"""

import io
import itertools
import re

from matplotlib.figure import Figure

FONT = "Noto Sans CJK SC"
PALETTE = ["#1f5fa8", "#e07b00", "#2e9d5b", "#b3261e", "#7b4fb0", "#00838f", "#8d6e63", "#c2185b", "#546e7a"]
STYLE = {"svg.fonttype": "none", "font.family": [FONT], "font.size": 9, "axes.titlesize": 10,
         "axes.spines.top": False, "axes.spines.right": False, "svg.hashsalt": "parkgov",
         "axes.unicode_minus": False}
_XML_HEAD = re.compile(r"^.*?(?=<svg)", re.S)
_COUNTER = itertools.count(1)


def bar_chart(*, labels: list, series: dict, title: str = "", unit: str = "", horizontal: bool = False,
              stacked: bool = False, width: float = 16, height: float = 7) -> str:
    """Grouped (or stacked) bars: one bar per label and series; `series` maps a name to values in label order."""
    if not labels or not series:
        return ""
    figure, axes = _figure(width, height)
    count = len(series)
    step = 0.8 if stacked else 0.8 / count
    bottoms = [0.0] * len(labels)
    for index, (name, values) in enumerate(series.items()):
        values = [float(v or 0) for v in values]
        if stacked:
            positions = list(range(len(labels)))
        else:
            positions = [i - 0.4 + step * (index + 0.5) for i in range(len(labels))]
        draw = axes.barh if horizontal else axes.bar
        extra = {"left" if horizontal else "bottom": bottoms} if stacked else {}
        draw(positions, values, step * 0.92, label=str(name), color=PALETTE[index % len(PALETTE)], **extra)
        if stacked:
            bottoms = [b + v for b, v in zip(bottoms, values)]
    if horizontal:
        axes.set_yticks(range(len(labels)), [str(label) for label in labels])
        axes.invert_yaxis()
        axes.set_xlabel(unit)
    else:
        axes.set_xticks(range(len(labels)), [str(label) for label in labels],
                        rotation=30 if len(labels) > 6 else 0, ha="right" if len(labels) > 6 else "center")
        axes.set_ylabel(unit)
    return _finish(figure, axes, title, legend=count > 1)


def line_chart(*, labels: list, series: dict, title: str = "", unit: str = "", width: float = 16,
               height: float = 7) -> str:
    """Lines over `labels` (years, months); a None value leaves a gap in its line."""
    if not labels or not series:
        return ""
    figure, axes = _figure(width, height)
    positions = list(range(len(labels)))
    for index, (name, values) in enumerate(series.items()):
        values = [float("nan") if v is None else float(v) for v in values]
        axes.plot(positions, values, marker="o", markersize=3.5, linewidth=1.6, label=str(name),
                  color=PALETTE[index % len(PALETTE)])
    axes.set_xticks(positions, [str(label) for label in labels])
    axes.set_ylabel(unit)
    axes.grid(axis="y", linewidth=0.4, alpha=0.6)
    return _finish(figure, axes, title, legend=len(series) > 1)


def pie_chart(*, labels: list, values: list, title: str = "", width: float = 9, height: float = 7) -> str:
    """A ring of shares with the count and percentage in the legend; zero slices are left out."""
    pairs = [(str(label), float(value)) for label, value in zip(labels, values) if value]
    if not pairs:
        return ""
    total = sum(value for _, value in pairs)
    figure, axes = _figure(width, height)
    wedges, _ = axes.pie([v for _, v in pairs], colors=[PALETTE[i % len(PALETTE)] for i in range(len(pairs))],
                         startangle=90, counterclock=False, wedgeprops={"width": 0.45, "edgecolor": "white"})
    axes.set_aspect("equal")
    axes.legend(wedges, [f"{label}  {value:g}（{value / total:.0%}）" for label, value in pairs],
                loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False, fontsize=8)
    return _finish(figure, axes, title, legend=False)


def _figure(width_cm, height_cm):
    with _style():
        figure = Figure(figsize=(width_cm / 2.54, height_cm / 2.54), dpi=96)
        axes = figure.add_subplot()
    return figure, axes


def _style():
    from matplotlib import rc_context

    return rc_context(STYLE)


def _finish(figure, axes, title, *, legend) -> str:
    with _style():
        if title:
            axes.set_title(title, loc="left")
        if legend:
            axes.legend(frameon=False, fontsize=8)
        for text in figure.findobj(match=lambda artist: hasattr(artist, "set_fontfamily")):
            text.set_fontfamily([FONT])
        figure.tight_layout()
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return _unique_ids(_XML_HEAD.sub("", buffer.getvalue(), count=1))


def _unique_ids(svg: str) -> str:
    # matplotlib numbers its ids per figure (text_1, patch_2 …): two charts on one page would share them.
    prefix = f"c{next(_COUNTER)}-"
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}{m[1]}"', svg)
    return re.sub(r'(url\(#|href="#)([^)"]+)', lambda m: f"{m[1]}{prefix}{m[2]}", svg)
