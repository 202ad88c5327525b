"""Charts as SVG drawn on the server with pygal, so they need no JavaScript and print.

Each chart is served as its own SVG document and shown with <img>: pygal puts a <style>
element in the SVG, which the site's Content-Security-Policy (no inline styles) would refuse
inside the page, while an image's own document runs no script and touches nothing else. The
image's alternative text sends screen-reader users to the table beside it, which holds the
same figures.
"""

from __future__ import annotations

from functools import lru_cache

from portal.analytics.figures import Figures

# Colors that stay apart for the common color vision deficiencies (Okabe and Ito), each
# with at least 3:1 contrast against white.
_STYLE = {
    "background": "white",
    "plot_background": "white",
    "foreground": "#1b1b1b",
    "foreground_strong": "#1b1b1b",
    "foreground_subtle": "#565c65",
    "font_family": "'Source Sans Pro', 'Helvetica Neue', Helvetica, Roboto, Arial, sans-serif",
    "label_font_size": 13,
    "major_label_font_size": 13,
    "legend_font_size": 14,
    "value_font_size": 12,
    "no_data_font_size": 20,
    "colors": ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#8a6d00", "#56b4e9", "#1b1b1b"),
    "opacity": "1",
    "opacity_hover": "1",
}

# The same colours, in order, for the dashboard's map and its legend (analytics.css).
PALETTE = _STYLE["colors"]

_SVG = "{http://www.w3.org/2000/svg}"
_CHART_TYPES = ("Bar", "StackedBar", "HorizontalBar")


@lru_cache(maxsize=1)
def _style():
    # pygal is imported by the one view that draws, not by every worker at start-up.
    from pygal.style import Style

    return Style(**_STYLE)


def chart_svg(figures: Figures, *, no_data_text: str) -> str:
    """`figures` drawn as a standalone SVG document (no script, no XML declaration)."""
    import pygal
    from pygal.etree import etree

    if figures.kind not in _CHART_TYPES:
        raise ValueError(f"No chart of kind {figures.kind!r}; use one of {_CHART_TYPES}.")
    chart = getattr(pygal, figures.kind)(
        style=_style(),
        js=[],
        disable_xml_declaration=True,
        width=800,
        height=400,
        legend_at_bottom=True,
        legend_at_bottom_columns=3,
        show_legend=len(figures.series) > 1,
        # Many labels (weeks, days) slant to fit; a few (age bands) stay level.
        x_label_rotation=45 if figures.kind != "HorizontalBar" and len(figures.x_labels) > 6 else 0,
        show_minor_x_labels=len(figures.x_labels) <= 16,
        truncate_label=40,
        truncate_legend=40,
        print_values=False,
        no_data_text=no_data_text,
        tooltip_border_radius=0,
    )
    chart.x_labels = figures.x_labels
    if figures.x_labels and len(figures.x_labels) > 16:
        step = max(1, len(figures.x_labels) // 8)
        chart.x_labels_major = figures.x_labels[::step]
    for name, values in figures.series:
        chart.add(name, values)
    tree = chart.render_tree()
    # pygal always writes its tooltips' configuration as a <script>, even with no script to
    # read it: dropped, so the image carries no script at all.
    for parent in list(tree.iter()):
        for child in [child for child in parent if child.tag in ("script", _SVG + "script")]:
            parent.remove(child)
    return etree.tostring(tree, encoding="unicode")
