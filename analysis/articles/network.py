"""Co-occurrence network of the most mentioned entities, drawn with matplotlib.

Nodes are canonical entities (size by mentions, colour by type family), edges join
entities named in the same sentence (width by the number of such sentences). The layout
is networkx's spring layout with a fixed seed, so the same tables give the same picture.
"""
from __future__ import annotations

import math

import matplotlib.pyplot as plt
import networkx as nx
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .entities import FAMILY_COLORS

#: Seed of the spring layout (deterministic pictures).
LAYOUT_SEED = 7


def cooccurrence_graph(cooc_df: pd.DataFrame, freq_df: pd.DataFrame, *, top: int = 15) -> nx.Graph:
    """Graph of the ``top`` most mentioned entities (all of them nodes, even when isolated)
    and the co-occurrence edges among them (attribute ``sentences``)."""
    freq = freq_df.groupby(["entity", "family"], as_index=False)["mentions"].sum()
    freq = freq.sort_values(["mentions", "entity"], ascending=[False, True]).head(top)
    g = nx.Graph()
    for r in freq.itertuples():
        g.add_node(r.entity, mentions=int(r.mentions), family=r.family)
    for r in cooc_df.itertuples():
        if r.source in g and r.target in g:
            w = g.edges[r.source, r.target]["sentences"] if g.has_edge(r.source, r.target) else 0
            g.add_edge(r.source, r.target, sentences=w + int(r.sentences))
    return g


def plot_cooccurrence_network(cooc_df: pd.DataFrame, freq_df: pd.DataFrame, *, top: int = 15, title: str | None = None) -> Figure:
    """Network figure: one node per top entity, edges for shared sentences.

    Args:
        cooc_df: :func:`analysis.articles.entities.cooccurrence` output (source, target, sentences).
        freq_df: :func:`analysis.articles.entities.entity_frequency` output (entity, family, mentions).
        top: how many of the most mentioned entities are drawn.
    """
    g = cooccurrence_graph(cooc_df, freq_df, top=top)
    fig, ax = plt.subplots(figsize=(10, 8))
    ax.set_axis_off()
    ax.set_title(title or f"Entities named in the same sentence (top {g.number_of_nodes()})")
    if g.number_of_nodes() == 0:
        ax.text(0.5, 0.5, "no named entities", ha="center", va="center", transform=ax.transAxes)
        return fig
    pos = _layout(g)
    nodes = list(g.nodes)
    mentions = [g.nodes[n]["mentions"] for n in nodes]
    biggest = max(mentions)
    sizes = [300 + 2200 * m / biggest for m in mentions]
    colors = [FAMILY_COLORS.get(g.nodes[n]["family"], "#999999") for n in nodes]
    if g.number_of_edges():
        widths = [g.edges[e]["sentences"] for e in g.edges]
        top_w = max(widths)
        nx.draw_networkx_edges(g, pos, ax=ax, width=[0.8 + 5 * w / top_w for w in widths], edge_color="#9aa0a6", alpha=0.7)
    nx.draw_networkx_nodes(g, pos, ax=ax, nodelist=nodes, node_size=sizes, node_color=colors, alpha=0.9,
                           edgecolors="white", linewidths=1.5)
    for n in nodes:
        x, y = pos[n]
        ax.annotate(f"{n} ({g.nodes[n]['mentions']})", (x, y), xytext=(0, -14 - 9 * g.nodes[n]["mentions"] / biggest),
                    textcoords="offset points", ha="center", va="top", fontsize=9,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.75})
    families = sorted({g.nodes[n]["family"] for n in nodes}, key=list(FAMILY_COLORS).index)
    ax.legend([Line2D([], [], marker="o", ls="", color=FAMILY_COLORS.get(f, "#999")) for f in families], families,
              loc="lower left", fontsize=8, frameon=False)
    ax.margins(0.12)
    fig.tight_layout()
    return fig


def _layout(g: nx.Graph) -> dict:
    """Spring layout (fixed seed) of the linked entities in [-1, 1]²; isolated entities in a
    row below, so they do not squeeze the rest into a corner."""
    isolates = sorted(nx.isolates(g), key=lambda n: (-g.nodes[n]["mentions"], n))
    linked = g.subgraph([n for n in g if n not in set(isolates)])
    pos = {}
    if linked.number_of_nodes():
        k = 1.8 / math.sqrt(linked.number_of_nodes())
        pos = nx.spring_layout(linked, seed=LAYOUT_SEED, k=k, iterations=300, weight=None)
        pos = nx.rescale_layout_dict(pos, scale=1.0) if linked.number_of_nodes() > 1 else {n: (0.0, 0.0) for n in linked}
    for i, n in enumerate(isolates):
        x = -1 + 2 * (i + 0.5) / len(isolates) if len(isolates) > 1 else 0.0
        pos[n] = (x, -1.35 if pos else 0.0)
    return pos


def network_alt_text(cooc_df: pd.DataFrame, freq_df: pd.DataFrame, *, top: int = 15) -> str:
    """Alt text for :func:`plot_cooccurrence_network`: nodes and the strongest links."""
    g = cooccurrence_graph(cooc_df, freq_df, top=top)
    if g.number_of_nodes() == 0:
        return "Co-occurrence network: no named entities found."
    edges = sorted(g.edges(data="sentences"), key=lambda e: (-e[2], e[0], e[1]))[:6]
    links = "; ".join(f"{a} – {b} ({w} sentence{'s' if w != 1 else ''})" for a, b, w in edges) or "none"
    return (f"Network of the {g.number_of_nodes()} most mentioned entities, node size by mentions, "
            f"edge width by shared sentences. Strongest links: {links}.")
