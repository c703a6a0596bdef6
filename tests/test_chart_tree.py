"""The phylogeny renderer: a tree layout whose subtrees are contiguous bands, distinct cluster
colours, and `run.py lineage` drawing a real run's lineage."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alife.chart.colors import category_colors
from alife.chart.png import png_bytes
from alife.chart.tree import render_tree, tree_layout
from alife.cli import main
from alife.evolve.lineage import ancestors_of, read_lineage

from run_helpers import TINY, run, write_world


@st.composite
def forests(draw):
    n = draw(st.integers(1, 60))
    parent = [-1]
    for i in range(1, n):
        parent.append(draw(st.integers(-1, i - 1)))
    return np.array(parent, np.int64)


@settings(max_examples=60, deadline=None)
@given(parent=forests())
def test_every_subtree_is_one_contiguous_band_of_leaves(parent):
    y, leaves = tree_layout(parent)
    n = parent.size
    children = [np.flatnonzero(parent == i) for i in range(n)]
    is_leaf = np.array([c.size == 0 for c in children])
    assert leaves == is_leaf.sum()
    assert sorted(y[is_leaf].tolist()) == list(range(leaves))  # leaves on distinct rows

    def subtree_leaves(i):
        out, stack = [], [i]
        while stack:
            j = stack.pop()
            if children[j].size:
                stack.extend(children[j].tolist())
            else:
                out.append(y[j])
        return np.array(out)

    for i in range(n):
        ys = subtree_leaves(i)
        assert ys.max() - ys.min() + 1 == ys.size  # contiguous
        assert ys.min() <= y[i] <= ys.max()  # a node sits within its own band


def test_layout_refuses_children_before_parents():
    with pytest.raises(ValueError, match="before its children"):
        tree_layout(np.array([1, -1]))


def test_category_colours_are_distinct_and_not_food_green():
    colors = category_colors(np.arange(40)).astype(np.int64)
    assert len({tuple(c) for c in colors.tolist()}) == 40
    food = np.array([96, 210, 96])
    assert (np.abs(colors - food).sum(axis=1) > 60).all()
    assert (category_colors([-1]) == 150).all()


def test_render_tree_draws_highlighted_nodes_in_their_colour():
    parent = np.array([-1, -1, 0, 0, 1, 2])
    time = np.array([0, 0, 1, 1, 1, 2])
    category = np.array([5, 9, 5, 5, 9, 5])
    highlight = np.array([True, False, True, False, False, True])
    chart = render_tree(time, parent, category, highlight, (300, 200), title="t", x_label="g")
    px = chart.pixels[..., :3]
    lit = np.all(px == category_colors([5])[0], axis=2)
    assert lit.sum() > 50
    other = np.all(px == category_colors([9])[0], axis=2)
    assert other.sum() == 0  # cluster 9 is not highlighted: drawn dim
    assert png_bytes(chart.pixels)[:4] == b"\x89PNG"


def test_lineage_command_draws_a_runs_phylogeny(tmp_path, capsys):
    out = tmp_path / "run"
    run(write_world(tmp_path, TINY), out)
    assert main(["lineage", str(out), "--size", "640x400"]) == 0
    assert "lineage.png (120 genomes)" in capsys.readouterr().out
    data = (out / "lineage.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(data[16:20], "big") == 640
    lin = read_lineage(out / "lineage.csv")
    newest = np.flatnonzero(lin["generation"] == 4)
    marked = ancestors_of(lin, newest)
    assert marked[newest].all() and marked[lin["generation"] == 0].any()
    assert not marked.all()  # some lines died out
    assert main(["lineage", str(tmp_path / "nope")]) == 1
    assert "no such run directory" in capsys.readouterr().err
