"""Pictures of an entity's map (SVG or PNG) drawn with matplotlib alone, so they work without Graphviz.

The layout is made for reading rather than for physics: the entity sits in the left column and every other
node stands in the column of its distance from it (1 hop, 2 hops, ...), sorted by type and label, so the
map reads left to right like the text tree of ``casegraph explore``.  Nodes are coloured by type (the
colours of the DOT export, a colour-blind-safe palette), structural facts are solid grey arrows, claims
dashed red arrows with their relation and evidence level; a legend explains both.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

from casegraph.errors import UsageError
from casegraph.network import NODE_TYPES, TYPE_COLOURS

if TYPE_CHECKING:
    import networkx as nx

#: Output formats, chosen by the file's suffix.
PICTURE_SUFFIXES = (".svg", ".png")
_CLAIM_COLOUR = "#B22222"
_FACT_COLOUR = "#555555"


def picture_format(path: Path) -> str:
    """``svg`` or ``png`` from the suffix; :class:`UsageError` for anything else."""
    suffix = path.suffix.lower()
    if suffix not in PICTURE_SUFFIXES:
        raise UsageError(f"{path}: a map is written as .svg or .png (the suffix chooses), not {suffix or 'no suffix'!r}")
    return suffix[1:]


def _layout(graph: nx.MultiDiGraph, centre: str) -> dict[str, tuple[float, float]]:
    """Columns by hop distance from ``centre``; within a column, by type then label, evenly spaced."""
    import networkx as nx

    distance = nx.single_source_shortest_path_length(graph.to_undirected(as_view=True), centre)
    columns: dict[int, list[str]] = {}
    for node, hops in distance.items():
        columns.setdefault(hops, []).append(node)
    order = {t: i for i, t in enumerate(NODE_TYPES)}
    positions: dict[str, tuple[float, float]] = {}
    for hops, nodes in columns.items():
        nodes.sort(key=lambda n: (order.get(graph.nodes[n]["type"], 99), graph.nodes[n]["label"].lower()))
        for i, node in enumerate(nodes):
            positions[node] = (float(hops), (len(nodes) - 1) / 2 - i)
    return positions


def draw_map(graph: nx.MultiDiGraph, centre: str, path: Path, *, title: str = "") -> Path:
    """Draw ``graph`` (a neighbourhood of ``centre``) to ``path``; the suffix picks SVG or PNG."""
    fmt = picture_format(path)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyArrowPatch, Patch

    positions = _layout(graph, centre)
    columns = max(x for x, _y in positions.values()) + 1
    tallest = max(sum(1 for x, _y in positions.values() if x == c) for c in range(int(columns)))
    fig, ax = plt.subplots(figsize=(4.2 * columns + 2, max(4.0, 0.62 * tallest + 1.5)))
    ax.set_axis_off()

    # one arrow per (from, to, kind): parallel claims are summed up in one label, not drawn on top of each other
    arrows: dict[tuple[str, str, str], list[str]] = {}
    for s, o, data in graph.edges(data=True):
        if s in positions and o in positions:
            text = data["relation"] + (f" ({data['evidence']})" if data["kind"] == "claim" else "")
            arrows.setdefault((s, o, data["kind"]), []).append(text)
    drawn: dict[tuple[str, str], int] = {}
    for (s, o, kind), texts in arrows.items():
        pair = (min(s, o), max(s, o))
        bend = 0.12 * drawn.get(pair, 0)
        drawn[pair] = drawn.get(pair, 0) + 1
        claim = kind == "claim"
        colour = _CLAIM_COLOUR if claim else _FACT_COLOUR
        ax.add_patch(FancyArrowPatch(
            positions[s], positions[o], arrowstyle="-|>", mutation_scale=9, shrinkA=14, shrinkB=14,
            connectionstyle=f"arc3,rad={bend}", color=colour, linestyle="--" if claim else "-",
            linewidth=0.8 + 0.3 * min(len(texts) - 1, 4), alpha=0.75, zorder=1,
        ))
        if len(arrows) <= 45:
            (x1, y1), (x2, y2) = positions[s], positions[o]
            counted = [f"{t} ×{texts.count(t)}" if texts.count(t) > 1 else t for t in dict.fromkeys(texts)]
            ax.text((x1 + x2) / 2, (y1 + y2) / 2 + bend, textwrap.shorten("; ".join(counted), 48), fontsize=5.5,
                    color=colour, ha="center", va="center", zorder=2,
                    bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.7})

    for node, (x, y) in positions.items():
        attrs: dict[str, Any] = graph.nodes[node]
        label = "\n".join(textwrap.wrap(attrs.get("short") or attrs["label"], 24)[:3])
        ax.text(x, y, label, ha="center", va="center", fontsize=9 if node == centre else 7.5, zorder=3,
                fontweight="bold" if node == centre else "normal",
                bbox={"boxstyle": "round,pad=0.35", "fc": TYPE_COLOURS.get(attrs["type"], "#FFFFFF"),
                      "ec": "black" if node == centre else "#333333", "lw": 1.6 if node == centre else 0.6})

    present = [t for t in NODE_TYPES if any(d["type"] == t for _n, d in graph.nodes(data=True))]
    handles: list[Any] = [Patch(facecolor=TYPE_COLOURS[t], edgecolor="#333333", label=t) for t in present]
    handles += [Line2D([0], [0], color=_FACT_COLOUR, lw=1, label="structural fact"),
                Line2D([0], [0], color=_CLAIM_COLOUR, lw=1, ls="--", label="claim (evidence level)")]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    ax.set_xlim(-0.6, columns - 0.4)
    ys = [y for _x, y in positions.values()]
    ax.set_ylim(min(ys) - 0.8, max(ys) + 0.8)
    if title:
        ax.set_title(title, fontsize=11)
    fig.tight_layout()
    fig.savefig(path, format=fmt, dpi=150 if fmt == "png" else None, bbox_inches="tight")
    plt.close(fig)
    return path
