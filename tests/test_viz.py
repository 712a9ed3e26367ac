"""torcia.viz.make_dot: torchviz's graph of the autograd history, checked against the graph
PyTorch records for the same program (node names and edges), plus rendering with Graphviz."""

import re
import shutil

import pytest
import torch

import torcia

graphviz = pytest.importorskip("graphviz")
from torcia.viz import make_dot  # noqa: E402

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's dot program is not installed")


def parse(dot):
    """(nodes: id -> (label, attributes), edges: [(from, to, attributes)]) of a Digraph."""
    nodes, edges = {}, []
    for line in dot.body:
        line = line.strip()
        m = re.match(r'(\d+) -> (\d+)(?: \[(.*)\])?$', line)
        if m:
            edges.append((m[1], m[2], m[3] or ""))
            continue
        m = re.match(r'(\d+) \[label=("(?:[^"\\]|\\.)*"|\S+)(.*)\]$', line, re.S)
        if m:
            nodes[m[1]] = (m[2].strip('"'), m[3])
    # a label spanning lines: join the body back and match again
    text = "\n".join(dot.body)
    for m in re.finditer(r'\t(\d+) \[label="([^"]*)"(.*?)\]\n', text + "\n", re.S):
        nodes[m[1]] = (m[2], m[3])
    return nodes, edges


def fn_edges(dot):
    """Edges between backward nodes, by name, as a sorted list."""
    nodes, edges = parse(dot)
    names = {k: label.split("\n")[0] for k, (label, attrs) in nodes.items()
             if "fillcolor" not in attrs}
    return sorted((names[a], names[b]) for a, b, _ in edges if a in names and b in names)


def torch_edges(out):
    """The same list from PyTorch's own graph of ``out``."""
    seen, stack, edges = set(), [out.grad_fn], []
    while stack:
        fn = stack.pop()
        if fn in seen:
            continue
        seen.add(fn)
        for nxt, _ in fn.next_functions:
            if nxt is not None:
                edges.append((type(nxt).__name__, type(fn).__name__))
                stack.append(nxt)
    return sorted(edges)


def seed_004(lib, power=False):
    x = lib.ones(2, 2, requires_grad=True)
    y = x + 2
    z = y ** 2 * 3 if power else y * y * 3
    return z.mean()


@pytest.mark.parametrize("power", [False, True])
def test_seed_004_graph(power):
    dot = make_dot(seed_004(torcia, power))
    assert isinstance(dot, graphviz.Digraph)
    nodes, edges = parse(dot)
    labels = {label.split("\n")[0] for label, _ in nodes.values()}
    expected = {"MeanBackward0", "MulBackward0", "AddBackward0", "AccumulateGrad"}
    assert expected | ({"PowBackward0"} if power else set()) <= labels
    assert fn_edges(dot) == torch_edges(seed_004(torch, power))
    colours = sorted(re.search(r"fillcolor=(\w+)", a)[1] for _, a in nodes.values()
                     if "fillcolor" in a)
    assert colours == ["darkolivegreen1", "lightblue"]  # the output and the leaf x
    leaf = next(label for label, a in nodes.values() if "lightblue" in a)
    out = next(label for label, a in nodes.values() if "darkolivegreen1" in a)
    assert leaf == "\n (2, 2)" and out == "\n ()"
    assert 'node [align=left fontname=monospace fontsize=10 height=0.2 ranksep=0.1 ' \
           'shape=box style=filled]' in dot.source
    assert dot.graph_attr["size"] == "12,12"


def test_parameter_names_and_shapes():
    lin = torcia.nn.Linear(3, 2)
    out = lin(torcia.ones(4, 3)).relu().sum()
    dot = make_dot(out, params=dict(lin.named_parameters()))
    nodes, _ = parse(dot)
    leaves = sorted(label for label, a in nodes.values() if "lightblue" in a)
    assert leaves == ["bias\n (2)", "weight\n (2, 3)"]
    torch_lin = torch.nn.Linear(3, 2)
    assert fn_edges(dot) == torch_edges(torch_lin(torch.ones(4, 3)).relu().sum())
    with pytest.raises(TypeError, match="tensors"):
        make_dot(out, params={"w": 3})


def test_show_saved_and_attrs():
    x = torcia.ones(2, 2, requires_grad=True)
    out = ((x + 1) ** 3).sum()  # PowBackward0 saves x + 1
    dot = make_dot(out, show_attrs=True, show_saved=True)
    nodes, edges = parse(dot)
    saved = [label for label, a in nodes.values() if "orange" in a]
    assert saved == ["self\n (2, 2)"]
    pow_label = next(label for label, _ in nodes.values() if label.startswith("PowBackward0"))
    assert "exponent: " in pow_label and "[saved tensor]" in pow_label
    assert any("dir=none" in a for _, _, a in edges)
    short = make_dot(out, show_attrs=True, max_attr_chars=5)
    label = next(lb for lb, _ in parse(short)[0].values() if lb.startswith("PowBackward0"))
    assert "[s..." in label


def test_views_outputs_and_deep_graphs():
    x = torcia.ones(3, 2, requires_grad=True)
    y = (x * 2).t()
    dot = make_dot((y, x.sum()))
    nodes, edges = parse(dot)
    assert sum("darkolivegreen1" in a for _, a in nodes.values()) == 2
    assert any("darkolivegreen3" in a for _, a in nodes.values())  # the base of the view
    assert any("dotted" in a for _, _, a in edges)
    z = torcia.ones(1, requires_grad=True)
    for _ in range(3000):  # deeper than Python's recursion limit
        z = z * 1.0
    assert len(parse(make_dot(z))[0]) == 3003
    with pytest.raises(TypeError):
        make_dot([y])


@needs_dot
def test_renders_svg(tmp_path):
    dot = make_dot(seed_004(torcia, power=True))
    svg = dot.pipe(format="svg").decode()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    for name in ("PowBackward0", "MulBackward0", "MeanBackward0", "AddBackward0",
                 "AccumulateGrad"):
        assert name in svg
    path = dot.render(tmp_path / "graph", format="png")
    assert open(path, "rb").read(8) == b"\x89PNG\r\n\x1a\n"


def test_missing_dot_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot on this PATH
    dot = make_dot(seed_004(torcia))
    with pytest.raises(graphviz.ExecutableNotFound, match="apt-get install graphviz"):
        dot.pipe(format="svg")
    with pytest.raises(RuntimeError, match="`dot` program"):
        dot.render(tmp_path / "g", format="svg")
