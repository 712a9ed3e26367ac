"""MPI plumbing under torcia.distributed: mpi4py, dtypes and ops, and the failure machinery.

mpi4py (MPI itself) is imported on first use, so ``import torcia`` never starts MPI.

# Note [Failures end the job]
An MPI job in which one rank dies or hangs leaves the others blocked in a collective forever,
and MPI_Finalize at a normal exit waits for every rank. torcia turns each case into a prompt,
non-zero end of the whole job that names the rank:

- a rank that raises prints its traceback (lines prefixed ``[rankN]:``, as torchrun does),
  writes an error file for the launcher, and calls MPI_Abort (``report_failure``);
- every wait on MPI (a blocking collective, ``Work.wait``, the exit barrier) is watched: a
  daemon thread aborts the job when one lasts longer than the process group's timeout, naming
  the ranks that have not reached the call. Ranks on one machine read each other's progress
  from a small MPI shared-memory window (``_Slots``): per rank, the number of calls it has
  entered, whether it is waiting in one, and whether its script has finished.
- a rank killed by a signal is seen by mpiexec, which ends the others; the launcher maps the
  pid it reports to the rank.
"""

import datetime
import json
import os
import socket
import sys
import threading
import time
import traceback

import numpy as np

_MPI = None


def mpi():
    """The mpi4py.MPI module (initialising MPI on first call)."""
    global _MPI
    if _MPI is None:
        try:
            import mpi4py
        except ImportError:
            raise RuntimeError(
                "torcia.distributed's 'mpi' backend needs mpi4py and an MPI library: "
                "pip install 'torcia[distributed]' (or: pip install mpi4py mpich)") from None
        mpi4py.rc.thread_level = "multiple"  # the watchdog thread may call MPI_Abort
        from mpi4py import MPI
        _MPI = MPI
    return _MPI


def available():
    import importlib.util
    return importlib.util.find_spec("mpi4py") is not None


# -- dtypes and reduction ops -----------------------------------------------------------------
_BF16 = None


def _bf16():
    global _BF16
    if _BF16 is None:
        import ml_dtypes
        _BF16 = np.dtype(ml_dtypes.bfloat16)
    return _BF16


def buffer(arr):
    """``[memory, MPI datatype]`` for a C-contiguous array (the buffer API; no pickling).

    float16 uses MPI's FLOAT16_T where the library has it (MPICH does); bfloat16, which MPI
    lacks, travels as 2-byte words reduced by the user-defined ops of ``reduce_op``.
    """
    MPI = mpi()
    dt = arr.dtype
    if dt == _bf16() or (dt == np.float16 and MPI.FLOAT16_T == MPI.DATATYPE_NULL):
        return [arr.view(np.uint16), MPI.UINT16_T]
    if dt == np.float16:
        return [arr.view(np.uint16), MPI.FLOAT16_T]
    return [arr, _types()[dt]]


_TYPES = None


def _types():
    """numpy dtype -> MPI's predefined datatype (reductions are defined only on those)."""
    global _TYPES
    if _TYPES is None:
        MPI = mpi()
        _TYPES = {np.dtype(k): v for k, v in (
            (np.float32, MPI.FLOAT), (np.float64, MPI.DOUBLE), (np.int8, MPI.INT8_T),
            (np.int16, MPI.INT16_T), (np.int32, MPI.INT32_T), (np.int64, MPI.INT64_T),
            (np.uint8, MPI.UINT8_T), (np.uint16, MPI.UINT16_T), (np.uint32, MPI.UINT32_T),
            (np.uint64, MPI.UINT64_T), (np.bool_, MPI.C_BOOL),
            (np.complex64, MPI.C_FLOAT_COMPLEX), (np.complex128, MPI.C_DOUBLE_COMPLEX))}
    return _TYPES


_half_ops = {}


def _half_op(name, dt):
    """A user-defined MPI op for a 2-byte float type: each pairwise step computed in float32
    and rounded once to ``dt``, which is what native half arithmetic gives."""
    key = (name, dt)
    op = _half_ops.get(key)
    if op is None:
        fn = {"SUM": np.add, "PRODUCT": np.multiply, "MIN": np.minimum, "MAX": np.maximum}[name]

        def reduce(inbuf, inoutbuf, datatype):
            a = np.frombuffer(inbuf, dt)
            b = np.frombuffer(inoutbuf, dt)
            b[...] = fn(a.astype(np.float32), b.astype(np.float32)).astype(dt)

        op = _half_ops[key] = mpi().Op.Create(reduce, commute=True)
    return op


def reduce_op(name, dt):
    """The MPI op for ReduceOp ``name`` (AVG reduces with SUM, then divides) on dtype ``dt``."""
    MPI = mpi()
    if name == "AVG":
        name = "SUM"
    if dt == np.bool_:  # bools: sum/max are logical or, product/min logical and
        name = {"SUM": "BOR", "MAX": "BOR", "PRODUCT": "BAND", "MIN": "BAND"}.get(name, name)
        return {"BOR": MPI.LOR, "BAND": MPI.LAND, "BXOR": MPI.LXOR}[name]
    half = dt == _bf16() or (dt == np.float16 and MPI.FLOAT16_T == MPI.DATATYPE_NULL)
    if name in ("BAND", "BOR", "BXOR") and dt.kind not in "iu":
        raise ValueError(f"ReduceOp.{name} needs an integer or bool tensor, got {dt}")
    if name in ("MIN", "MAX") and dt.kind == "c":
        raise ValueError(f"ReduceOp.{name} is not defined for complex tensors")
    if half and name in ("SUM", "PRODUCT", "MIN", "MAX"):
        return _half_op(name, dt)
    return {"SUM": MPI.SUM, "PRODUCT": MPI.PROD, "MIN": MPI.MIN, "MAX": MPI.MAX,
            "BAND": MPI.BAND, "BOR": MPI.BOR, "BXOR": MPI.BXOR}[name]


def divide(arr, n):
    """``arr /= n`` in place for ReduceOp.AVG; integers round toward zero (as NCCL's avg)."""
    if arr.dtype.kind == "u":
        arr //= n
    elif arr.dtype.kind == "i":
        arr[...] = np.where(arr < 0, -(-arr // n), arr // n)
    elif arr.dtype == np.bool_:
        pass  # a logical or is its own average
    else:
        arr /= arr.dtype.type(n)


# -- where this rank is: the shared progress slots ---------------------------------------------
SEQ, BUSY, STATE = 0, 1, 2  # slot fields: calls entered, waiting now (seq+1 or 0), state
RUNNING, FINISHED = 0, 1


class _Slots:
    """One small int64 record per rank, shared by the ranks on a machine (see Note above)."""

    def __init__(self, world):
        MPI = mpi()
        self.node = world.Split_type(MPI.COMM_TYPE_SHARED)
        self.win = MPI.Win.Allocate_shared(4 * 8, 8, comm=self.node)
        ranks = np.zeros(self.node.size, np.int64)
        self.node.Allgather([np.array([world.rank], np.int64), MPI.INT64_T],
                            [ranks, MPI.INT64_T])
        self.peers = {}
        for i, r in enumerate(ranks.tolist()):
            mem, _ = self.win.Shared_query(i)
            self.peers[r] = np.frombuffer(mem, np.int64, 4)
        self.mine = self.peers[world.rank]
        self.mine[:] = 0
        self.node.Barrier()


# -- the watchdog ----------------------------------------------------------------------------
class _State:
    world = None  # MPI.COMM_WORLD once set up
    slots = None
    seq = 0  # calls this rank has entered
    current = None  # (what, start, timeout seconds, seq, peer or None) while waiting
    thread = None
    failing = False
    default_timeout = None
    exit_timeout = None  # the default group's timeout, when init_process_group was given one


state = _State()
DEFAULT_TIMEOUT = 1800.0  # PyTorch's default process group timeout: 30 minutes


def env_timeout():
    """Seconds from ``TORCIA_RUN_TIMEOUT`` (set by ``torcia-run --timeout``), else None."""
    v = os.environ.get("TORCIA_RUN_TIMEOUT")
    return float(v) if v else None


def seconds(timeout):
    if timeout is None:
        return None
    if isinstance(timeout, datetime.timedelta):
        return timeout.total_seconds()
    return float(timeout)


def setup(abort_on_exception=True):
    """Once per process: shared slots, the watchdog thread and (for >1 rank) the excepthook."""
    if state.world is not None:
        return state.world
    MPI = mpi()
    world = MPI.COMM_WORLD
    state.world = world
    if state.default_timeout is None:
        state.default_timeout = env_timeout() or DEFAULT_TIMEOUT
    state.slots = _Slots(world)
    state.thread = threading.Thread(target=_watchdog, name="torcia-distributed-watchdog",
                                    daemon=True)
    state.thread.start()
    if abort_on_exception and world.size > 1 and sys.excepthook is sys.__excepthook__:
        sys.excepthook = _excepthook
    return world


def next_seq():
    state.seq += 1
    if state.slots is not None:
        state.slots.mine[SEQ] = state.seq
    return state.seq


class watched:
    """``with watched(what, timeout, seq, peer, ranks):`` around a wait on MPI for call
    number ``seq`` (of this rank), from rank ``peer`` or from the group of ``ranks``."""

    __slots__ = ("args",)

    def __init__(self, what, timeout, seq, peer=None, ranks=None):
        self.args = (what, time.monotonic(), timeout, seq, peer, ranks)

    def __enter__(self):
        state.current = self.args
        if state.slots is not None:
            state.slots.mine[BUSY] = self.args[3] + 1

    def __exit__(self, *exc):
        state.current = None
        if state.slots is not None:
            state.slots.mine[BUSY] = 0


def _watchdog():
    while True:
        cur = state.current
        timeout = cur[2] if cur is not None else None
        if timeout is not None and time.monotonic() - cur[1] > timeout:
            if state.current is cur:  # still the same wait
                _timed_out(cur)
                return
        time.sleep(0.25 if timeout is None else min(0.5, max(0.01, timeout / 20)))


def _timed_out(cur):
    what, _, timeout, seq, peer, ranks = cur
    me = state.world.rank
    if ranks is None:
        ranks = range(state.world.size)
    if what == "exit":
        msg = (f"rank {me} finished its script and waited {timeout:g} s for the other ranks to "
               f"finish; {_laggards(seq, ranks, exit=True)}")
    else:
        msg = f"{what} (call #{seq} of rank {me}) timed out after {timeout:g} s; "
        if peer is not None:
            msg += f"waiting for rank {peer}: {_describe(peer, seq)}"
        else:
            msg += _laggards(seq, ranks)
    msg += (". Aborting the job (set the limit with init_process_group(timeout=...) or "
            "torcia-run --timeout).")
    report_failure(msg, exitcode=1, kind="timeout")


def _describe(rank, seq):
    slots = state.slots
    s = slots.peers.get(rank) if slots is not None else None
    if s is None:
        return f"rank {rank} is on another machine (its state is unknown here)"
    if s[STATE] == FINISHED:
        return f"rank {rank} has finished its script"
    if s[BUSY]:
        return f"rank {rank} is waiting in its call #{s[BUSY] - 1}"
    if s[SEQ] < seq:
        return f"rank {rank} has not reached this call (it is running outside " \
               f"torcia.distributed, after its call #{s[SEQ]})"
    return f"rank {rank} is running outside torcia.distributed (after its call #{s[SEQ]})"


def _ranks_text(ranks):
    return f"rank{'s' if len(ranks) > 1 else ''} {', '.join(map(str, ranks))}"


def _laggards(seq, ranks, exit=False):
    """Which of ``ranks`` (on this machine) keep call ``seq`` (or the end) waiting."""
    slots = state.slots
    me = state.world.rank
    late, elsewhere, unknown = [], [], []
    for r in ranks:
        if r == me:
            continue
        s = slots.peers.get(r)
        if s is None:
            unknown.append(r)
        elif exit:
            if s[STATE] != FINISHED:
                (elsewhere if s[BUSY] else late).append(r)
        elif s[BUSY]:
            if s[BUSY] - 1 != seq:
                elsewhere.append(r)
        elif s[SEQ] < seq:
            late.append(r)
    parts = []
    if late:
        parts.append(f"{_ranks_text(late)} {'have' if len(late) > 1 else 'has'} not "
                     f"{'finished' if exit else 'reached this call'}")
    if elsewhere:
        parts.append(f"{_ranks_text(elsewhere)} {'are' if len(elsewhere) > 1 else 'is'} "
                     "waiting in another call (the ranks are out of step)")
    if unknown:
        parts.append(f"{_ranks_text(unknown)} {'are' if len(unknown) > 1 else 'is'} on "
                     "other machines")
    if not parts:
        parts.append("every rank on this machine reached it: the job is out of step (ranks "
                     "called different collectives)")
    return "; ".join(parts)


# -- failing ---------------------------------------------------------------------------------
def rank_label():
    r = os.environ.get("RANK")
    if r is None and state.world is not None:
        r = state.world.rank
    return f"[rank{r}]" if r is not None else "[rank?]"


def report_failure(message, exitcode=1, tb=None, kind="error"):
    """Print ``message`` (and traceback text ``tb``) for this rank, leave an error file for the
    launcher, and end the whole job with MPI_Abort."""
    if state.failing:
        os._exit(exitcode or 1)
    state.failing = True
    prefix = rank_label() + ": "
    text = tb or f"torcia.distributed: {message}\n"
    try:
        sys.stdout.flush()
    except Exception:  # noqa: BLE001 - a broken stdout must not stop the abort
        pass
    try:
        sys.stderr.write("".join(prefix + line + "\n" for line in text.rstrip("\n").split("\n")))
        sys.stderr.flush()
    except Exception:  # noqa: BLE001
        pass
    write_error_file(message, exitcode, tb, kind)
    if state.world is not None or _MPI is not None:
        mpi().COMM_WORLD.Abort(exitcode or 1)
    os._exit(exitcode or 1)


def write_error_file(message, exitcode, tb, kind):
    run_dir = os.environ.get("TORCIA_RUN_DIR")
    if not run_dir or not os.path.isdir(run_dir):
        return
    rank = os.environ.get("RANK", "unknown")
    info = {"rank": rank, "local_rank": os.environ.get("LOCAL_RANK"), "pid": os.getpid(),
            "host": socket.gethostname(), "exitcode": exitcode, "kind": kind,
            "message": message, "traceback": tb or "", "time": time.time()}
    path = os.path.join(run_dir, f"error_{rank}.json")
    try:
        with open(path + ".tmp", "w") as f:
            json.dump(info, f)
        os.replace(path + ".tmp", path)
    except OSError:
        pass


def format_exception(exc_type, exc, tb):
    return "".join(traceback.format_exception(exc_type, exc, tb))


def _excepthook(exc_type, exc, tb):
    """An uncaught exception in a rank ends the whole MPI job (instead of a hang)."""
    if issubclass(exc_type, SystemExit):
        return sys.__excepthook__(exc_type, exc, tb)
    report_failure(f"{exc_type.__name__}: {exc}", 1, format_exception(exc_type, exc, tb))


def exit_barrier():
    """Wait, bounded by the timeout, until every rank has finished its script: a rank that
    hangs or is still running past the timeout ends the job instead of a silent wait in
    MPI_Finalize."""
    world = setup()
    state.slots.mine[STATE] = FINISHED
    seq = next_seq()
    req = world.Ibarrier()
    with watched("exit", state.exit_timeout or state.default_timeout, seq):
        req.Wait()
