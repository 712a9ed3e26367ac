"""The autograd graph: backward nodes, saved tensors, and the engine that runs them.

A node is made by each differentiable op that sees an input requiring grad. Its
``next_functions`` are ``(node, output_nr)`` edges to the nodes of its inputs (an
AccumulateGrad for a leaf, None for an input that needs no gradient), as in PyTorch.
The engine walks the graph iteratively (no recursion limit) in PyTorch's order.
"""

import heapq
import itertools
import re
import sys
import traceback
import weakref

from . import grad_mode

# The engine reuses a gradient's memory only when sys.getrefcount proves nothing else holds
# it. The counts asserted are CPython 3.11-3.13's; an interpreter that may count fewer
# references (3.14 borrows references on its stack) would make a shared gradient look
# unshared and change it in place, so elsewhere gradients are always copied.
_REFCOUNTS_EXACT = sys.implementation.name == "cpython" and sys.version_info < (3, 14)

__all__ = ["Node", "AccumulateGrad", "run_backward", "record", "record_binary", "init_node",
           "gradient_edge", "queue_callback"]

_seq = itertools.count()
_LAST = 1 << 62  # accumulators sort after (so run before) every op node
_anomaly = [False, True]  # detect_anomaly: enabled, check_nan


class Node:
    """A backward function: maps gradients of an op's outputs to gradients of its inputs.

    Subclasses are named as PyTorch names them (``MulBackward0``) and define
    ``backward(self, *grads)``, written with Tensor ops and returning one gradient (or None)
    per input. ``self.needs_input_grad`` tells which inputs need one.
    """

    __slots__ = ("next_functions", "_meta", "_seq", "_saved", "_sv", "__dict__", "__weakref__")
    # Rarely set fields live in the instance __dict__; these class values are their defaults.
    num_outputs = 1
    saves = {}  # what an op saves for backward: see _ops/pointwise.py save()
    self_scalar = other_scalar = None  # a binary op's Python-number operand
    _pre_hooks = _hooks = _tensor_pre_hooks = _retain_grad_hooks = _trace = None
    _has_hooks = False  # set when any of the four hook tables above is made

    def name(self):
        return type(self).__name__

    def __repr__(self):
        return f"<{type(self).__name__} object at {hex(id(self))}>"

    @property
    def needs_input_grad(self):
        nf = self.next_functions
        if len(nf) == 2:  # the common case, spelled out: this is on every backward's path
            return (nf[0][0] is not None, nf[1][0] is not None)
        return tuple([e[0] is not None for e in nf])

    @property
    def metadata(self):
        md = self.__dict__.get("_metadata")
        if md is None:
            md = self.__dict__["_metadata"] = {}
        return md

    # -- saved tensors ---------------------------------------------------------------------
    def save(self, *tensors):
        """Keep tensors for backward; later in-place changes to them are caught on unpack.

        An op's own output is kept as a detached alias (no reference cycle through the node)
        and re-attached to the node on unpack when a graph of the backward is recorded.
        """
        saved = []
        sv = []
        for t in tensors:
            if t is None:
                sv.append(None)
            else:
                if t._grad_fn is self:
                    t = _SavedOutput(t)
                sv.append(t._vc[0])
            saved.append(t)
        self._saved = tuple(saved)
        self._sv = sv

    @property
    def saved_tensors(self):
        saved = self._saved
        if saved is None:
            return ()
        if saved is _FREED:
            raise RuntimeError(_FREED_MSG)
        if len(saved) == 2:  # a binary op's pair, the common case, checked without a loop
            a, b = saved
            va, vb = self._sv
            if ((a is None or a._vc[0] == va and type(a) is not _SavedOutput) and
                    (b is None or b._vc[0] == vb and type(b) is not _SavedOutput)):
                return [a, b]
        out = []
        for t, version in zip(saved, self._sv):
            if t is not None:
                if t._vc[0] != version:
                    raise _modified_error(self, t, version)
                if type(t) is _SavedOutput:
                    t = t.unpack(self)
            out.append(t)
        return out

    # -- hooks -----------------------------------------------------------------------------
    def register_hook(self, fn):
        """``fn(grad_inputs, grad_outputs)`` runs after this node; may return new grad_inputs."""
        if self._hooks is None:
            self._hooks = _HookDict()
            self._has_hooks = True
        return _add_hook(self._hooks, fn)

    def register_prehook(self, fn):
        """``fn(grad_outputs)`` runs before this node; may return new grad_outputs."""
        if self._pre_hooks is None:
            self._pre_hooks = _HookDict()
            self._has_hooks = True
        return _add_hook(self._pre_hooks, fn)

    def __call__(self, *grads):
        return self.backward(*grads)  # in the caller's grad mode, as PyTorch's nodes run

    def _input_metadata(self):
        return self._meta


class _SavedOutput:
    """A node's own output, saved as an alias sharing memory and version counter."""

    __slots__ = ("_vc", "tensor", "output_nr")

    def __init__(self, t):
        self.tensor = t._alias()
        self._vc = t._vc
        self.output_nr = t._output_nr

    def unpack(self, node):
        t = self.tensor
        if grad_mode.state.enabled:  # recording a graph of backward: keep the output's history
            t = t._alias()
            t._grad_fn, t._rg = node, True
            if self.output_nr:
                t._output_nr = self.output_nr
        return t


def _modified_error(node, t, version):
    if type(t) is _SavedOutput:
        owner = f", which is output {t.output_nr} of {_short(node.name())},"
        t = t.tensor
    elif t.grad_fn is not None:  # (a view changed in place names its regenerated node)
        owner = f", which is output {t._output_nr} of {_short(t.grad_fn.name())},"
    else:
        owner = ""
    return RuntimeError(
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: [{t.type()} {list(t.shape)}]{owner} is at version {t._vc[0]}; expected "
        f"version {version} instead. Hint: enable anomaly detection to find the operation that "
        "failed to compute its gradient, with torch.autograd.set_detect_anomaly(True, "
        "check_nan=False).")


def _short(name):
    return re.sub(r"Backward\d*$", "", name)


class _FreedMarker:
    __slots__ = ()


_FREED = _FreedMarker()
_FREED_MSG = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward.")


class RemovableHandle:
    """Returned by register_hook; ``remove()`` takes the hook away."""

    _ids = itertools.count()

    def __init__(self, hooks_dict):
        self.hooks_dict_ref = weakref.ref(hooks_dict)
        self.id = next(RemovableHandle._ids)

    def remove(self):
        hooks = self.hooks_dict_ref()
        if hooks is not None:
            hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class _HookDict(dict):
    """An ordered dict of hooks by handle id, that a weakref can point to."""

    __slots__ = ("__weakref__",)


def _add_hook(hooks, fn):
    handle = RemovableHandle(hooks)
    hooks[handle.id] = fn
    return handle


def new_hook_dict():
    return _HookDict()


# -- building the graph ----------------------------------------------------------------------
def record(node_cls, inputs, outputs):
    """Attach a new ``node_cls`` node to ``outputs`` with edges to ``inputs``; returns it.

    ``inputs`` are the op's differentiable tensor operands (None for operands that are not
    tensors); called only when grad mode is on and some input requires grad.
    """
    node = node_cls.__new__(node_cls)
    init_node(node, inputs)
    nr = 0
    for out in outputs:
        if out is not None:
            out._grad_fn = node
            out._rg = True
            if nr:
                out._output_nr = nr
        nr += 1
    return node


def init_node(node, inputs):
    """Fill a new node's edges, input metadata and sequence number."""
    edges = []
    meta = []
    for t in inputs:
        if t is None:
            edges.append(_NO_EDGE)
            meta.append(None)
        else:
            edges.append(gradient_edge(t))
            d = t._data
            meta.append((d.shape, d.dtype, t._device))
    node.next_functions = tuple(edges)
    node._meta = tuple(meta)
    node._seq = next(_seq)
    node._saved = None
    if _anomaly[0]:
        node._trace = _forward_trace()


_NO_EDGE = (None, 0)
_new = object.__new__


def record_binary(node_cls, x, y, out, spec, same_shape):
    """``record`` for a one-output op of two operands (None for a number), saving for
    backward the items of ``spec`` (pairs of value index into (x, y, out) and the bit mask
    of the inputs whose gradients need it). With ``same_shape`` (both operands tensors of
    the output's shape and dtype) the engine has nothing to fit, so no metadata is kept."""
    node = _new(node_cls)
    # gradient_edge's common case inline: a non-view tensor with a grad_fn
    if x is None:
        ex = _NO_EDGE
    elif (fn := x._grad_fn) is not None and x._base is None:
        ex = (fn, x._output_nr)
    else:
        ex = gradient_edge(x)
    if y is None:
        ey = _NO_EDGE
    elif (fn := y._grad_fn) is not None and y._base is None:
        ey = (fn, y._output_nr)
    else:
        ey = gradient_edge(y)
    node.next_functions = (ex, ey)
    if same_shape:
        node._meta = None
    else:
        node._meta = (None if x is None else (x._data.shape, x._data.dtype, x._device),
                      None if y is None else (y._data.shape, y._data.dtype, y._device))
    node._seq = next(_seq)
    out._grad_fn = node
    out._rg = True
    if spec:
        mask = (ex[0] is not None) | ((ey[0] is not None) << 1)
        saved = []
        sv = []
        for k, m in spec:
            t = (x if k == 0 else y if k == 1 else _SavedOutput(out)) if m & mask else None
            saved.append(t)
            sv.append(None if t is None else t._vc[0])
        node._saved = tuple(saved)
        node._sv = sv
    else:
        node._saved = None
    if _anomaly[0]:
        node._trace = _forward_trace()
        if same_shape:  # keep metadata, so the engine checks this node's gradients for NaN
            node._meta = ((x._data.shape, x._data.dtype, x._device),
                          (y._data.shape, y._data.dtype, y._device))
    return node


def _forward_trace():
    """The forward call stack for anomaly mode, without torcia's own frames at its end."""
    stack = traceback.extract_stack()
    while stack and stack[-1].filename.startswith(_PACKAGE_DIR):
        stack.pop()
    return traceback.format_list(stack)


def _anomaly_warning(node):
    """PyTorch's warning naming the node that failed and the forward call that made it."""
    if node._trace:
        import warnings
        warnings.warn(f"Error detected in {node.name()}. Traceback of forward call that caused "
                      "the error:\n" + "".join(node._trace), stacklevel=2)


_PACKAGE_DIR = __file__.rsplit("/autograd/", 1)[0] + "/"


def gradient_edge(t):
    """The edge a gradient for tensor ``t`` flows along: its grad_fn or its accumulator."""
    if t is None:
        return _NO_EDGE
    if t._base is not None:
        t._view_requires_grad()  # a view changed in place gets its new history first
    if not t._rg:
        return _NO_EDGE
    fn = t._grad_fn
    if fn is not None:
        return (fn, t._output_nr)
    acc = t._acc
    if acc is not None:
        acc = acc()
    if acc is None:
        acc = AccumulateGrad(t)
        t._acc = weakref.ref(acc)
    return (acc, 0)


class AccumulateGrad(Node):
    """Sums incoming gradients into a leaf tensor's ``.grad``."""

    def __init__(self, variable):
        self.variable = variable
        self.next_functions = ()
        self._meta = ((variable._data.shape, variable._data.dtype, variable._device),)
        self._seq = _LAST + next(_seq)  # accumulate as soon as ready, as PyTorch does
        self._saved = None

    def name(self):
        return "torch::autograd::AccumulateGrad"

    def backward(self, grad):
        var = self.variable
        if var._hooks:
            grad = _run_tensor_hooks(var._hooks, grad)
        old = var._grad
        if grad_mode.state.enabled:  # create_graph: keep the graph of the gradient
            # a copy (CopyBackwards, as PyTorch's clone_obey_contract) so .grad never aliases
            var._grad = grad.new_empty(grad.shape).copy_(grad) if old is None else old + grad
        elif old is None:
            # Keep the gradient's memory only when nothing else can see it (PyTorch's
            # use_count == 1 rule): an array referenced from elsewhere, a view, or an
            # expanded (read-only) array is copied, so .grad never aliases another tensor.
            # (getrefcount sees the Tensor's own reference and its argument: 2 when unshared.)
            if (not _REFCOUNTS_EXACT or sys.getrefcount(grad._data) > 2
                    or _not_plain(grad._data)):
                grad = _copy_like(grad, var._data)
            var._grad = grad.detach()
        else:
            old.add_(grad)  # in place, even into a .grad with history (as PyTorch does)
        return ()


def _copy_like(grad, like):
    """A fresh copy of ``grad`` laid out as the leaf's array (PyTorch's layout contract:
    a leaf's .grad has the leaf's strides)."""
    out = grad._alias()
    out._data = grad._data.copy(order="F" if like.flags.f_contiguous and
                                not like.flags.c_contiguous else "C")
    out._vc = [0]
    return out


def _not_plain(arr):
    """An array that is a view, read-only (expanded) or not C-contiguous."""
    return arr.base is not None or not arr.flags.writeable or not arr.flags.c_contiguous


# -- running it ------------------------------------------------------------------------------
def _from_np(np_dtype):
    from .._dtype import from_np
    return from_np[np_dtype]


def _validate(node, grads):
    """Fit each input gradient to its input: sum broadcast dims, cast dtype (engine's job)."""
    if node._meta is None:  # made by record_binary from same-shaped operands
        return grads
    out = list(grads)
    for i, (g, meta) in enumerate(zip(grads, node._meta)):
        if g is not None and meta is not None:
            if g._data.shape != meta[0]:
                if not _expandable(meta[0], g._data.shape):
                    raise RuntimeError(
                        f"Function {node.name()} returned an invalid gradient at index {i} - got "
                        f"{list(g._data.shape)} but expected shape compatible with "
                        f"{list(meta[0])}")
                g = g.sum_to_size(meta[0])
            if g._data.dtype != meta[1]:
                g = g.to(_from_np(meta[1]))
            if _anomaly[0] and _anomaly[1] and g.isnan().any().item():
                _anomaly_warning(node)
                raise RuntimeError(f"Function '{node.name()}' returned nan values in its "
                                   f"{i}th output.")
            out[i] = g
    return out


def _expandable(shape, to):
    """Whether ``shape`` broadcasts to ``to`` (a gradient of that shape can be summed back)."""
    if len(shape) > len(to):
        return False
    return all(a == b or a == 1 for a, b in zip(reversed(shape), reversed(to)))


def _call_node(node, grads):
    """Run a node's hooks and backward on its output gradients; return input gradients."""
    if node._tensor_pre_hooks or node._retain_grad_hooks:
        grads = _tensor_hooks(node, list(grads))
    if node._pre_hooks:
        for hook in list(node._pre_hooks.values()):
            new = hook(tuple(grads))
            if new is not None:
                grads = list(_check_hook_values(hook, grads, new))
        grads = [_unseen(g) for g in grads]
    for g in grads:
        if g is not None:
            break
    else:
        return None
    try:
        result = node.backward(*grads)
    except Exception:
        if _anomaly[0]:
            _anomaly_warning(node)
        raise
    if type(result) is not tuple:
        result = (result,)
    if len(result) != len(node.next_functions):
        _check_count(node, result)
    if node._hooks:
        for hook in list(node._hooks.values()):
            new = hook(result, tuple(grads))
            if new is not None:
                result = _check_hook_values(hook, result, new)
        result = tuple([_unseen(g) for g in result])
    return result


def _check_count(node, result):
    raise RuntimeError(f"function {node.name()} returned an incorrect number of gradients "
                       f"(expected {len(node.next_functions)}, got {len(result)})")


def run_backward(roots, grad_roots, retain_graph, create_graph, inputs=None,
                 allow_unused=False, accumulate=False):
    """Run the graph from ``roots``; accumulate into leaves, or return grads of ``inputs``.

    With ``inputs``, only nodes on a path to an input run (PyTorch's exec_info); with
    ``accumulate`` (``backward(inputs=)``) the inputs' own nodes run too, so leaves accumulate
    through their AccumulateGrad. An input whose node does not run gets its gradient after its
    tensor hooks; one whose node runs, before them (as PyTorch captures it)."""
    root_edges = []
    for i, t in enumerate(roots):
        edge = gradient_edge(t)
        if edge[0] is None:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not "
                               "have a grad_fn")
        root_edges.append(edge)
    # Each reachable node's state, one list: [edges still to come, gradient buffer of
    # output 0, of output 1, ...] (one dict look-up per edge while running). Roots come
    # first, so roots sharing a node (outputs of one op) are walked once.
    state = {e[0]: _new_state(e[0], 0) for e in root_edges}
    stack = list(state)
    while stack:
        for nxt, _ in stack.pop().next_functions:
            if nxt is not None:
                st = state.get(nxt)
                if st is None:  # first visit: walk on from it
                    state[nxt] = ([1, None] if nxt.num_outputs == 1 else
                                  [1] + [None] * nxt.num_outputs)  # (_new_state inline)
                    stack.append(nxt)
                else:
                    st[0] += 1
    captures = needed = None
    if inputs is not None:
        captures = {}
        for i, t in enumerate(inputs):
            edge = gradient_edge(t)
            if edge[0] is None:
                raise RuntimeError("One of the differentiated Tensors does not require grad")
            captures.setdefault(edge[0], []).append((edge[1], i))
        needed = _needed_nodes(state, captures, accumulate)
    heap = [(-node._seq, node) for node in {e[0] for e in root_edges}
            if state[node][0] == 0]  # roots no other root leads to
    heapq.heapify(heap)
    for (node, nr), g, t in zip(root_edges, grad_roots, roots):
        if g._data.dtype != t._data.dtype:  # the engine casts a root's gradient to its dtype
            g = g.to(t.dtype)
        # the caller keeps its tensor (an alias makes AccumulateGrad copy it); a graph of the
        # backward keeps the gradient's own history, so grads w.r.t. grad_outputs work
        _accumulate(state[node], nr + 1, g if create_graph else g._alias(), True)
    results = [None] * len(inputs) if inputs is not None else None
    pop, push, pushpop = heapq.heappop, heapq.heappush, heapq.heappushpop
    prev = grad_mode.state.enabled
    grad_mode.state.enabled = bool(create_graph)
    callbacks = []
    _final_callbacks.append(callbacks)
    node = pop(heap)[1] if heap else None
    try:
        while node is not None:
            st = state.pop(node)
            if captures is not None:
                grads = st[1:]
                run = node in needed
                cap = captures.get(node)
                if cap is not None:
                    if not run:
                        grads = _capture_hooks(node, grads)
                    for nr, i in cap:
                        results[i] = grads[nr]
                out = _call_node(node, grads) if run else None
                del grads
            elif not node._has_hooks and len(st) == 2 and st[1] is not None:
                # _call_node's work for the common node: no hooks, one output gradient
                try:
                    out = node.backward(st[1])
                except Exception:
                    if _anomaly[0]:
                        _anomaly_warning(node)
                    raise
                if type(out) is not tuple:
                    out = (out,)
                if len(out) != len(node.next_functions):
                    _check_count(node, out)
            else:
                out = _call_node(node, st[1:])
            del st
            if not retain_graph and node._saved is not None and (
                    captures is None or node in needed):  # a node that ran frees its buffers
                node._saved = _FREED
            if out is None:
                out = _NONES
            elif node._meta is not None:
                out = _validate(node, out)
            # The ready node with the highest sequence number runs next. Along a chain that
            # is the one node this one made ready, passed on without going through the heap.
            ready = None
            for (nxt, nr), g in zip(node.next_functions, out):
                if nxt is not None:
                    st = state[nxt]
                    if g is not None:
                        if st[nr + 1] is None:
                            st[nr + 1] = g
                        else:
                            _accumulate(st, nr + 1, g, create_graph)
                    if st[0] == 1:
                        if ready is None:
                            ready = nxt
                        else:
                            push(heap, (-nxt._seq, nxt))
                    else:
                        st[0] -= 1
            out = g = st = None  # (drop references: _accumulate counts them)
            if ready is None:
                node = pop(heap)[1] if heap else None
            else:
                node = pushpop(heap, (-ready._seq, ready))[1] if heap else ready
        i = 0
        while i < len(callbacks):  # queue_callback's, in order (one may queue another)
            callbacks[i]()
            i += 1
    finally:
        grad_mode.state.enabled = prev
        _final_callbacks.pop()
    if inputs is not None:
        for i, g in enumerate(results):
            if g is None and not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used in "
                    "the graph. Set allow_unused=True if this is the desired behavior.")
        return tuple(results)
    return None


_final_callbacks = []  # per running backward pass (innermost last): its queued callbacks


def queue_callback(callback):
    """Run ``callback()`` when the current backward pass has finished running the graph
    (PyTorch's ``Variable._execution_engine.queue_callback``; DistributedDataParallel waits
    for its gradient reductions there)."""
    if not _final_callbacks:
        raise RuntimeError("Final callbacks can only be installed during backward pass.")
    _final_callbacks[-1].append(callback)


class _Nones:
    """An endless run of None: the gradients of a node that did not run."""

    def __iter__(self):
        return itertools.repeat(None)


_NONES = _Nones()


def _new_state(node, deps):
    """A node's engine state: its count of edges still to come and its gradient buffers."""
    return [deps, None] if node.num_outputs == 1 else [deps] + [None] * node.num_outputs


def _accumulate(st, i, g, create_graph):
    """Add gradient ``g`` into buffer ``st[i]`` of a node's state.

    The sum goes into the buffered tensor's memory when nothing but its buffer sees it
    (PyTorch's use_count rule for in-place accumulation): no other reference to the tensor
    or its array, and an array owning writeable memory. (getrefcount counts the buffer,
    ``old`` and its own argument for the tensor; ``old``'s slot, ``d`` and its argument for
    the array.)
    """
    old = st[i]
    if old is None:
        st[i] = g
        return
    if create_graph:
        st[i] = old + g  # differentiable: the sum is part of the recorded graph
        return
    d = old._data
    if d.shape != g._data.shape or d.dtype != g._data.dtype or old._device is not g._device:
        st[i] = old + g
    elif (_REFCOUNTS_EXACT and sys.getrefcount(old) <= 3 and sys.getrefcount(d) <= 3
          and d.base is None and d.flags.writeable):
        d += g._data
    else:  # a new tensor of the sum (an alias given memory and a version counter of its own)
        st[i] = new = old._alias()
        new._data, new._vc = d + g._data, [0]


def _needed_nodes(nodes, captures, accumulate):
    """Nodes that must run: those with an edge to a needed or captured node, and with
    ``accumulate`` the captured nodes themselves (PyTorch's ``needed_``)."""
    needed = set()
    # A node is made after the nodes of its inputs, so ascending sequence numbers visit
    # every node after all of its children (accumulators have none).
    for node in sorted(nodes, key=lambda n: -1 if type(n) is AccumulateGrad else n._seq):
        if (accumulate and node in captures) or any(
                n in needed or n in captures for n, _ in node.next_functions):
            needed.add(node)
    return needed


def _capture_hooks(node, grads):
    """The tensor hooks of a captured node that does not run, applied to its gradients."""
    if type(node) is AccumulateGrad:
        hooks = node.variable._hooks
        if hooks and grads[0] is not None:
            grads = [_run_tensor_hooks(hooks, grads[0])]
        return grads
    if node._tensor_pre_hooks or node._retain_grad_hooks:
        grads = _tensor_hooks(node, list(grads))
    return grads


def _tensor_hooks(node, grads):
    """Run the hooks of a node's output tensors (register_hook, then retain_grad)."""
    if node._tensor_pre_hooks:
        for nr, hooks in node._tensor_pre_hooks.items():
            if grads[nr] is not None:
                grads[nr] = _run_tensor_hooks(hooks, grads[nr])
    if node._retain_grad_hooks:
        for nr, fn in node._retain_grad_hooks.items():
            if grads[nr] is not None:
                fn(grads[nr])
    return grads


def _run_tensor_hooks(hooks, grad):
    """Apply a tensor's gradient hooks in order; each may return a replacement."""
    for hook in list(hooks.values()):
        new = hook(grad)
        if new is not None:
            grad = _check_hook_result(hook, grad, new)
    return _unseen(grad)


def _unseen(grad):
    """The gradient a hook saw, as a new alias: if the hook kept the tensor, its memory now
    has two owners and AccumulateGrad copies instead of adopting it (PyTorch's use_count)."""
    if grad is None or grad_mode.state.enabled:  # create_graph: AccumulateGrad copies anyway
        return grad
    return grad._alias()


def _hook_name(hook):
    return getattr(hook, "__name__", "<unknown>")


def _check_hook_result(hook, old, new):
    """PyTorch's rule: a hook may change a gradient's values, not its type or size."""
    from .._tensor import Tensor
    if not isinstance(new, Tensor):
        raise TypeError(f"expected Variable, but hook returned '{type(new).__name__}'")
    if old is None:
        raise RuntimeError("can't replace a None gradient with a non-None value")
    if new._data.dtype != old._data.dtype or new._device != old._device:
        raise RuntimeError(f"hook '{_hook_name(hook)}' has changed the type of value (was "
                           f"{old.type()} got {new.type()})")
    if new._data.shape != old._data.shape:
        raise RuntimeError(f"hook '{_hook_name(hook)}' has changed the size of value")
    return new


def _check_hook_values(hook, old, new):
    """A node hook's returned gradients: as many as before, each checked."""
    new = tuple(new)
    if len(new) != len(old):
        raise RuntimeError(f"hook '{_hook_name(hook)}' has returned an incorrect number of "
                           f"values (got {len(new)}, but expected {len(old)})")
    return tuple(n if n is None else _check_hook_result(hook, o, n) for o, n in zip(old, new))
