"""Pictures of the autograd graph: ``make_dot``, with torchviz's API and look.

``make_dot(out)`` walks ``out.grad_fn`` through ``next_functions`` and returns a
``graphviz.Digraph``: grey boxes for backward nodes (``MulBackward0``...), light blue for leaf
tensors (named when ``params`` names them, with their shapes), green for the outputs, orange
for saved tensors (``show_saved``). Building the graph needs the Python ``graphviz`` package;
rendering it (``.render``, ``.pipe``, display in Jupyter) also needs Graphviz's ``dot``
program (``apt-get install graphviz``).

Example::

    >>> x = torcia.ones(2, 2, requires_grad=True)
    >>> out = ((x + 2) * (x + 2) * 3).mean()
    >>> make_dot(out).render("graph", format="svg")
"""

from ._tensor import Tensor

__all__ = ["make_dot"]

_INSTALL = ("rendering needs Graphviz's `dot` program, which is not installed (the `graphviz` "
            "Python package only writes its input): install it with `apt-get install "
            "graphviz` (Debian/Ubuntu), `brew install graphviz` (macOS) or `conda install "
            "graphviz`, so that `dot` is on the PATH")


def _graphviz():
    try:
        import graphviz
    except ImportError:
        raise ImportError("torcia.viz.make_dot needs the `graphviz` Python package: pip "
                          "install graphviz (or pip install torcia[viz]); rendering also "
                          "needs Graphviz's `dot` program (apt-get install graphviz)") from None
    return graphviz


def _digraph_class():
    graphviz = _graphviz()

    class DotNotFound(graphviz.ExecutableNotFound):
        """Graphviz's ``dot`` is missing: says what to install."""

        def __init__(self, message):
            RuntimeError.__init__(self, message)

    class Digraph(graphviz.Digraph):
        """A ``graphviz.Digraph`` whose rendering names the missing program to install."""

        def pipe(self, *args, **kwargs):
            try:
                return super().pipe(*args, **kwargs)
            except graphviz.ExecutableNotFound as e:
                raise DotNotFound(_INSTALL) from e

        def render(self, *args, **kwargs):
            try:
                return super().render(*args, **kwargs)
            except graphviz.ExecutableNotFound as e:
                raise DotNotFound(_INSTALL) from e

    return Digraph


def _size_str(shape):
    return "(" + ", ".join(str(n) for n in shape) + ")"


def _saved(fn):
    """(name, tensor) pairs of what node ``fn`` saved for backward (named after the op's
    ``saves`` declaration where it has one)."""
    try:
        tensors = fn.saved_tensors
    except RuntimeError:  # freed by backward, or modified in place since
        return []
    names = list(getattr(type(fn), "saves", {}) or {})
    if len(names) != len(tensors):
        names = [f"saved_{i}" for i in range(len(tensors))]
    return [(n, t) for n, t in zip(names, tensors) if isinstance(t, Tensor)]


def _attrs(fn):
    """What ``show_attrs`` prints for node ``fn``: its saved tensors and plain attributes."""
    out = {name: "[saved tensor]" for name, _ in _saved(fn)}
    for k, v in vars(fn).items():
        if k.startswith("_") or k == "variable" or callable(v) or k in out:
            continue
        if isinstance(v, Tensor):
            out[k] = "[saved tensor]"
        elif isinstance(v, tuple) and any(isinstance(x, Tensor) for x in v):
            out[k] = "[saved tensors]"
        else:
            out[k] = str(v)
    return out


def _fn_label(fn, show_attrs, max_attr_chars):
    name = type(fn).__name__
    attrs = _attrs(fn) if show_attrs else {}
    if not attrs:
        return name
    width_k = max(len(k) for k in attrs)
    width_v = min(max(len(v) for v in attrs.values()), max(max_attr_chars, 3))
    lines = []
    for k, v in attrs.items():
        if len(v) > width_v:
            v = v[:width_v - 3] + "..."
        lines.append(f"{k:<{width_k}}: {v:>{width_v}}")
    return name + "\n" + "-" * max(width_k + width_v + 2, len(name)) + "\n" + "\n".join(lines)


def make_dot(var, params=None, show_attrs=False, show_saved=False, max_attr_chars=50):
    """The autograd graph that produced ``var`` as a ``graphviz.Digraph`` (torchviz's
    ``make_dot``).

    Args:
        var (Tensor or tuple of Tensors): the output(s) to draw the history of.
        params (dict, optional): name -> tensor, to label leaves (``dict(model.named_
            parameters())``).
        show_attrs (bool): print each node's saved tensors and attributes in its box.
        show_saved (bool): draw the tensors each node saved for backward (orange).
        max_attr_chars (int): longest attribute value shown (longer ones are cut).

    Returns:
        graphviz.Digraph: render with ``.render(filename, format="svg")`` or show in Jupyter.
    """
    Digraph = _digraph_class()
    names = {}
    if params is not None:
        for k, v in params.items():
            if not isinstance(v, Tensor):
                raise TypeError(f"params must map names to tensors, got {type(v).__name__} "
                                f"for {k!r}")
            names[id(v)] = k
    dot = Digraph(node_attr=dict(style="filled", shape="box", align="left", fontsize="10",
                                 ranksep="0.1", height="0.2", fontname="monospace"),
                  graph_attr=dict(size="12,12"))
    seen = set()

    def tensor_label(t, name=None):
        return f"{name or names.get(id(t), '')}\n {_size_str(t.shape)}"

    def enter(fn):
        """Draw node ``fn`` (with its leaf and saved tensors) unless drawn already."""
        if id(fn) in seen:
            return False
        seen.add(id(fn))
        if show_saved:
            for name, t in _saved(fn):
                seen.add(id(t))
                dot.edge(str(id(fn)), str(id(t)), dir="none")
                dot.node(str(id(t)), tensor_label(t, name), fillcolor="orange")
        leaf = getattr(fn, "variable", None)
        if isinstance(leaf, Tensor):
            seen.add(id(leaf))
            dot.node(str(id(leaf)), tensor_label(leaf), fillcolor="lightblue")
            dot.edge(str(id(leaf)), str(id(fn)))
        dot.node(str(id(fn)), _fn_label(fn, show_attrs, max_attr_chars))
        return True

    def add_graph(root):
        """Depth first from ``root``, in torchviz's order, without recursion (a long RNN's
        graph is deeper than Python's recursion limit)."""
        if not enter(root):
            return
        stack = [(root, iter(root.next_functions))]
        while stack:
            fn, children = stack[-1]
            for nxt, _ in children:
                if nxt is not None:
                    dot.edge(str(id(nxt)), str(id(fn)))
                    if enter(nxt):
                        stack.append((nxt, iter(getattr(nxt, "next_functions", ()))))
                    break
            else:
                stack.pop()

    def add_output(t, color="darkolivegreen1"):
        while t is not None and id(t) not in seen:
            seen.add(id(t))
            dot.node(str(id(t)), tensor_label(t), fillcolor=color)
            if t.grad_fn is not None:
                add_graph(t.grad_fn)
                dot.edge(str(id(t.grad_fn)), str(id(t)))
            base = t._base
            if base is not None:  # a view: draw the tensor it views
                dot.edge(str(id(base)), str(id(t)), style="dotted")
            t, color = base, "darkolivegreen3"

    for v in (var if isinstance(var, tuple) else (var,)):
        if not isinstance(v, Tensor):
            raise TypeError(f"make_dot expects a tensor or a tuple of tensors, got "
                            f"{type(v).__name__}")
        add_output(v)
    size = max(12, len(dot.body) * 0.15)  # grow the picture with the graph, as torchviz does
    dot.graph_attr.update(size=f"{size},{size}")
    return dot
