"""Co-occurrence network figure."""
from __future__ import annotations

import io

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.collections import LineCollection, PathCollection

from analysis.articles.network import cooccurrence_graph, network_alt_text, plot_cooccurrence_network

FREQ = pd.DataFrame({
    "entity": ["A Person", "B Org", "C Place", "D Lone", "E Minor"],
    "family": ["PERSON", "ORG", "GPE", "PERSON", "ORG"],
    "mentions": [9, 5, 3, 2, 1],
})
COOC = pd.DataFrame({"source": ["A Person", "A Person", "B Org", "A Person"],
                     "target": ["B Org", "C Place", "C Place", "E Minor"],
                     "sentences": [4, 1, 2, 1]})


@pytest.mark.parametrize("top", [1, 3, 4, 5])
def test_one_node_per_top_entity(top):
    fig = plot_cooccurrence_network(COOC, FREQ, top=top)
    nodes = [c for c in fig.axes[0].collections if isinstance(c, PathCollection)]
    assert sum(len(c.get_offsets()) for c in nodes) == top
    labels = {t.get_text().rsplit(" (", 1)[0] for t in fig.axes[0].texts}
    assert labels == set(FREQ["entity"].head(top))
    plt.close(fig)


def test_edges_only_among_top_entities_with_widths():
    g = cooccurrence_graph(COOC, FREQ, top=3)
    assert set(g.nodes) == {"A Person", "B Org", "C Place"}
    assert g.number_of_edges() == 3 and g.edges["A Person", "B Org"]["sentences"] == 4
    fig = plot_cooccurrence_network(COOC, FREQ, top=3)
    edges = [c for c in fig.axes[0].collections if isinstance(c, LineCollection)]
    widths = list(edges[0].get_linewidths())
    assert len(widths) == 3 and max(widths) > min(widths)
    plt.close(fig)


def test_deterministic_picture():
    def png():
        fig = plot_cooccurrence_network(COOC, FREQ, top=5)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=40, metadata={"Software": None})
        plt.close(fig)
        return buf.getvalue()

    assert png() == png()


def test_empty_tables_and_alt_text():
    fig = plot_cooccurrence_network(COOC.iloc[0:0], FREQ.iloc[0:0])
    assert "no named entities" in fig.axes[0].texts[0].get_text()
    plt.close(fig)
    alt = network_alt_text(COOC, FREQ, top=3)
    assert "3 most mentioned" in alt and "A Person – B Org (4 sentences)" in alt
