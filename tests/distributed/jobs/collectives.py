"""Rank program: every collective and ReduceOp against a NumPy reference.

Run by tests/distributed/test_collectives.py under ``torcia-run --nproc-per-node 2``. Every
rank can make every rank's input (seeded by rank and case number), so each computes the
expected result with NumPy on its own. Failures are collected and printed; the exit code is
non-zero when any check failed.
"""

import itertools
import sys
import traceback

import ml_dtypes
import numpy as np

import torcia as torch
import torcia.distributed as dist

dist.init_process_group("mpi")
RANK, WORLD = dist.get_rank(), dist.get_world_size()
R = dist.ReduceOp

DTYPES = {"float32": np.float32, "float64": np.float64, "float16": np.float16,
          "bfloat16": ml_dtypes.bfloat16, "int8": np.int8, "uint8": np.uint8,
          "int32": np.int32, "int64": np.int64, "bool": np.bool_, "complex64": np.complex64}
SHAPES = [(), (5,), (3, 4), (2, 3, 4)]
failures = []
passed = [0]
case = itertools.count()


def make(r, key, shape, dt):
    """Rank r's input for case ``key``: small values, exact in every dtype."""
    rng = np.random.default_rng([r, key])
    dt = np.dtype(dt)
    if dt == np.bool_:
        return rng.integers(0, 2, shape).astype(bool)
    if dt.kind == "c":
        return ((rng.integers(-3, 4, shape) + 1j * rng.integers(-3, 4, shape)) / 2).astype(dt)
    if dt.kind == "u":
        return rng.integers(1, 4, shape).astype(dt)
    if dt.kind == "i":
        return rng.integers(-4, 5, shape).astype(dt)
    return (rng.integers(-6, 7, shape) / 2).astype(dt)


def tensor(arr):
    return torch.from_numpy(np.array(arr, copy=True))


def values(t):
    a = t.numpy() if isinstance(t, torch.Tensor) else t
    return a.astype(np.float32) if a.dtype == ml_dtypes.bfloat16 else a


def same(t, expected, what):
    got, exp = values(t), values(np.asarray(expected))
    assert got.dtype == exp.dtype, f"{what}: dtype {got.dtype} != {exp.dtype}"
    assert got.shape == exp.shape, f"{what}: shape {got.shape} != {exp.shape}"
    assert np.array_equal(got, exp), f"{what}:\n{got}\nexpected\n{exp}"


def reference(op, xs):
    """NumPy's reduction of the ranks' arrays ``xs`` for ReduceOp ``op``."""
    dt = xs[0].dtype
    if dt == np.bool_:
        fn = {R.SUM: np.logical_or, R.MAX: np.logical_or, R.PRODUCT: np.logical_and,
              R.MIN: np.logical_and}[op]
        out = xs[0]
        for x in xs[1:]:
            out = fn(out, x)
        return out
    wide = [x.astype(np.float64) if dt.kind == "f" or dt == ml_dtypes.bfloat16 else x
            for x in xs]
    fn = {R.SUM: np.add, R.AVG: np.add, R.PRODUCT: np.multiply, R.MIN: np.minimum,
          R.MAX: np.maximum, R.BAND: np.bitwise_and, R.BOR: np.bitwise_or,
          R.BXOR: np.bitwise_xor}[op]
    out = wide[0]
    for x in wide[1:]:
        out = fn(out, x)
    if op == R.AVG:
        out = np.trunc(out / len(xs)) if dt.kind in "iu" else out / len(xs)
    return np.asarray(out).astype(dt)


def check(name, fn):
    try:
        fn()
        passed[0] += 1
    except Exception:  # noqa: BLE001 - collected and reported at the end
        failures.append(f"{name}:\n{traceback.format_exc()}")


def ops_for(dt):
    dt = np.dtype(dt)
    if dt == np.bool_:
        return [R.SUM, R.PRODUCT, R.MIN, R.MAX]
    ops = [R.SUM, R.AVG, R.PRODUCT]
    if dt.kind != "c":
        ops += [R.MIN, R.MAX]
    if dt.kind in "iu":
        ops += [R.BAND, R.BOR, R.BXOR]
    return ops


# -- all_reduce, reduce ----------------------------------------------------------------------
for (name, dt), shape in itertools.product(DTYPES.items(), SHAPES):
    for op in ops_for(dt):
        key = next(case)
        xs = [make(r, key, shape, dt) for r in range(WORLD)]
        exp = reference(op, xs)

        def all_reduce(xs=xs, exp=exp, op=op, async_op=key % 2 == 1):
            t = tensor(xs[RANK])
            v = t._version
            w = dist.all_reduce(t, op=op, async_op=async_op)
            if async_op:
                assert w.wait() is True and w.is_completed()
                assert w.result()[0] is t
            else:
                assert w is None
            assert t._version > v, "an in-place collective bumps the version"
            same(t, exp, "all_reduce")
        check(f"all_reduce {name} {shape} {op}", all_reduce)

        def reduce(xs=xs, exp=exp, op=op, dst=key % WORLD):
            t = tensor(xs[RANK])
            dist.reduce(t, dst=dst, op=op)
            same(t, exp if RANK == dst else xs[RANK], "reduce")
        check(f"reduce {name} {shape} {op}", reduce)


def noncontiguous():
    key = next(case)
    xs = [make(r, key, (4, 6), np.float32) for r in range(WORLD)]
    base = tensor(xs[RANK])
    view = base[:, ::2]
    dist.all_reduce(view)
    exp = xs[RANK].copy()
    exp[:, ::2] = sum(x[:, ::2] for x in xs)
    same(base, exp, "non-contiguous all_reduce writes through the view")


check("all_reduce non-contiguous", noncontiguous)

# -- broadcast, gathers, scatters --------------------------------------------------------------
for (name, dt), shape in itertools.product(DTYPES.items(), SHAPES):
    key = next(case)
    xs = [make(r, key, shape, dt) for r in range(WORLD)]
    src = key % WORLD

    def broadcast(xs=xs, src=src, async_op=key % 3 == 0):
        t = tensor(xs[RANK])
        w = dist.broadcast(t, src=src, async_op=async_op)
        if async_op:
            w.wait()
        same(t, xs[src], "broadcast")
    check(f"broadcast {name} {shape}", broadcast)

    def all_gather(xs=xs, dt=dt, shape=shape, async_op=key % 2 == 0):
        out = [torch.from_numpy(np.zeros(shape, dt)) for _ in range(WORLD)]
        w = dist.all_gather(out, tensor(xs[RANK]), async_op=async_op)
        if async_op:
            w.wait()
        for r in range(WORLD):
            same(out[r], xs[r], f"all_gather[{r}]")
    check(f"all_gather {name} {shape}", all_gather)

    def all_gather_into_tensor(xs=xs, dt=dt, shape=shape):
        cat = torch.from_numpy(np.zeros((WORLD * (shape[0] if shape else 1),) + shape[1:], dt))
        dist.all_gather_into_tensor(cat, tensor(xs[RANK]))
        same(cat, np.concatenate([np.atleast_1d(x) for x in xs]), "concatenated")
        stacked = torch.from_numpy(np.zeros((WORLD,) + shape, dt))
        dist.all_gather_into_tensor(stacked, tensor(xs[RANK]))
        same(stacked, np.stack(xs), "stacked")
    check(f"all_gather_into_tensor {name} {shape}", all_gather_into_tensor)

    def gather(xs=xs, dt=dt, shape=shape, dst=(key + 1) % WORLD):
        out = [torch.from_numpy(np.zeros(shape, dt)) for _ in range(WORLD)]
        dist.gather(tensor(xs[RANK]), out if RANK == dst else None, dst=dst)
        if RANK == dst:
            for r in range(WORLD):
                same(out[r], xs[r], f"gather[{r}]")
    check(f"gather {name} {shape}", gather)

    def scatter(dt=dt, shape=shape, src=src, key=key):
        parts = [make(100 + r, key, shape, dt) for r in range(WORLD)]
        t = torch.from_numpy(np.zeros(shape, dt))
        dist.scatter(t, [tensor(p) for p in parts] if RANK == src else None, src=src)
        same(t, parts[RANK], "scatter")
    check(f"scatter {name} {shape}", scatter)

    for op in ops_for(dt):
        def reduce_scatter(dt=dt, shape=shape, op=op, key=key):
            ins = [[make(r, key * 100 + j, shape, dt) for j in range(WORLD)]
                   for r in range(WORLD)]
            out = torch.from_numpy(np.zeros(shape, dt))
            dist.reduce_scatter(out, [tensor(a) for a in ins[RANK]], op=op)
            same(out, reference(op, [ins[r][RANK] for r in range(WORLD)]), "reduce_scatter")
        check(f"reduce_scatter {name} {shape} {op}", reduce_scatter)

        def reduce_scatter_tensor(dt=dt, shape=shape, op=op, key=key):
            n = 3
            ins = [make(r, key * 7 + 1, (WORLD * n,) + shape, dt) for r in range(WORLD)]
            out = torch.from_numpy(np.zeros((n,) + shape, dt))
            dist.reduce_scatter_tensor(out, tensor(ins[RANK]), op=op)
            exp = reference(op, [x[RANK * n:(RANK + 1) * n] for x in ins])
            same(out, exp, "reduce_scatter_tensor")
        check(f"reduce_scatter_tensor {name} {shape} {op}", reduce_scatter_tensor)

    def all_to_all(dt=dt, key=key):
        # rank r sends r + s + 1 rows of width 2 to rank s: sizes differ between pairs
        ins = {(r, s): make(r * 10 + s, key, (r + s + 1, 2), dt)
               for r in range(WORLD) for s in range(WORLD)}
        out = [torch.from_numpy(np.zeros((s + RANK + 1, 2), dt)) for s in range(WORLD)]
        dist.all_to_all(out, [tensor(ins[RANK, s]) for s in range(WORLD)])
        for s in range(WORLD):
            same(out[s], ins[s, RANK], f"all_to_all from {s}")
    check(f"all_to_all {name}", all_to_all)

    def all_to_all_single(dt=dt, key=key):
        ins = [make(r, key, (WORLD * 2, 3), dt) for r in range(WORLD)]
        out = torch.from_numpy(np.zeros((WORLD * 2, 3), dt))
        dist.all_to_all_single(out, tensor(ins[RANK]))
        same(out, np.concatenate([x[RANK * 2:RANK * 2 + 2] for x in ins]), "equal splits")
        # uneven: rank r sends s + 1 rows to rank s
        ins = [make(r, key + 1, (sum(s + 1 for s in range(WORLD)), 3), dt) for r in range(WORLD)]
        out = torch.from_numpy(np.zeros((WORLD * (RANK + 1), 3), dt))
        dist.all_to_all_single(out, tensor(ins[RANK]), output_split_sizes=[RANK + 1] * WORLD,
                               input_split_sizes=[s + 1 for s in range(WORLD)])
        start = sum(s + 1 for s in range(RANK))
        same(out, np.concatenate([x[start:start + RANK + 1] for x in ins]), "uneven splits")
    check(f"all_to_all_single {name}", all_to_all_single)


# -- point to point --------------------------------------------------------------------------
def p2p():
    for name, dt in DTYPES.items():
        key = next(case)
        xs = [make(r, key, (3, 2), dt) for r in range(WORLD)]
        nxt, prev = (RANK + 1) % WORLD, (RANK - 1) % WORLD
        t = torch.from_numpy(np.zeros((3, 2), dt))
        if RANK % 2 == 0:
            dist.send(tensor(xs[RANK]), dst=nxt, tag=7)
            assert dist.recv(t, src=prev, tag=7) == prev
        else:
            assert dist.recv(t, tag=7) == prev  # any source: returns the sender
            dist.send(tensor(xs[RANK]), dst=nxt, tag=7)
        same(t, xs[prev], f"send/recv {name}")
        t = torch.from_numpy(np.zeros((3, 2), dt))
        reqs = [dist.isend(tensor(xs[RANK]), dst=nxt), dist.irecv(t, src=prev)]
        for w in reqs:
            w.wait()
        assert reqs[1].source_rank() == prev
        same(t, xs[prev], f"isend/irecv {name}")
        t = torch.from_numpy(np.zeros((3, 2), dt))
        ops = [dist.P2POp(dist.irecv, t, prev, tag=3), dist.P2POp(dist.isend, tensor(xs[RANK]),
                                                                  nxt, tag=3)]
        for w in dist.batch_isend_irecv(ops):
            w.wait()
        same(t, xs[prev], f"batch_isend_irecv {name}")


check("send/recv isend/irecv", p2p)


def errors():
    t = torch.zeros(3)
    for fn, exc, text in [
            (lambda: dist.broadcast(t, src=WORLD + 3), ValueError, "not part of group"),
            (lambda: dist.broadcast(t), ValueError, "Must specify global_rank or group_rank"),
            (lambda: dist.all_reduce([t]), TypeError, "Expected parameter `tensor`"),
            (lambda: dist.all_gather([t], t), RuntimeError, "invalid output tensor list"),
            (lambda: dist.send(t, dst=RANK), ValueError, "should not be the same"),
            (lambda: dist.init_process_group("mpi"), ValueError, "twice"),
            (lambda: dist.all_reduce(torch.zeros(2, dtype=torch.complex64), op=R.MAX),
             ValueError, "complex"),
            (lambda: dist.all_reduce(t, op=R.BAND), ValueError, "integer")]:
        try:
            fn()
        except exc as e:
            assert text in str(e), f"{text!r} not in {e}"
        else:
            raise AssertionError(f"no {exc.__name__} ({text})")


check("errors", errors)


def groups():
    assert dist.is_initialized() and dist.get_backend() == "mpi"
    assert dist.group.WORLD is dist.GroupMember.WORLD is not None
    g = dist.new_group(list(range(WORLD)))
    assert dist.get_rank(g) == RANK and dist.get_world_size(g) == WORLD
    assert dist.get_process_group_ranks(g) == list(range(WORLD))
    t = torch.tensor([float(RANK + 1)])
    dist.all_reduce(t, group=g)
    same(t, np.array([WORLD * (WORLD + 1) / 2], np.float32), "all_reduce in a new group")
    last = dist.new_group([WORLD - 1])  # every rank calls new_group
    if RANK == WORLD - 1:
        assert dist.get_world_size(last) == 1 and dist.get_rank(last) == 0
        assert dist.get_global_rank(last, 0) == WORLD - 1
        t = torch.tensor([5.0])
        dist.broadcast(t, src=WORLD - 1, group=last)
        same(t, np.array([5.0], np.float32), "broadcast in a one-rank group")
    else:
        assert last is dist.GroupMember.NON_GROUP_MEMBER
        assert dist.get_rank(last) == -1
    dist.destroy_process_group(g)
    objs = [None] * WORLD
    dist.all_gather_object(objs, {"rank": RANK})
    assert objs == [{"rank": r} for r in range(WORLD)]
    lst = [RANK, "x"] if RANK == 0 else [None, None]
    dist.broadcast_object_list(lst, src=0)
    assert lst == [0, "x"]
    w = dist.barrier(async_op=True)
    w.wait()
    dist.barrier()
    dist.monitored_barrier()


check("groups and objects", groups)

print(f"[rank{RANK}] collectives: {passed[0]} checks passed, {len(failures)} failed", flush=True)
for f in failures[:10]:
    print(f"[rank{RANK}] FAIL {f}", file=sys.stderr)
dist.destroy_process_group()
assert not dist.is_initialized()
sys.exit(1 if failures else 0)
