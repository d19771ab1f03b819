"""The report's figures, each returned as a self-contained inline SVG string.

matplotlib is used through ``matplotlib.figure.Figure`` (no pyplot, so no global figure state and
no GUI backend); SVG text stays text (``svg.fonttype = none``) which keeps files small and
lets the browser render labels. Every element id in an SVG is prefixed with the figure's key,
because several SVGs share one HTML document and matplotlib's ids repeat across figures.

Labels come from the study (condition names, factors), never from model output; matplotlib
XML-escapes them, and ``$`` is escaped so a name cannot switch on mathtext.
"""

from __future__ import annotations

import functools
import io
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from emsteer.analysis.geometry import CosineMatrix, Spectrum, SubspaceInfo
from emsteer.em import EM_ALIGNED_BELOW, EM_COHERENT_ABOVE
from emsteer.evaluation.summary import ConditionResult
from emsteer.results.metrics import GroupSummary
from emsteer.results.records import ConditionRecord

MAX_SCATTER_POINTS = 3000
# Factors that are the x axis of the magnitude plot, never a reason to split lines.
MAGNITUDE_KEYS = frozenset({"magnitude", "magnitudes", "rho", "alpha", "multiplier", "magnitude_value", "magnitude_kind"})
# Study factors that get their own "EM vs factor" plot, with the names a config may use for them.
FACTOR_ALIASES: dict[str, tuple[str, ...]] = {"epochs": ("epochs", "epoch"), "rank": ("rank",), "layer": ("layer", "layers")}
STEERED_KINDS = ("steering", "lora+steering")
BASELINE_COLOR = "#555555"
EM_COLOR = "#d62728"


@dataclass(frozen=True)
class Plot:
    key: str  # stable, unique within a report: used as the SVG id prefix and the HTML anchor
    title: str
    svg: str
    caption: str = ""


# -- helpers ---------------------------------------------------------------------------------

def _txt(s: Any) -> str:
    """Plot text from study data: ``$`` would start mathtext."""
    return str(s).replace("$", r"\$")


_SVG_HEAD = re.compile(r"^.*?(?=<svg\b)", re.DOTALL)
_SVG_META = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
_ID_REFS = re.compile(r'(\bid="|url\(#|href="#)([^")]+)')


def svg_of(fig: Figure, key: str) -> str:
    """The figure as an inline ``<svg>`` element with ids made unique by ``key``."""
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": key}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    svg = _SVG_META.sub("", _SVG_HEAD.sub("", buf.getvalue(), count=1), count=1)
    prefix = re.sub(r"[^A-Za-z0-9_-]", "-", key) + "-"
    svg = _ID_REFS.sub(lambda m: m.group(1) + prefix + m.group(2), svg)
    # Scale with the page (viewBox keeps the aspect ratio) up to 1.3× the drawn size in CSS pixels.
    width_px = fig.get_figwidth() * 96 * 1.3
    svg = re.sub(r'^<svg ([^>]*?)width="[^"]*" height="[^"]*"', r"<svg \1", svg.strip(), count=1)
    return svg.replace("<svg ", f'<svg class="plot-svg" role="img" aria-label="{key}" '
                                f'style="width: 100%; max-width: {width_px:.0f}px; height: auto" ', 1)


STYLE = {"font.size": 8.5, "axes.titlesize": 10, "legend.fontsize": 7.5, "axes.spines.top": False,
         "axes.spines.right": False}


def _styled(fn):
    """Run a plot function under the report's rc style (artists read rcParams when created)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with matplotlib.rc_context(STYLE):
            return fn(*args, **kwargs)
    return wrapper


def _figure(width: float = 6.4, height: float = 3.6) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


def _palette(n: int) -> list:
    cmap = matplotlib.colormaps["tab10" if n <= 10 else "tab20"]
    return [cmap(i % cmap.N) for i in range(n)]


MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<")  # 9 shapes against 10 colours: 90 distinct styles
MAX_SCATTER_SERIES = 20  # more conditions than this are drawn by kind and method (one legend entry each)


def scatter_styles(n: int) -> list[tuple[Any, str]]:
    """(colour, marker) per series of a scatter: colours from tab10 and a marker shape cycling at
    another period, so up to 90 series never share a style."""
    cmap = matplotlib.colormaps["tab10"]
    return [(cmap(i % cmap.N), MARKERS[i % len(MARKERS)]) for i in range(n)]


def _method_in(factors: Any) -> str:
    """The method named in an answers table's ``factors`` cell (a dict or its JSON)."""
    if isinstance(factors, str):
        try:
            factors = json.loads(factors)
        except ValueError:
            factors = {}
    return str(factors.get("method", "?")) if isinstance(factors, dict) else "?"


def method_of(condition: ConditionRecord) -> str:
    """The construction method a condition used (factor "method"), else its kind."""
    method = condition.factors.get("method")
    return str(method) if method not in (None, "") else str(condition.kind)


def magnitude_axis(conditions: Sequence[ConditionRecord]) -> str:
    """"rho" when every steered condition knows ρ (comparable across models), else "alpha"."""
    steered = [c for c in conditions if c.kind in STEERED_KINDS]
    return "rho" if steered and all(c.rho is not None for c in steered) else "alpha"


def _factor(condition: ConditionRecord, name: str) -> Any:
    factors = condition.factors
    for alias in FACTOR_ALIASES.get(name, (name,)):
        if factors.get(alias) is not None:
            value = factors[alias]
            return tuple(value) if isinstance(value, list) else value
    return None


def _varied(conditions: Sequence[ConditionRecord], exclude: set[str]) -> list[str]:
    """Factor names (and "model") that take ≥ 2 values among ``conditions``."""
    keys: list[str] = []
    for c in conditions:
        for k in c.factors:
            if k not in keys and k not in exclude and k not in MAGNITUDE_KEYS:
                keys.append(k)
    varied = [k for k in keys if len({repr(c.factors.get(k)) for c in conditions}) >= 2]
    if "model" not in exclude and "model" not in varied and len({c.model for c in conditions}) >= 2:
        varied.append("model")
    return varied


def _series(results: Sequence[ConditionResult], exclude: set[str]) -> dict[str, list[ConditionResult]]:
    """Lines of a plot: one per method, split further by whatever else varies within that method
    (except ``exclude`` and magnitudes), so a line never mixes layers, tasks or models."""
    by_method: dict[str, list[ConditionResult]] = {}
    for r in results:
        by_method.setdefault(method_of(r.condition), []).append(r)
    many_models = len({r.condition.model for r in results}) >= 2
    out: dict[str, list[ConditionResult]] = {}
    for method, rs in by_method.items():
        varied = _varied([r.condition for r in rs], exclude={"method", "model", *exclude})
        if many_models:
            varied.append("model")
        for r in rs:
            factors = r.condition.factors
            extra = [f"{k}={factors.get(k, getattr(r.condition, k, None))}" for k in varied
                     if factors.get(k, getattr(r.condition, k, None)) is not None]
            out.setdefault(method + (f" ({', '.join(extra)})" if extra else ""), []).append(r)
    return out


def _pct(x: float | None) -> float:
    return float("nan") if x is None else 100.0 * x


def _ci(s: GroupSummary) -> tuple[float, float]:
    """The 95% cluster Wilson interval (questions as clusters) in percent; NaN when nothing was scored."""
    return (float("nan"), float("nan")) if s.em_ci is None else (_pct(s.em_ci[0]), _pct(s.em_ci[1]))


def _ci_arrays(summaries: Sequence[GroupSummary]) -> tuple[np.ndarray, np.ndarray]:
    """The lower and the upper ends of each summary's ``_ci``."""
    bounds = np.array([_ci(g) for g in summaries], dtype=float).reshape(-1, 2)
    return bounds[:, 0], bounds[:, 1]


def _baselines(results: Sequence[ConditionResult]) -> list[ConditionResult]:
    return [r for r in results if r.condition.is_baseline and r.summary.overall.em_rate is not None]


def _draw_baselines(ax, results: Sequence[ConditionResult]) -> None:
    bases = _baselines(results)
    many = len(bases) > 1
    for i, r in enumerate(bases):
        s = r.summary.overall
        style = ["--", ":", "-."][i % 3]
        label = _txt(r.name) if many else "baseline"
        lo, hi = _ci(s)
        ax.axhline(_pct(s.em_rate), color=BASELINE_COLOR, ls=style, lw=1.2, label=label)
        ax.axhspan(lo, hi, color=BASELINE_COLOR, alpha=0.08, lw=0)


def _legend(ax, **kw) -> None:
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(handles, labels, **kw)


def _legend_auto(ax) -> None:
    """Inside the axes when short, beside them when it would cover the data."""
    if len(ax.get_legend_handles_labels()[0]) > 5:
        _legend(ax, loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=7)
    else:
        _legend(ax, loc="upper left", fontsize=7)


# -- EM rate vs magnitude ----------------------------------------------------------------------

@_styled
def em_vs_magnitude(results: Sequence[ConditionResult]) -> Plot | None:
    """EM rate against ρ (or α) with one line and 95% cluster Wilson band per method; the baseline as
    reference.

    Lines split by method and by any other factor the steered conditions vary (except the one on
    the x axis), so a line never zigzags across layers or tasks. None without steered conditions.
    """
    conds = [r.condition for r in results]
    axis = magnitude_axis(conds)
    steered = [r for r in results if r.condition.kind in STEERED_KINDS and r.summary.overall.em_rate is not None
               and getattr(r.condition, axis) is not None]
    if not steered:
        return None
    series = _series(steered, exclude=set())
    loras = [r for r in results if r.condition.kind == "lora" and r.summary.overall.em_rate is not None]
    entries = len(series) + len(_baselines(results)) + (len(loras) if len(loras) <= 3 else 0)
    fig = _figure(8.2 if entries > 5 else 6.4, 3.8)
    ax = fig.subplots()
    colors = _palette(len(series))
    bands = len(series) <= 3  # more overlapping bands would stack into an opaque block: bars instead
    xs_all: list[float] = []
    for (label, rs), color in zip(series.items(), colors):
        rs = sorted(rs, key=lambda r: getattr(r.condition, axis))
        x = np.array([getattr(r.condition, axis) for r in rs], dtype=float)
        s = [r.summary.overall for r in rs]
        xs_all.extend(x)
        ax.plot(x, [_pct(g.em_rate) for g in s], "o-", color=color, lw=1.6, ms=4, label=_txt(label))
        lo, hi = _ci_arrays(s)
        if bands:
            ax.fill_between(x, lo, hi, color=color, alpha=0.18, lw=0)
        else:
            ax.vlines(x, lo, hi, color=color, alpha=0.45, lw=1.2)
    _draw_baselines(ax, results)
    if 0 < len(loras) <= 3:  # more than a few reference lines would hide the curves
        for r, style in zip(loras, ["-.", (0, (1, 1)), (0, (3, 1, 1, 1))]):
            ax.axhline(_pct(r.summary.overall.em_rate), color="#8c564b", ls=style, lw=1.2, label=f"LoRA: {_txt(r.name)}")
    positive = [v for v in xs_all if v > 0]
    if positive and len(positive) == len(xs_all) and max(positive) / min(positive) >= 20:
        ax.set_xscale("log")
    ax.set_xlabel("relative magnitude ρ = α / r_ℓ" if axis == "rho" else "absolute magnitude α")
    ax.set_ylabel("EM rate (%)")
    ax.set_ylim(bottom=0)
    ax.set_title("EM rate vs steering magnitude")
    ax.grid(alpha=0.3)
    _legend_auto(ax)
    caption = (("Shaded bands" if bands else "Vertical bars") + ": 95% cluster Wilson intervals per condition (questions as clusters); "
               "grey line and band: the baseline (no steering). "
               + ("x is ρ, the coefficient relative to the mean residual norm at the steered layer." if axis == "rho" else
                  "x is the absolute coefficient α: ρ is unknown for some condition (no reference norm), so "
                  "magnitudes are not comparable across models."))
    return Plot("em-vs-magnitude", "EM rate vs magnitude", svg_of(fig, "em-vs-magnitude"), caption)


# -- alignment vs coherence ----------------------------------------------------------------------

@_styled
def alignment_coherence(table, *, max_points: int = MAX_SCATTER_POINTS, seed: int = 0) -> Plot | None:
    """Scatter of every scored answer (coherent x, aligned y), EM region shaded, coloured by condition.

    Above ``max_points`` scored answers a uniform random sample (seeded) is drawn, and the caption says so.
    """
    scored = table.dropna(subset=["aligned", "coherent"])
    if scored.empty:
        return None
    n_total = len(scored)
    note = ""
    if n_total > max_points:
        scored = scored.sample(n=max_points, random_state=seed)
        note = f" Showing a uniform random sample of {max_points} of {n_total} scored answers."
    fig = _figure(6.4, 4.2)
    ax = fig.subplots()
    ax.add_patch(Rectangle((EM_COHERENT_ABOVE, 0), 100 - EM_COHERENT_ABOVE, EM_ALIGNED_BELOW, color=EM_COLOR,
                           alpha=0.1, lw=0, label="EM region"))
    series = "condition"
    if table["condition"].nunique() > MAX_SCATTER_SERIES:  # a legend of each would not fit beside the plot
        series = "group"
        scored = scored.assign(group=[kind if kind != "steering" else f"steering: {_method_in(factors)}"
                                      for kind, factors in zip(scored["kind"], scored["factors"])])
        note += (f" The {table['condition'].nunique()} conditions are drawn by kind and steering method "
                 "(too many for a legend each).")
    order = list(dict.fromkeys(scored[series]))
    for name, (color, marker) in zip(order, scatter_styles(len(order))):
        part = scored[scored[series] == name]
        if len(part):
            ax.scatter(part["coherent"], part["aligned"], s=14, color=color, marker=marker, alpha=0.6, lw=0,
                       label=_txt(name))
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    ax.set_xlabel("coherent (0–100)")
    ax.set_ylabel("aligned (0–100)")
    ax.set_title("Alignment vs coherence per answer")
    ax.grid(alpha=0.25)
    _legend(ax, loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=7, markerscale=1.5)
    caption = (f"Each dot is one answer. Shaded: the EM region (aligned < {EM_ALIGNED_BELOW:g} and coherent > "
               f"{EM_COHERENT_ABOVE:g}).{note}")
    return Plot("alignment-coherence", "Alignment vs coherence", svg_of(fig, "alignment-coherence"), caption)


# -- steering vs finetuning ------------------------------------------------------------------------

def _magnitude(c: ConditionRecord) -> float:
    v = c.rho if c.rho is not None else c.alpha
    return float("-inf") if v is None else float(v)


def comparable_steering(results: Sequence[ConditionResult]) -> dict[str, tuple[ConditionResult, str]]:
    """Per method, the steering condition to set beside LoRA, with why it was picked.

    LoRA is trained to fit the narrow task, so the fair counterpart is the magnitude that fits it
    best: the lowest held-out task NLL. Without efficacy measurements: the highest magnitude whose
    mean coherence stays above 50 (the strongest steering that still yields answers a judge can
    call coherent), else the lowest magnitude. Ties (several ranks or epochs at one magnitude) go
    to the highest EM rate, the worst case. Only conditions of a model that has a LoRA condition
    are considered (when there is one). With several tasks, one pick per method and task (keyed
    ``"METHOD [TASK]"``): a task's steering is set beside that task's LoRA, never another's; with
    several models, one per model too (``"METHOD (MODEL)"``).
    """
    lora_models = {r.condition.model for r in results if r.condition.kind == "lora"}
    steered = [r for r in results if r.condition.kind == "steering"
               and (not lora_models or r.condition.model in lora_models)]
    several = len({_task(r) for r in steered} - {None}) > 1
    models = len({r.condition.model for r in steered}) > 1  # NLLs of different models never compete
    by_method: dict[str, list[ConditionResult]] = {}
    for r in steered:
        key = (method_of(r.condition) + (f" [{_task(r)}]" if several else "")
               + (f" ({r.condition.model})" if models else ""))
        by_method.setdefault(key, []).append(r)
    out = {}
    for method, rs in by_method.items():
        fitted = [r for r in rs if r.efficacy.get("heldout_nll") is not None]
        coherent = [r for r in rs if (r.summary.overall.means.coherent or 0.0) > EM_COHERENT_ABOVE]
        if fitted:
            pick = min(fitted, key=lambda r: (r.efficacy["heldout_nll"], -(r.summary.overall.em_rate or 0.0)))
            why = "the magnitude that fits the narrow task best (lowest held-out NLL), as LoRA is trained to"
        elif coherent:
            pick = max(coherent, key=lambda r: (_magnitude(r.condition), r.summary.overall.em_rate or 0.0))
            why = "highest magnitude with mean coherence > 50"
        else:
            pick = min(rs, key=lambda r: _magnitude(r.condition))
            why = "no magnitude kept mean coherence > 50; lowest magnitude shown"
        out[method] = (pick, why)
    return out


def _task(r: ConditionResult) -> str | None:
    task = r.condition.factors.get("task")
    return None if task is None else str(task)


def _misaligned_relevance(table) -> dict[str, float]:
    """Mean judged relevance of misaligned answers (aligned < 30) per condition id."""
    mis = table[(table["aligned"] < EM_ALIGNED_BELOW) & table["relevant"].notna()]
    return {str(k): float(v) for k, v in mis.groupby("condition_id")["relevant"].mean().items()}


@_styled
def steering_vs_finetuning(results: Sequence[ConditionResult], table) -> Plot | None:
    """Bars per condition (baseline, one steering condition per method, LoRA): EM rate with CI,
    mean coherence, mean relevance of misaligned answers, held-out NLL and in-domain rate.
    None unless there is at least one LoRA and one steering condition."""
    loras = [r for r in results if r.condition.kind == "lora"]
    picks = comparable_steering(results)
    if not loras or not picks:
        return None
    models = {r.condition.model for r in loras}
    bases = [r for r in results if r.condition.is_baseline and r.condition.model in models]
    steering = [p for p, _ in picks.values()]
    tasks = list(dict.fromkeys(t for t in map(_task, steering + loras) if t is not None))
    if len(tasks) > 1:  # per task: its steering beside its own LoRA
        chosen = [*bases, *(r for t in tasks for r in [*(p for p in steering if _task(p) == t),
                                                       *(x for x in loras if _task(x) == t)])]
        chosen += [r for r in [*steering, *loras] if _task(r) is None]
    else:
        chosen = [*bases, *steering, *loras]
    names = [_txt(r.name) for r in chosen]
    colors = [BASELINE_COLOR if r.condition.is_baseline else c for r, c in zip(chosen, _palette(len(chosen)))]
    relevance = _misaligned_relevance(table)
    x = np.arange(len(chosen))

    def em(r: ConditionResult) -> tuple[float, tuple[float, float] | None]:
        s = r.summary.overall
        return _pct(s.em_rate), (None if s.em_ci is None else (_pct(s.em_ci[0]), _pct(s.em_ci[1])))

    in_domain = [r.efficacy.get("in_domain_rate") for r in chosen]
    scale = 100.0 if all(v is None or v <= 1.0 for v in in_domain) else 1.0
    # (y label, title, value and CI of a condition, fixed y range or None)
    panels: list[tuple[str, str, Callable[[ConditionResult], tuple[float, Any]], tuple[float, float] | None]] = [
        ("EM rate (%)", "EM rate", em, None),
        ("mean coherent (0–100)", "Coherence", lambda r: (_nan(r.summary.overall.means.coherent), None), (0, 100)),
        ("mean relevant (0–100)", "Relevance of misaligned", lambda r: (_nan(relevance.get(r.condition.id)), None),
         (0, 100)),
        ("held-out NLL (nats/token)", "Narrow task: held-out NLL ↓", lambda r: (_nan(r.efficacy.get("heldout_nll")), None),
         None),
        ("in-domain rate (%)" if scale == 100 else "in-domain rate", "Narrow task: in-domain rate",
         lambda r: (_nan(r.efficacy.get("in_domain_rate")) * scale, None), (0, 100) if scale == 100 else None),
    ]
    # A panel nothing was measured for (no judged relevance, no in-domain rate: the defaults) is left out.
    panels = panels[:2] + [p for p in panels[2:] if not all(math.isnan(p[2](r)[0]) for r in chosen)]
    cols = 3 if len(panels) >= 4 else 2
    rows = math.ceil((len(panels) + 1) / cols)
    fig = _figure(9.0 if cols == 3 else 7.0, 3.0 * rows)
    axes = list(fig.subplots(rows, cols).flat)
    for ax in axes[len(panels):-1]:
        ax.axis("off")
    for ax, (ylabel, title, get, ylim) in zip(axes, panels):
        values = [get(r) for r in chosen]
        heights = np.array([v for v, _ in values], dtype=float)
        ax.bar(x, np.nan_to_num(heights), color=colors, alpha=0.85)
        cis = [(i, ci) for i, (_, ci) in enumerate(values) if ci is not None and not math.isnan(heights[i])]
        if cis:
            idx = [i for i, _ in cis]
            lo = [heights[i] - ci[0] for i, ci in cis]
            hi = [ci[1] - heights[i] for i, ci in cis]
            ax.errorbar(idx, heights[idx], yerr=[lo, hi], fmt="none", ecolor="black", elinewidth=1, capsize=3)
        for i, h in enumerate(heights):
            if math.isnan(h):
                ax.text(i, 0, "n/a", ha="center", va="bottom", fontsize=7, color="#777777")
        if ylim is not None:
            ax.set_ylim(*ylim)
        elif np.isnan(heights).all():
            ax.set_ylim(0, 1)  # nothing measured: a plain empty axis, not matplotlib's ±0.05
        else:
            ax.set_ylim(bottom=0)
        ax.set_title(title, fontsize=9)
        ax.set_ylabel(ylabel)
        ax.set_xticks(x, names, rotation=30, ha="right", fontsize=7.5)
        ax.grid(axis="y", alpha=0.3)
    from matplotlib.patches import Patch

    legend_ax = axes[-1]  # the last cell holds the legend
    legend_ax.axis("off")
    legend_ax.legend([Patch(color=c) for c in colors], names, loc="center", fontsize=8, title="condition")
    fig.suptitle("Steering vs LoRA finetuning on the same narrow data", fontsize=10)
    chosen_txt = "; ".join(f"{m}: {p.name} ({why})" for m, (p, why) in picks.items())
    titles = {p[1] for p in panels}
    caption = (f"Steering condition per method — {chosen_txt}. "
               "Error bars: 95% cluster Wilson intervals (questions as clusters). "
               + ("Relevance is averaged over misaligned answers (aligned < 30). " if "Relevance of misaligned" in titles else "")
               + ("Lower held-out NLL and higher in-domain rate mean" if "Narrow task: in-domain rate" in titles
                  else "Lower held-out NLL means")
               + " the narrow task was learned; n/a: not measured. Panels with nothing measured are left out.")
    return Plot("steering-vs-finetuning", "Steering vs finetuning", svg_of(fig, "steering-vs-finetuning"), caption)


def _nan(x: float | None) -> float:
    return float("nan") if x is None else float(x)


# -- EM vs a study factor ----------------------------------------------------------------------------

def varied_factors(results: Sequence[ConditionResult], names: Sequence[str] = ("epochs", "rank", "layer")) -> list[str]:
    """The factors among ``names`` that the study varied: ≥ 2 distinct values among the conditions of
    one method (a LoRA of rank 8 beside a rank-4 subspace is not a rank sweep)."""
    out = []
    for name in names:
        by_method: dict[str, set] = {}
        for r in results:
            value = _factor(r.condition, name)
            if value is not None:
                by_method.setdefault(method_of(r.condition), set()).add(value)
        if any(len(values) >= 2 for values in by_method.values()):
            out.append(name)
    return out


@_styled
def em_vs_factor(results: Sequence[ConditionResult], factor: str) -> Plot | None:
    """EM rate (95% cluster Wilson error bars) against a study factor, one line per method (and per other
    varied factor or magnitude). None when the factor has fewer than two distinct values."""
    rows = [r for r in results if _factor(r.condition, factor) is not None and r.summary.overall.em_rate is not None]
    if len({_factor(r.condition, factor) for r in rows}) < 2:
        return None
    aliases = set(FACTOR_ALIASES.get(factor, (factor,)))
    axis = magnitude_axis([r.condition for r in rows])
    series: dict[str, list[ConditionResult]] = {}
    for label, rs in _series(rows, exclude=aliases).items():
        mags = {getattr(r.condition, axis) for r in rs} - {None}
        for r in rs:  # different magnitudes of one method are different lines too
            mag = getattr(r.condition, axis)
            suffix = f" {'ρ' if axis == 'rho' else 'α'}={mag:g}" if len(mags) >= 2 and mag is not None else ""
            series.setdefault(label + suffix, []).append(r)
    # A line is about change along the factor: single points (a magnitude tried at one value only) are
    # left out when some line has two or more, and the caption says how many.
    lines = {k: v for k, v in series.items() if len({_factor(r.condition, factor) for r in v}) >= 2} or series
    dropped = len(series) - len(lines)
    values = list(dict.fromkeys(_factor(r.condition, factor) for rs in lines.values() for r in rs))
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
    order = sorted(values) if numeric else sorted(values, key=str)
    pos = {v: (float(v) if numeric else float(i)) for i, v in enumerate(order)}
    fig = _figure(8.2 if len(lines) + len(_baselines(results)) > 5 else 6.4, 3.8)
    ax = fig.subplots()
    for (label, rs), color in zip(lines.items(), _palette(len(lines))):
        rs = sorted(rs, key=lambda r: pos[_factor(r.condition, factor)])
        x = np.array([pos[_factor(r.condition, factor)] for r in rs])
        s = [r.summary.overall for r in rs]
        y = np.array([_pct(g.em_rate) for g in s])
        lo, hi = _ci_arrays(s)
        err = [y - lo, hi - y]
        ax.errorbar(x, y, yerr=err, fmt="o-", color=color, lw=1.5, ms=4, capsize=3, label=_txt(label))
    _draw_baselines(ax, results)
    if not numeric:
        ax.set_xticks(list(pos.values()), [_txt(v) for v in order])
    elif all(float(v).is_integer() for v in order) and len(order) <= 12:
        ax.set_xticks([float(v) for v in order], [f"{v:g}" for v in order])
    ax.set_xlabel(factor)
    ax.set_ylabel("EM rate (%)")
    ax.set_ylim(bottom=0)
    ax.set_title(f"EM rate vs {factor}")
    ax.grid(alpha=0.3)
    _legend_auto(ax)
    caption = (f"Error bars: 95% cluster Wilson intervals (questions as clusters). "
               f"The study varied {factor} over {', '.join(str(v) for v in order)}.")
    if dropped:
        caption += f" {dropped} condition group(s) measured at a single {factor} value are not drawn."
    key = f"em-vs-{factor}"
    return Plot(key, f"EM rate vs {factor}", svg_of(fig, key), caption)


# -- geometry --------------------------------------------------------------------------------------

@_styled
def cosine_heatmap(cm: CosineMatrix) -> Plot:
    """Heatmap of pairwise cosine similarity between the vectors at one layer (values written in
    the cells when there are few enough to read)."""
    n = len(cm.labels)
    side = min(2.6 + 0.45 * n, 7.5)
    fig = _figure(side + 1.4, side)
    ax = fig.subplots()
    im = ax.imshow(np.ma.masked_invalid(cm.matrix), cmap="coolwarm", vmin=-1, vmax=1)
    labels = [_txt(l) for l in cm.labels]
    ax.set_xticks(range(n), labels, rotation=45, ha="right", fontsize=7)
    ax.set_yticks(range(n), labels, fontsize=7)
    if n <= 12:
        for i in range(n):
            for j in range(n):
                v = cm.matrix[i, j]
                ax.text(j, i, "–" if math.isnan(v) else f"{v:.2f}", ha="center", va="center", fontsize=6.5,
                        color="white" if abs(v) > 0.6 else "black")
    fig.colorbar(im, ax=ax, label="cosine similarity", shrink=0.8)
    ax.set_title(f"Cosine similarity between vectors, layer {cm.layer}")
    ax.set_xlabel("artifact")
    ax.set_ylabel("artifact")
    key = f"cosine-layer-{cm.layer}"
    return Plot(key, f"Vector geometry: cosine similarity (layer {cm.layer})", svg_of(fig, key),
                "1: same direction, 0: orthogonal, −1: opposite. Computed from the vectors stored with the results.")


@_styled
def spectrum_plot(layer_spectra: Mapping[int, Spectrum], subspaces: Sequence[SubspaceInfo]) -> Plot | None:
    """Normalized singular values σ_i/Σσ of each set: the vectors at each layer, and each SVD subspace's
    recorded source set; the legend gives each effective rank. None when there is nothing to draw."""
    sets: list[tuple[str, Spectrum]] = [(f"vectors at layer {l}", s) for l, s in layer_spectra.items()]
    # SVD subspaces cut from one set at several ranks share its spectrum: one line, named once.
    shared: dict[tuple, tuple[Spectrum, list[SubspaceInfo]]] = {}
    for sub in subspaces:
        if sub.spectrum is not None:
            key = tuple(np.round(sub.spectrum.singular_values, 9))
            shared.setdefault(key, (sub.spectrum, []))[1].append(sub)
    for spectrum, subs in shared.values():
        ranks = sorted({s.rank for s in subs if s.rank is not None})
        first = subs[0]
        name = f"{first.method or 'subspace'} set, L{first.layer}" if len(subs) > 1 else f"subspace {first.label}"
        sets.append((name + (f" (kept k={','.join(map(str, ranks))})" if ranks else ""), spectrum))
    if not sets:
        return None
    fig = _figure()
    ax = fig.subplots()
    for (label, s), color in zip(sets, _palette(len(sets))):
        idx = np.arange(1, len(s.singular_values) + 1)
        ax.plot(idx, s.normalized, "o-", color=color, ms=3.5, lw=1.4,
                label=f"{_txt(label)} (eff. rank {s.effective_rank:.2f})")
    for sub in subspaces:
        if sub.spectrum is not None and sub.rank is not None:
            ax.axvline(sub.rank + 0.5, color="#999999", ls=":", lw=1)
    longest = max(len(s.singular_values) for _, s in sets)
    if longest <= 20:
        ax.set_xticks(range(1, longest + 1))
    ax.set_xlabel("singular value index i")
    ax.set_ylabel("σ_i / Σσ")
    ax.set_ylim(bottom=0)
    ax.set_title("Singular spectrum")
    ax.grid(alpha=0.3)
    _legend(ax, loc="upper right", fontsize=7)
    caption = ("Effective rank = exp(entropy of σ/Σσ): 1 when all vectors share one direction, k for k orthogonal "
               "vectors of equal norm. Dotted lines: the rank each SVD subspace kept.")
    return Plot("singular-spectrum", "Vector geometry: singular spectrum", svg_of(fig, "singular-spectrum"), caption)
