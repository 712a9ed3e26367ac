"""Process groups and collectives, as ``torch.distributed.distributed_c10d``, on MPI.

Every collective works in place on the tensors' own memory through mpi4py's buffer API
(``Allreduce(IN_PLACE, [array, MPI type])`` and friends): no pickling, no copies for
contiguous CPU tensors. A non-contiguous tensor goes through a contiguous copy that is
written back; a CUDA tensor is staged through host memory (MPICH from PyPI is not
CUDA-aware). ``async_op=True`` starts the nonblocking MPI call (``Iallreduce``...) and
returns a :class:`Work`; otherwise the blocking call runs and None is returned.

dtypes: everything MPI names, plus float16 (MPI's FLOAT16_T where the library has it) and
bfloat16, which moves as 2-byte words and is reduced by user-defined MPI ops that compute
each pairwise step in float32 and round once, as native half arithmetic would.
ReduceOp.AVG is a SUM followed by a division by the group size (integers round toward
zero, as NCCL's); on bool tensors SUM/MAX are logical or and PRODUCT/MIN logical and.

``gloo`` is accepted as a backend name and served by MPI, so scripts written for
``torchrun`` run unchanged. ``nccl`` needs CUDA and is not implemented yet (a clear error).
See ``_mpi.py`` Note [Failures end the job] for timeouts and failures.
"""

import enum
import os
import warnings

import numpy as np

from .._device import CPU
from .._tensor import Tensor
from . import _mpi

__all__ = [
    "Backend", "GroupMember", "P2POp", "ProcessGroup", "ReduceOp", "Work", "all_gather",
    "all_gather_into_tensor", "all_gather_object", "all_reduce", "all_to_all",
    "all_to_all_single", "barrier", "batch_isend_irecv", "broadcast", "broadcast_object_list",
    "destroy_process_group", "gather", "get_backend", "get_global_rank", "get_group_rank",
    "get_node_local_rank", "get_process_group_ranks", "get_rank", "get_world_size", "group",
    "init_process_group", "irecv", "is_available", "is_gloo_available", "is_initialized",
    "is_mpi_available", "is_nccl_available", "is_torchelastic_launched", "isend",
    "monitored_barrier", "new_group", "recv", "reduce", "reduce_scatter",
    "reduce_scatter_tensor", "scatter", "send",
]


# -- names -----------------------------------------------------------------------------------
class Backend(str):
    """A backend name, lower-cased (``Backend("MPI") == "mpi"``)."""

    UNDEFINED = "undefined"
    GLOO = "gloo"
    NCCL = "nccl"
    MPI = "mpi"

    def __new__(cls, name):
        if not isinstance(name, str):
            raise ValueError(f"Backend constructor parameter must be string-ish, got {name!r}")
        return str.__new__(cls, name.lower())


class ReduceOp:
    """Reduction operations: ``ReduceOp.SUM``, ``AVG``, ``PRODUCT``, ``MIN``, ``MAX`` and the
    bitwise ``BAND``, ``BOR``, ``BXOR`` (integer and bool tensors)."""

    class RedOpType(enum.Enum):
        SUM = 0
        AVG = 1
        PRODUCT = 2
        MIN = 3
        MAX = 4
        BAND = 5
        BOR = 6
        BXOR = 7
        PREMUL_SUM = 8

        def __repr__(self):
            return f"<RedOpType.{self.name}: {self.value}>"

        def __str__(self):
            return f"RedOpType.{self.name}"

    def __init__(self, op=RedOpType.SUM):
        self.op = _red_op_type(op)

    def __eq__(self, other):
        try:
            return self.op is _red_op_type(other)
        except TypeError:
            return NotImplemented

    def __hash__(self):
        return hash(self.op)

    def __repr__(self):
        return f"ReduceOp({self.op!r})"


for _op in ReduceOp.RedOpType:
    setattr(ReduceOp, _op.name, _op)
del _op


def _red_op_type(op):
    if isinstance(op, ReduceOp.RedOpType):
        return op
    if isinstance(op, ReduceOp):
        return op.op
    raise TypeError(f"op must be a torch.distributed.ReduceOp, got {op!r}")


class _WorldMeta(type):
    @property
    def WORLD(cls):
        return _world.default


class GroupMember(metaclass=_WorldMeta):
    """``GroupMember.WORLD`` (the default group) and ``NON_GROUP_MEMBER`` (what new_group
    returns on a rank outside the new group)."""

    NON_GROUP_MEMBER = -100


class group(metaclass=_WorldMeta):
    """``group.WORLD``: the default process group (None before init_process_group)."""


class ProcessGroup:
    """A set of ranks with its own MPI communicator (``rank()``, ``size()``)."""

    def __init__(self, comm, ranks, backend, timeout, name):
        self._comm = comm
        self._ranks = list(ranks)  # global rank of each group rank
        self._backend = backend
        self._timeout = timeout
        self.group_name = name

    def rank(self):
        return self._comm.rank

    def size(self):
        return self._comm.size

    def name(self):
        return self._backend

    def __repr__(self):
        return f"<torcia.distributed.ProcessGroup {self.group_name} ranks={self._ranks}>"


class _World:
    default = None  # the default ProcessGroup
    groups = []
    count = 0


_world = _World()


# -- work handles ----------------------------------------------------------------------------
class Work:
    """An operation started with ``async_op=True`` (or by isend/irecv).

    ``wait()`` blocks until it is done (bounded by the group's timeout); ``is_completed()``
    asks without blocking (and so makes MPI progress).
    """

    def __init__(self, request, finish, what, pg, seq, peer=None, result=None, status=None):
        self._req = request
        self._finish = finish
        self._what = what
        self._pg = pg
        self._seq = seq
        self._peer = peer
        self._result = result
        self._status = status
        self._done = False

    def _complete(self):
        self._done = True
        self._req = None
        if self._finish is not None:
            self._finish()

    def wait(self, timeout=None):
        if not self._done:
            limit = _mpi.seconds(timeout) if timeout is not None else self._pg._timeout
            with _mpi.watched(self._what, limit, self._seq, self._peer, self._pg._ranks):
                if self._status is not None:
                    self._req.Wait(self._status)
                else:
                    self._req.Wait()
            self._complete()
        return True

    def is_completed(self):
        if not self._done:
            flag = self._req.Test(self._status) if self._status is not None else self._req.Test()
            if flag:
                self._complete()
        return self._done

    def is_success(self):
        return self._done

    def exception(self):
        return None

    def synchronize(self):
        self.wait()

    def result(self):
        self.wait()
        return list(self._result or [])

    def source_rank(self):
        if self._status is None:
            raise RuntimeError("source_rank is only available for irecv")
        self.wait()
        return self._pg._ranks[self._status.Get_source()]

    def __repr__(self):
        return f"<torcia.distributed.Work {self._what} done={self._done}>"


# -- setting up ------------------------------------------------------------------------------
def is_available():
    """Whether torcia.distributed can run here (mpi4py is installed)."""
    return _mpi.available()


def is_mpi_available():
    return _mpi.available()


def is_nccl_available():
    return False


def is_gloo_available():
    return False


def is_initialized():
    return _world.default is not None


def is_torchelastic_launched():
    """Whether this process was started by a launcher that sets TORCHELASTIC_RUN_ID
    (torcia-run does, as torchrun)."""
    return os.environ.get("TORCHELASTIC_RUN_ID") is not None


def get_node_local_rank(fallback_rank=None):
    if "LOCAL_RANK" in os.environ:
        return int(os.environ["LOCAL_RANK"])
    if fallback_rank is not None:
        return int(fallback_rank)
    raise RuntimeError("LOCAL_RANK is not in the environment. Consider passing fallback_rank "
                       "to allow `get_node_local_rank` to work, assuming you are not running "
                       "in a multi-device context and want the code to run locally instead.")


def _default_pg():
    if _world.default is None:
        raise ValueError("Default process group has not been initialized, please make sure to "
                         "call init_process_group.")
    return _world.default


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1,
                       store=None, group_name="", pg_options=None, device_id=None):
    """Join the job's default process group.

    The ranks are MPI's: start them with ``torcia-run --nproc-per-node N script.py`` (or any
    ``mpiexec``). ``init_method`` "env://" (the default) checks RANK and WORLD_SIZE from the
    environment against MPI's; other methods (tcp://, file://) are accepted and MPI does the
    rendezvous. ``timeout`` (a timedelta) bounds every wait of this group's operations:
    past it the job is aborted, naming the ranks that did not arrive (default: torcia-run's
    ``--timeout``, else 30 minutes).
    """
    if _world.default is not None:
        raise ValueError("trying to initialize the default process group twice!")
    backend = Backend(backend if backend is not None else "mpi")
    if backend == "cpu:gloo,cuda:nccl" or backend.startswith(("cpu:", "cuda:")):
        backend = Backend("mpi")
    if backend == Backend.NCCL:
        from .. import cuda
        if not cuda.is_available():
            raise RuntimeError("Distributed package doesn't have NCCL built in: backend 'nccl' "
                               "needs CUDA, and torcia.cuda.is_available() is False here. Use "
                               "backend='mpi' for CPU tensors.")
        raise RuntimeError("torcia's 'nccl' backend is not implemented yet; use backend='mpi' "
                           "(CUDA tensors are staged through host memory).")
    if backend not in (Backend.MPI, Backend.GLOO):
        raise ValueError(f"Invalid backend: '{backend}'")
    if init_method is None:
        init_method = "env://"
    if init_method.startswith("env://"):
        if rank == -1 and "RANK" in os.environ:
            rank = int(os.environ["RANK"])
        if world_size == -1 and "WORLD_SIZE" in os.environ:
            world_size = int(os.environ["WORLD_SIZE"])
    comm = _mpi.setup()
    if world_size not in (-1, comm.size):
        raise ValueError(f"init_process_group: world_size={world_size}, but the MPI job has "
                         f"{comm.size} process{'es' if comm.size > 1 else ''}: start the ranks "
                         f"with torcia-run --nproc-per-node {world_size} (or mpiexec -n "
                         f"{world_size})")
    if rank not in (-1, comm.rank):
        raise ValueError(f"init_process_group: rank={rank}, but MPI gave this process rank "
                         f"{comm.rank}: let the launcher set RANK")
    seconds = _mpi.seconds(timeout)
    if seconds is None:
        seconds = _mpi.state.default_timeout
    else:  # it bounds the wait for the other ranks at the end of the script too
        _mpi.state.exit_timeout = seconds
    pg = ProcessGroup(comm, range(comm.size), backend, seconds, group_name or "0")
    _world.default = pg
    _world.groups = [pg]
    barrier()  # every rank has joined (or the job ends at the timeout, naming who has not)


def destroy_process_group(group=None):
    """Leave ``group`` (default: every group, the default one included)."""
    if group is None or group is _world.default:
        if _world.default is None:
            raise AssertionError("Process group cannot be None")
        for pg in _world.groups:
            if pg is not _world.default:
                pg._comm.Free()
        _world.groups = []
        _world.default = None
    elif isinstance(group, ProcessGroup):
        if group in _world.groups:
            _world.groups.remove(group)
            group._comm.Free()


def new_group(ranks=None, timeout=None, backend=None, pg_options=None,
              use_local_synchronization=False, group_desc=None, device_id=None,
              sort_ranks=True):
    """A group of some ranks; every rank of the default group calls it (unless
    ``use_local_synchronization``, where only members do). Ranks outside the group get
    ``GroupMember.NON_GROUP_MEMBER``."""
    world = _default_pg()
    if ranks is None:
        ranks = list(range(world.size()))
    ranks = sorted(ranks) if sort_ranks else list(ranks)
    if len(ranks) > world.size():
        raise ValueError("the new group's world size should be less or equal to the world "
                         "size set by init_process_group")
    for r in ranks:
        if r < 0 or r >= world.size():
            raise ValueError("The new group's rank should be within the world_size set by "
                             "init_process_group")
    seconds = _mpi.seconds(timeout)
    if seconds is None:
        seconds = world._timeout
    mpi_group = world._comm.Get_group().Incl(ranks)
    if use_local_synchronization:
        if world.rank() not in ranks:
            return GroupMember.NON_GROUP_MEMBER
        comm = world._comm.Create_group(mpi_group)
    else:
        comm = world._comm.Create(mpi_group)
    mpi_group.Free()
    if comm == _mpi.mpi().COMM_NULL:
        return GroupMember.NON_GROUP_MEMBER
    _world.count += 1
    pg = ProcessGroup(comm, ranks, Backend(backend) if backend else world._backend, seconds,
                      str(_world.count))
    _world.groups.append(pg)
    return pg


def _pg(group):
    """The process group for ``group`` (None: the default); None when this rank is not in it."""
    if group is None or group is GroupMember.WORLD:
        return _default_pg()
    if group is GroupMember.NON_GROUP_MEMBER:
        _default_pg()
        return None
    if not isinstance(group, ProcessGroup):
        raise TypeError(f"group must be a ProcessGroup, got {type(group).__name__}")
    return group


def _not_in_group(name):
    warnings.warn(f"Running {name} on global rank {get_rank()} which does not belong to the "
                  "given group.", stacklevel=3)


def get_rank(group=None):
    """This process's rank in ``group`` (-1 when it is not a member)."""
    pg = _pg(group)
    return -1 if pg is None else pg.rank()


def get_world_size(group=None):
    """The number of ranks in ``group`` (-1 when this process is not a member)."""
    pg = _pg(group)
    return -1 if pg is None else pg.size()


def get_backend(group=None):
    pg = _pg(group)
    if pg is None:
        raise ValueError("Invalid process group specified")
    return str(pg._backend)


def get_process_group_ranks(group):
    pg = _pg(group)
    return list(pg._ranks)


def get_global_rank(group, group_rank):
    pg = _pg(group)
    if group_rank < 0 or group_rank >= len(pg._ranks):
        raise ValueError(f"Group rank {group_rank} is not part of group {pg.group_name}")
    return pg._ranks[group_rank]


def get_group_rank(group, global_rank):
    pg = _pg(group)
    if global_rank not in pg._ranks:
        raise ValueError(f"Global rank {global_rank} is not part of group {pg.group_name}")
    return pg._ranks.index(global_rank)


def _group_rank(pg, global_rank, group_rank, what):
    if group_rank is not None:
        if global_rank is not None:
            raise ValueError("Can't specify both group_rank and global_rank")
        r = group_rank
    elif global_rank is None:
        raise ValueError("Must specify global_rank or group_rank")
    elif global_rank in pg._ranks:
        r = pg._ranks.index(global_rank)
    else:
        raise ValueError(f"Global rank {global_rank} is not part of group {pg.group_name}")
    if not 0 <= r < pg.size():
        raise RuntimeError(f"{what}: invalid rank {r} (the group has {pg.size()} ranks)")
    return r


# -- tensors to buffers ----------------------------------------------------------------------
def _check_tensor(t, name):
    if not isinstance(t, Tensor):
        raise TypeError(f"Invalid function argument. Expected parameter `{name}` of type "
                        f"torch.Tensor\n             but got {type(t)} instead.")


def _check_list(ts, name):
    if not isinstance(ts, (list, tuple)) or not all(isinstance(t, Tensor) for t in ts):
        raise TypeError(f"Invalid function argument. Expected parameter `{name}` of type "
                        "List[torch.Tensor]\n             but got "
                        f"{type(ts)} instead.")


def _input(t):
    """A contiguous host array of ``t``'s values (``t``'s own memory when it can be)."""
    if t._device is not CPU:
        return np.ascontiguousarray(t._cpu_array())
    return np.ascontiguousarray(t._data)


def _output(t):
    """``(array, done)``: a contiguous host array to receive ``t``'s new values, and a
    function that puts them in ``t`` (writing back a copy when one was needed) and bumps
    ``t``'s version, as any in-place op does."""
    d = t._data
    if t._device is CPU and d.flags.c_contiguous and d.flags.writeable:
        def done():
            t._vc[0] += 1
        return d, done
    arr = np.ascontiguousarray(t._cpu_array())

    def copy_back():
        if t._device is CPU:
            t._data[...] = arr
        else:
            t._data[...] = t._device_backend().from_numpy(arr)
        t._vc[0] += 1
    return arr, copy_back


def _chain(*fns):
    fns = [f for f in fns if f is not None]

    def run():
        for f in fns:
            f()
    return run


def _check_same(ts, like, what, sizes=True):
    for i, t in enumerate(ts):
        if t._data.dtype != like._data.dtype:
            raise ValueError(f"Invalid usage of tensors with different dtypesFound {t.dtype} "
                             f"and  {like.dtype}")
        if sizes and t._data.shape != like._data.shape:
            raise RuntimeError(f"{what}: invalid tensor size at index {i} (expected "
                               f"{tuple(like.shape)}, got {tuple(t.shape)})")


def _run(pg, name, args, finish, async_op, peer=None, result=None):
    """Run MPI call ``name`` (e.g. "Allreduce") on ``pg``: blocking, watched, then
    ``finish``; or with ``async_op`` its nonblocking form ("Iallreduce") as a Work."""
    seq = _mpi.next_seq()
    comm = pg._comm
    what = _NAMES.get(name, name)
    if async_op:
        req = getattr(comm, "I" + name[0].lower() + name[1:])(*args)
        return Work(req, finish, what, pg, seq, peer, result)
    with _mpi.watched(what, pg._timeout, seq, peer, pg._ranks):
        getattr(comm, name)(*args)
    if finish is not None:
        finish()
    return None


_NAMES = {"Allreduce": "all_reduce", "Bcast": "broadcast", "Reduce": "reduce",
          "Allgather": "all_gather", "Gather": "gather", "Scatter": "scatter",
          "Reduce_scatter_block": "reduce_scatter", "Alltoallv": "all_to_all",
          "Barrier": "barrier", "Send": "send", "Recv": "recv"}


def _op_name(op):
    op = _red_op_type(op)
    if op is ReduceOp.PREMUL_SUM:
        raise ValueError("ReduceOp.PREMUL_SUM is only supported by the nccl backend")
    return op.name


def _avg(arr, pg, op_name):
    if op_name == "AVG":
        return lambda: _mpi.divide(arr, pg.size())
    return None


# -- collectives -----------------------------------------------------------------------------
def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce ``tensor`` over all ranks of ``group``, in place on every rank."""
    _check_tensor(tensor, "tensor")
    pg = _pg(group)
    if pg is None:
        return _not_in_group("all_reduce")
    name = _op_name(op)
    arr, done = _output(tensor)
    mpi = _mpi.mpi()
    return _run(pg, "Allreduce", (mpi.IN_PLACE, _mpi.buffer(arr), _mpi.reduce_op(name, arr.dtype)),
                _chain(_avg(arr, pg, name), done), async_op, result=[tensor])


def broadcast(tensor, src=None, group=None, async_op=False, group_src=None):
    """Copy ``tensor`` from rank ``src`` into ``tensor`` on every other rank."""
    _check_tensor(tensor, "tensor")
    pg = _pg(group)
    if pg is None:
        return _not_in_group("broadcast")
    root = _group_rank(pg, src, group_src, "broadcast")
    if pg.rank() == root:
        arr, done = _input(tensor), None
    else:
        arr, done = _output(tensor)
    return _run(pg, "Bcast", (_mpi.buffer(arr), root), done, async_op, result=[tensor])


def reduce(tensor, dst=None, op=ReduceOp.SUM, group=None, async_op=False, group_dst=None):
    """Reduce ``tensor`` over all ranks into ``tensor`` on rank ``dst`` (others unchanged)."""
    _check_tensor(tensor, "tensor")
    pg = _pg(group)
    if pg is None:
        return _not_in_group("reduce")
    root = _group_rank(pg, dst, group_dst, "reduce")
    name = _op_name(op)
    mpi = _mpi.mpi()
    if pg.rank() == root:
        arr, done = _output(tensor)
        args = (mpi.IN_PLACE, _mpi.buffer(arr), _mpi.reduce_op(name, arr.dtype), root)
        finish = _chain(_avg(arr, pg, name), done)
    else:
        arr = _input(tensor)
        args = (_mpi.buffer(arr), None, _mpi.reduce_op(name, arr.dtype), root)
        finish = None
    return _run(pg, "Reduce", args, finish, async_op, result=[tensor])


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """Fill ``tensor_list[r]`` with rank r's ``tensor`` on every rank."""
    _check_list(tensor_list, "tensor_list")
    _check_tensor(tensor, "tensor")
    pg = _pg(group)
    if pg is None:
        return _not_in_group("all_gather")
    if len(tensor_list) != pg.size():
        raise RuntimeError(f"all_gather: invalid output tensor list (expected length "
                           f"{pg.size()}, got {len(tensor_list)})")
    _check_same(tensor_list, tensor, "all_gather")
    src = _input(tensor)
    out = np.empty((pg.size(),) + src.shape, src.dtype)

    def finish():
        for t, part in zip(tensor_list, out):
            arr, done = _output(t)
            arr[...] = part
            done()
    return _run(pg, "Allgather", (_mpi.buffer(src), _mpi.buffer(out)), finish, async_op,
                result=list(tensor_list))


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):
    """Gather every rank's ``input_tensor`` into ``output_tensor``, concatenated along dim 0
    (shape ``(world * n, ...)``) or stacked (shape ``(world, n, ...)``)."""
    _check_tensor(output_tensor, "output_tensor")
    _check_tensor(input_tensor, "input_tensor")
    pg = _pg(group)
    if pg is None:
        return _not_in_group("all_gather_into_tensor")
    _check_same([output_tensor], input_tensor, "all_gather_into_tensor", sizes=False)
    if output_tensor.numel() != input_tensor.numel() * pg.size():
        raise ValueError("output tensor size must be equal to world_size times input tensor "
                         "size")
    src = _input(input_tensor)
    arr, done = _output(output_tensor)
    return _run(pg, "Allgather", (_mpi.buffer(src), _mpi.buffer(arr)), done, async_op,
                result=[output_tensor])


def gather(tensor, gather_list=None, dst=None, group=None, async_op=False, group_dst=None):
    """Collect every rank's ``tensor`` into ``gather_list`` on rank ``dst``."""
    _check_tensor(tensor, "tensor")
    pg = _pg(group)
    if pg is None:
        return _not_in_group("gather")
    root = _group_rank(pg, dst, group_dst, "gather")
    src = _input(tensor)
    out = finish = None
    if pg.rank() == root:
        if not gather_list:
            raise ValueError("Argument ``gather_list`` must be specified on destination rank.")
        _check_list(gather_list, "gather_list")
        if len(gather_list) != pg.size():
            raise RuntimeError(f"gather: invalid output tensor list (expected length "
                               f"{pg.size()}, got {len(gather_list)})")
        _check_same(gather_list, tensor, "gather")
        out = np.empty((pg.size(),) + src.shape, src.dtype)

        def finish():
            for t, part in zip(gather_list, out):
                arr, done = _output(t)
                arr[...] = part
                done()
    elif gather_list:
        raise ValueError("Argument ``gather_list`` must NOT be specified on non-destination "
                         "ranks.")
    return _run(pg, "Gather", (_mpi.buffer(src), None if out is None else _mpi.buffer(out),
                               root), finish, async_op, result=[tensor])


def scatter(tensor, scatter_list=None, src=None, group=None, async_op=False, group_src=None):
    """Send ``scatter_list[r]`` from rank ``src`` into ``tensor`` on rank r."""
    _check_tensor(tensor, "tensor")
    pg = _pg(group)
    if pg is None:
        return _not_in_group("scatter")
    root = _group_rank(pg, src, group_src, "scatter")
    send = None
    if pg.rank() == root:
        if not scatter_list:
            raise ValueError("Argument ``scatter_list`` must be specified on source rank.")
        _check_list(scatter_list, "scatter_list")
        if len(scatter_list) != pg.size():
            raise RuntimeError(f"scatter: invalid input tensor list (expected length "
                               f"{pg.size()}, got {len(scatter_list)})")
        _check_same(scatter_list, tensor, "scatter")
        send = np.stack([_input(t) for t in scatter_list])
    elif scatter_list:
        raise ValueError("Argument ``scatter_list`` must NOT be specified on non-source ranks.")
    arr, done = _output(tensor)
    return _run(pg, "Scatter", (None if send is None else _mpi.buffer(send), _mpi.buffer(arr),
                                root), done, async_op, result=[tensor])


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce ``input_list[r]`` over all ranks into ``output`` on rank r."""
    _check_tensor(output, "output")
    _check_list(input_list, "input_list")
    pg = _pg(group)
    if pg is None:
        return _not_in_group("reduce_scatter")
    if len(input_list) != pg.size():
        raise RuntimeError(f"reduce_scatter: invalid input tensor list (expected length "
                           f"{pg.size()}, got {len(input_list)})")
    _check_same(input_list, output, "reduce_scatter")
    name = _op_name(op)
    send = np.stack([_input(t) for t in input_list])
    arr, done = _output(output)
    return _run(pg, "Reduce_scatter_block",
                (_mpi.buffer(send), _mpi.buffer(arr), _mpi.reduce_op(name, arr.dtype)),
                _chain(_avg(arr, pg, name), done), async_op, result=[output])


def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce ``input`` (``world`` chunks along dim 0, or stacked) over all ranks; rank r
    gets chunk r in ``output``."""
    _check_tensor(output, "output")
    _check_tensor(input, "input")
    pg = _pg(group)
    if pg is None:
        return _not_in_group("reduce_scatter_tensor")
    _check_same([input], output, "reduce_scatter_tensor", sizes=False)
    if input.numel() != output.numel() * pg.size():
        raise ValueError("input tensor must be the same size as output size times world size")
    name = _op_name(op)
    send = _input(input)
    arr, done = _output(output)
    return _run(pg, "Reduce_scatter_block",
                (_mpi.buffer(send), _mpi.buffer(arr), _mpi.reduce_op(name, arr.dtype)),
                _chain(_avg(arr, pg, name), done), async_op, result=[output])


def _alltoallv(pg, send, send_counts, recv, recv_counts, finish, async_op, result):
    """Alltoallv with counts in elements (displacements are the running sums)."""
    sd = np.concatenate([[0], np.cumsum(send_counts)[:-1]]).astype(np.int64).tolist()
    rd = np.concatenate([[0], np.cumsum(recv_counts)[:-1]]).astype(np.int64).tolist()
    sbuf, stype = _mpi.buffer(send)
    rbuf, rtype = _mpi.buffer(recv)
    return _run(pg, "Alltoallv", ([sbuf, (list(send_counts), sd), stype],
                                  [rbuf, (list(recv_counts), rd), rtype]),
                finish, async_op, result=result)


def all_to_all(output_tensor_list, input_tensor_list, group=None, async_op=False):
    """Send ``input_tensor_list[r]`` to rank r; receive rank r's into
    ``output_tensor_list[r]`` (sizes may differ between pairs)."""
    _check_list(output_tensor_list, "output_tensor_list")
    _check_list(input_tensor_list, "input_tensor_list")
    pg = _pg(group)
    if pg is None:
        return _not_in_group("all_to_all")
    n = pg.size()
    if len(output_tensor_list) != n or len(input_tensor_list) != n:
        raise RuntimeError(f"all_to_all: expected {n} input and output tensors, got "
                           f"{len(input_tensor_list)} and {len(output_tensor_list)}")
    like = input_tensor_list[0]
    _check_same(list(input_tensor_list) + list(output_tensor_list), like, "all_to_all", False)
    send = np.concatenate([_input(t).reshape(-1) for t in input_tensor_list])
    recv = np.empty(sum(t.numel() for t in output_tensor_list), send.dtype)

    def finish():
        off = 0
        for t in output_tensor_list:
            arr, done = _output(t)
            arr.reshape(-1)[...] = recv[off:off + arr.size]
            off += arr.size
            done()
    return _alltoallv(pg, send, [t.numel() for t in input_tensor_list], recv,
                      [t.numel() for t in output_tensor_list], finish, async_op,
                      list(output_tensor_list))


def all_to_all_single(output, input, output_split_sizes=None, input_split_sizes=None,
                      group=None, async_op=False):
    """``all_to_all`` on dim-0 splits of one input and one output tensor (equal splits
    unless ``*_split_sizes`` say otherwise)."""
    _check_tensor(output, "output")
    _check_tensor(input, "input")
    pg = _pg(group)
    if pg is None:
        return _not_in_group("all_to_all_single")
    _check_same([output], input, "all_to_all_single", sizes=False)
    n = pg.size()

    def counts(t, splits, what):
        rows = t.shape[0] if t.dim() else 1
        row = t.numel() // rows if rows else 1
        if splits is None:
            if rows % n:
                raise RuntimeError(f"all_to_all_single: {what} dim 0 ({rows}) is not "
                                   f"divisible by the group size {n}")
            return [t.numel() // n] * n
        splits = [int(s) for s in splits]
        if len(splits) != n or sum(splits) != rows:
            raise RuntimeError(f"all_to_all_single: {what}_split_sizes {splits} do not split "
                               f"dim 0 of size {rows} into {n} parts")
        return [s * row for s in splits]

    sc = counts(input, input_split_sizes, "input")
    rc = counts(output, output_split_sizes, "output")
    send = _input(input)
    arr, done = _output(output)
    return _alltoallv(pg, send, sc, arr, rc, done, async_op, [output])


def barrier(group=None, async_op=False, device_ids=None, timeout=None):
    """Wait until every rank of ``group`` has reached this call."""
    pg = _pg(group)
    if pg is None:
        return _not_in_group("barrier")
    if timeout is not None and not async_op:
        seq = _mpi.next_seq()
        with _mpi.watched("barrier", _mpi.seconds(timeout), seq, None, pg._ranks):
            pg._comm.Barrier()
        return None
    return _run(pg, "Barrier", (), None, async_op)


def monitored_barrier(group=None, timeout=None, wait_all_ranks=False):
    """A barrier whose timeout names the ranks that did not reach it (every barrier here
    does that)."""
    return barrier(group, timeout=timeout)


# -- point to point --------------------------------------------------------------------------
def _peer(pg, global_rank, group_rank, what, own):
    r = _group_rank(pg, global_rank, group_rank, what)
    if r == pg.rank():
        raise ValueError(f"Invalid {own} rank: {own} rank should not be the same as the rank "
                         "of the current process.")
    return r


def _send(tensor, dst, group, tag, group_dst, async_op):
    _check_tensor(tensor, "tensor")
    pg = _pg(group)
    if pg is None:
        return _not_in_group("send")
    peer = _peer(pg, dst, group_dst, "send", "destination")
    arr = _input(tensor)
    return _run(pg, "Send", (_mpi.buffer(arr), peer, tag), None, async_op,
                peer=pg._ranks[peer], result=[tensor])


def _recv(tensor, src, group, tag, group_src, async_op):
    _check_tensor(tensor, "tensor")
    pg = _pg(group)
    if pg is None:
        _not_in_group("recv")
        return None if async_op else -1
    mpi = _mpi.mpi()
    if src is None and group_src is None:
        peer = mpi.ANY_SOURCE
    else:
        peer = _peer(pg, src, group_src, "recv", "source")
    arr, done = _output(tensor)
    status = mpi.Status()
    seq = _mpi.next_seq()
    watch_peer = None if peer == mpi.ANY_SOURCE else pg._ranks[peer]
    if async_op:
        req = pg._comm.Irecv(_mpi.buffer(arr), peer, tag)
        return Work(req, done, "recv", pg, seq, watch_peer, [tensor], status)
    with _mpi.watched("recv", pg._timeout, seq, watch_peer, pg._ranks):
        pg._comm.Recv(_mpi.buffer(arr), peer, tag, status)
    done()
    return pg._ranks[status.Get_source()]


def send(tensor, dst=None, group=None, tag=0, group_dst=None):
    """Send ``tensor`` to rank ``dst`` (blocking)."""
    _send(tensor, dst, group, tag, group_dst, False)


def recv(tensor, src=None, group=None, tag=0, group_src=None):
    """Receive into ``tensor`` from rank ``src`` (any rank when None); returns the sender."""
    return _recv(tensor, src, group, tag, group_src, False)


def isend(tensor, dst=None, group=None, tag=0, group_dst=None):
    """Start sending ``tensor`` to rank ``dst``; returns a Work (do not change ``tensor``
    before its ``wait()``)."""
    return _send(tensor, dst, group, tag, group_dst, True)


def irecv(tensor, src=None, group=None, tag=0, group_src=None):
    """Start receiving into ``tensor`` from rank ``src`` (any when None); returns a Work."""
    return _recv(tensor, src, group, tag, group_src, True)


class P2POp:
    """One send or receive for :func:`batch_isend_irecv`: ``op`` is ``isend`` or ``irecv``."""

    def __init__(self, op, tensor, peer=None, group=None, tag=0, group_peer=None):
        if op not in (isend, irecv):
            raise ValueError("Invalid ``op``. Expected ``op`` to be of type ``torch.distributed."
                             "isend`` or ``torch.distributed.irecv``.")
        self.op, self.tensor, self.peer, self.group, self.tag = op, tensor, peer, group, tag
        self.group_peer = group_peer


def batch_isend_irecv(p2p_op_list):
    """Start every operation of a list of :class:`P2POp`; returns their Works."""
    return [p.op(p.tensor, p.peer, p.group, p.tag, p.group_peer) for p in p2p_op_list]


# -- Python objects (small metadata; tensors never go this way) --------------------------------
def all_gather_object(object_list, obj, group=None):
    """Fill ``object_list[r]`` with rank r's picklable ``obj``."""
    pg = _pg(group)
    if pg is None:
        return _not_in_group("all_gather_object")
    seq = _mpi.next_seq()
    with _mpi.watched("all_gather_object", pg._timeout, seq, None, pg._ranks):
        out = pg._comm.allgather(obj)
    object_list[:len(out)] = out


def broadcast_object_list(object_list, src=None, group=None, device=None, group_src=None):
    """Replace ``object_list``'s items by those of rank ``src``."""
    pg = _pg(group)
    if pg is None:
        return _not_in_group("broadcast_object_list")
    root = _group_rank(pg, src, group_src, "broadcast_object_list")
    seq = _mpi.next_seq()
    with _mpi.watched("broadcast_object_list", pg._timeout, seq, None, pg._ranks):
        out = pg._comm.bcast(list(object_list), root)
    object_list[:] = out
