"""The profile's charts (Bokeh): ability ± 1.96 SE per topic coloured by mastery, and ability over the profile's
versions. Each comes with a text alternative (an HTML table) for screen readers and print; tooltips carry only
our numbers and topic names, never a profile's text."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import cycle
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bokeh.models import ColumnDataSource, FactorRange, HoverTool, Range1d
from bokeh.palettes import Colorblind8
from bokeh.plotting import figure

from ai4d_core.domain.mastery import NOT_ENOUGH_EVIDENCE
from ai4d_core.domain.profile import TopicMastery
from ai4d_core.services.profile_view import AbilityPoint
from dashboards.profile_html import MASTERY_WORDS, esc, local_time, mastery_shown, table, topic_label

Z95 = 1.96  # the half-width of a 95% interval, in standard errors
SCALE = (-4.0, 4.0)  # the ability scale (`domain.irt`)
# Okabe-Ito colours (told apart with the common colour-vision deficiencies); the label is in the tooltip and table.
MASTERY_COLOURS = {
    "novice": "#D55E00",
    "developing": "#E69F00",
    "proficient": "#0072B2",
    "mastered": "#009E73",
    NOT_ENOUGH_EVIDENCE: "#6E6E6E",
}
DASHES = ("solid", "dashed", "dotted", "dotdash")


def ability_chart(topics: Sequence[TopicMastery]) -> Any:
    """Each topic's ability with its 95% interval (± 1.96 SE, cut at the scale's ends), coloured by mastery."""
    names = [topic_label(t.topic) for t in topics]
    shown = [mastery_shown(t.mastery, t.se) for t in topics]
    data = {
        "topic": names,
        "ability": [t.ability for t in topics],
        "se": [t.se for t in topics],
        "low": [max(SCALE[0], t.ability - Z95 * t.se) for t in topics],
        "high": [min(SCALE[1], t.ability + Z95 * t.se) for t in topics],
        "mastery": [MASTERY_WORDS[m] for m in shown],
        "colour": [MASTERY_COLOURS[m] for m in shown],
        "answers": [f"{t.n_correct} of {t.n_responses} fully right" for t in topics],
    }
    source = ColumnDataSource(data)
    chart = figure(
        y_range=FactorRange(factors=list(reversed(names))), x_range=Range1d(start=SCALE[0], end=SCALE[1]),
        height=130 + 36 * len(topics), title="Ability per topic with its 95% range", toolbar_location=None,
        sizing_mode="stretch_width",
    )  # fmt: skip
    chart.hbar(y="topic", left="low", right="high", height=0.25, source=source, color="colour", alpha=0.35)
    dots = chart.scatter(x="ability", y="topic", size=12, source=source, color="colour", legend_field="mastery")
    chart.add_tools(HoverTool(renderers=[dots], tooltips=[
        ("topic", "@topic"), ("mastery", "@mastery"), ("ability", "@ability{+0.00}"), ("standard error", "@se{0.00}"),
        ("95% range", "@low{+0.00} to @high{+0.00}"), ("answers", "@answers"),
    ]))  # fmt: skip
    chart.xaxis.axis_label = "ability (0 is an average learner)"
    _legend_below(chart)
    return chart


def _legend_below(chart: Any) -> None:
    """The legend under the plot, in a row: it never covers a point."""
    legend = chart.legend[0]
    legend.orientation = "horizontal"
    chart.add_layout(legend, "below")


def _local_naive(point: AbilityPoint, zone: str) -> Any:
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo("UTC")
    return point.at.astimezone(tz).replace(tzinfo=None)  # Bokeh draws datetimes as given (no zone)


def history_chart(points: Sequence[AbilityPoint], zone: str) -> Any:
    """One line per topic: its ability in each profile version, at the version's local time."""
    chart = figure(
        x_axis_type="datetime", y_range=Range1d(start=SCALE[0], end=SCALE[1]), height=380, title="Ability over time",
        toolbar_location=None, sizing_mode="stretch_width",
    )  # fmt: skip
    styles = cycle([(colour, dash) for dash in DASHES for colour in Colorblind8])
    renderers: list[Any] = []
    for topic in dict.fromkeys(p.topic for p in points):
        mine = [p for p in points if p.topic == topic]
        colour, dash = next(styles)
        source = ColumnDataSource({
            "at": [_local_naive(p, zone) for p in mine], "ability": [p.ability for p in mine],
            "se": [p.se for p in mine], "version": [p.version for p in mine],
            "topic": [topic_label(topic)] * len(mine),
        })  # fmt: skip
        label = topic_label(topic)
        chart.line(x="at", y="ability", source=source, color=colour, line_dash=dash, line_width=2, legend_label=label)
        renderers.append(chart.scatter(x="at", y="ability", source=source, color=colour, size=7))
    chart.add_tools(HoverTool(renderers=renderers, formatters={"@at": "datetime"}, tooltips=[
        ("topic", "@topic"), ("version", "@version"), ("when", "@at{%d %b %Y %H:%M}"), ("ability", "@ability{+0.00}"),
        ("standard error", "@se{0.00}"),
    ]))  # fmt: skip
    chart.yaxis.axis_label = "ability"
    chart.legend.click_policy = "hide"
    chart.add_layout(chart.legend[0], "right")  # up to twelve topics: beside the plot, never over a line
    return chart


def history_html(points: Sequence[AbilityPoint], zone: str) -> str:
    """The chart's text alternative: each topic's ability version by version."""
    rows = []
    for topic in dict.fromkeys(p.topic for p in points):
        steps = [
            f"{p.ability:+.2f} (version {p.version}, {local_time(p.at, zone)})" for p in points if p.topic == topic
        ]
        rows.append([esc(topic_label(topic)), esc(" → ".join(steps))])
    return table("Ability per topic in each profile version", ["Topic", "Ability, oldest first"], rows)


__all__ = ["MASTERY_COLOURS", "Z95", "ability_chart", "history_chart", "history_html"]
