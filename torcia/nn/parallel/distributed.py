"""DistributedDataParallel: data-parallel training over a torcia.distributed process group.

# Note [DDP gradient buckets]
At construction the parameters and buffers are broadcast from rank 0 (so every replica starts
equal) and the parameters are packed, in reverse order (about the order backward produces
their gradients), into buckets of one dtype up to ``bucket_cap_mb`` (by default 25 MiB with a
first bucket of 1 MiB, so communication starts early, as PyTorch). A post-hook on each
parameter's AccumulateGrad node (where PyTorch's reducer hooks too) copies the new ``.grad``,
divided by the world size, into its bucket; when a bucket is full, it and any full buckets
after it start a nonblocking ``Iallreduce`` (buckets start in index order on every rank, as
MPI requires of collectives). Later hooks test the requests in flight, which lets MPI
progress them while backward goes on. A callback queued on the autograd engine
(``queue_callback``) waits for them when backward ends and copies the averaged gradients back
into ``.grad``.

Parameters that get no gradient in a backward: with ``find_unused_parameters=True`` their
bucket slots carry their current ``.grad`` (zeros when None) and a rank-wide "used" map decides
whether their ``.grad`` is set (a parameter unused on every rank keeps None, as PyTorch);
without it, backward raises PyTorch's error naming them.
"""

import zlib
from contextlib import contextmanager

import numpy as np

from ... import distributed as dist
from ..._device import CPU
from ..._tensor import wrap
from ...autograd import grad_mode
from ...autograd.graph import gradient_edge, queue_callback
from ..modules.module import Module

__all__ = ["DistributedDataParallel"]

_FIRST_BUCKET_BYTES = 1024 * 1024  # torch.distributed._DEFAULT_FIRST_BUCKET_BYTES


class _Bucket:
    __slots__ = ("index", "params", "offsets", "buf", "tensor", "pending", "work")

    def __init__(self, index, params, offsets, dtype, numel):
        self.index = index
        self.params = params  # indices into DDP's parameter list
        self.offsets = offsets
        self.buf = np.zeros(numel, dtype)
        self.tensor = wrap(self.buf)
        self.pending = len(params)
        self.work = None


class DistributedDataParallel(Module):
    """Data parallelism over the ranks of a process group: each rank runs ``module`` on its
    share of the batch, and backward averages the gradients over the ranks.

    Args:
        module: the model (on each rank the same architecture; rank 0's values win).
        device_ids, output_device, dim: accepted as PyTorch's (one device per rank: the
            module's own).
        broadcast_buffers: broadcast the buffers (BatchNorm statistics) from rank 0 at the
            start of every forward.
        process_group: the group to average over (default: the default group).
        bucket_cap_mb: bucket size in MiB (default 25); see Note [DDP gradient buckets].
        find_unused_parameters: allow parameters that get no gradient in a backward.
        gradient_as_bucket_view, static_graph: accepted; gradients are always copied back.

    Example::

        dist.init_process_group("mpi")
        model = DistributedDataParallel(Net())
        loss_fn(model(x_shard), y_shard).backward()   # .grad: the mean over every rank
        optimizer.step()
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0,
                 broadcast_buffers=True, init_sync=True, process_group=None, bucket_cap_mb=None,
                 find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False,
                 delay_all_reduce_named_params=None, param_to_hook_all_reduce=None,
                 mixed_precision=None, device_mesh=None, skip_all_reduce_unused_params=False,
                 bucket_cap_mb_list=None, batched_grad_copy=False, forward_sync_buffers=None):
        super().__init__()
        if mixed_precision is not None or device_mesh is not None:
            raise NotImplementedError("torcia's DistributedDataParallel does not take "
                                      "mixed_precision or device_mesh")
        if broadcast_buffers is None:
            broadcast_buffers = True
        params = [p for p in module.parameters() if p.requires_grad]
        if not params:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't "
                               "have any parameter that requires a gradient.")
        devices = {p.device for p in module.parameters()}
        if len(devices) > 1:
            raise ValueError("DistributedDataParallel's input module must be on the same "
                             f"type of devices, but input module parameters locate in "
                             f"{devices}.")
        if device_ids is not None and next(iter(devices)) is CPU:
            raise ValueError("DistributedDataParallel device_ids and output_device arguments "
                             "only work with single-device/multiple-device GPU modules or CPU "
                             f"modules, but got device_ids {device_ids}, output_device "
                             f"{output_device}, and module parameters {devices}.")
        self.module = module
        self.device_ids = device_ids
        self.output_device = output_device
        self.dim = dim
        self.process_group = process_group if process_group is not None \
            else dist.GroupMember.WORLD
        if self.process_group is None:
            dist.get_rank()  # PyTorch's error: the default group is not initialised
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.static_graph = static_graph
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        # PyTorch's rule: a small first bucket only with the default cap
        self._first_bucket_bytes = _FIRST_BUCKET_BYTES if bucket_cap_mb is None else None
        self.bucket_bytes_cap = int((25 if bucket_cap_mb is None else bucket_cap_mb)
                                    * 1024 * 1024)
        self._world = dist.get_world_size(self.process_group)
        self._params = params
        self._names = {id(p): n for n, p in module.named_parameters()}
        self._module_buffers = [b for b in module.buffers() if b is not None]
        self._verify_same_model()
        if init_sync:
            self._broadcast_coalesced(list(module.parameters()) + self._module_buffers)
        self._build_buckets()
        # Keep each parameter's AccumulateGrad alive, so its hook stays on it (as PyTorch's
        # reducer keeps grad_accumulators_), and hook it.
        self._grad_accs = []
        for i, p in enumerate(params):
            acc = gradient_edge(p)[0]
            acc.register_hook(self._make_hook(i))
            self._grad_accs.append(acc)
        self._syncing = False  # this iteration's backward averages the gradients
        self._started = False  # some hook has fired in this iteration
        self._ready = [False] * len(params)
        self._next = 0  # the next bucket to start
        self._polled = 0  # buckets before this one have completed

    # -- construction ----------------------------------------------------------------------
    def _verify_same_model(self):
        """Every rank must wrap the same architecture: compare parameter counts and shapes."""
        sig = repr([(tuple(p.shape), str(p.dtype)) for p in self.module.parameters()])
        mine = np.array([len(list(self.module.parameters())), zlib.crc32(sig.encode())],
                        np.int64)
        rank0 = wrap(mine.copy())
        dist.broadcast(rank0, self._src(), group=self.process_group)
        bad = wrap(np.array([int(not np.array_equal(mine, rank0._data))], np.int64))
        dist.all_reduce(bad, op=dist.ReduceOp.MAX, group=self.process_group)
        if bad._data[0]:
            raise RuntimeError(
                "DDP expects same model across all ranks, but Rank "
                f"{dist.get_rank(self.process_group)} has {mine[0]} params (shapes checksum "
                f"{mine[1]}), while rank 0 has {rank0._data[0]} params (checksum "
                f"{rank0._data[1]}).")

    def _src(self):
        if self.process_group is dist.GroupMember.WORLD:
            return 0
        return dist.get_global_rank(self.process_group, 0)

    def _broadcast_coalesced(self, tensors):
        """Rank 0's values into ``tensors`` on every rank, in one broadcast of their bytes."""
        if not tensors:
            return
        root = dist.get_rank(self.process_group) == 0
        if root:
            flat = np.concatenate([np.ascontiguousarray(_host(t)).reshape(-1).view(np.uint8)
                                   for t in tensors])
        else:
            flat = np.empty(sum(t._data.nbytes for t in tensors), np.uint8)
        dist.broadcast(wrap(flat), self._src(), group=self.process_group)
        if not root:
            off = 0
            for t in tensors:
                n = t._data.nbytes
                _store(t, flat[off:off + n].view(t._data.dtype).reshape(t._data.shape))
                off += n

    def _build_buckets(self):
        """Pack the parameters, last first, into buckets of one dtype (Note [DDP gradient
        buckets])."""
        open_ = {}  # dtype -> (param indices, offsets, bytes)
        buckets = []
        for i in reversed(range(len(self._params))):
            p = self._params[i]
            dt = p._data.dtype
            idx, offs, nbytes = open_.get(dt, ([], [], 0))
            offs.append(sum(self._params[j]._data.size for j in idx))
            idx.append(i)
            nbytes += p._data.nbytes
            limit = self.bucket_bytes_cap
            if not buckets and self._first_bucket_bytes is not None:
                limit = min(limit, self._first_bucket_bytes)
            if nbytes >= limit:
                buckets.append((dt, idx, offs))
                open_.pop(dt, None)
            else:
                open_[dt] = (idx, offs, nbytes)
        for dt, (idx, offs, _) in open_.items():
            buckets.append((dt, idx, offs))
        self._buckets = []
        self._where = [None] * len(self._params)
        for k, (dt, idx, offs) in enumerate(buckets):
            numel = offs[-1] + self._params[idx[-1]]._data.size
            b = _Bucket(k, idx, offs, dt, numel)
            for i, off in zip(idx, offs):
                self._where[i] = (b, off)
            self._buckets.append(b)

    # -- forward ---------------------------------------------------------------------------
    def forward(self, *inputs, **kwargs):
        if self._started:
            self._reset()
        self._syncing = grad_mode.state.enabled and self.require_backward_grad_sync
        if (self.broadcast_buffers and self.require_forward_param_sync
                and self._module_buffers and self._world > 1):
            self._broadcast_coalesced(self._module_buffers)
        return self.module(*inputs, **kwargs)

    def _reset(self):
        self._started = False
        self._ready = [False] * len(self._params)
        self._next = self._polled = 0
        for b in self._buckets:
            b.pending = len(b.params)
            b.work = None

    @contextmanager
    def no_sync(self):
        """Backward passes of forwards run inside this context keep their gradients local
        (accumulating in ``.grad``); the first backward after it averages the sum."""
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old

    # -- backward --------------------------------------------------------------------------
    def _make_hook(self, i):
        def hook(grad_inputs, grad_outputs):
            if self._syncing:
                self._mark_ready(i)
        return hook

    def _mark_ready(self, i):
        if self._ready[i]:
            raise RuntimeError(
                f"Expected to mark a variable ready only once. This error is caused by one of "
                f"the following reasons: 1) Use of a module parameter outside the `forward` "
                f"function, or 2) reused parameters in multiple reentrant backward passes. "
                f"Parameter at index {i} with name {self._param_name(i)} has been marked as "
                f"ready twice.")
        if not self._started:
            self._started = True
            queue_callback(self._finish)
        self._ready[i] = True
        b, off = self._where[i]
        p = self._params[i]
        view = b.buf[off:off + p._data.size].reshape(p._data.shape)
        g = p._grad
        if g is None:
            view[...] = 0
        elif g._device is CPU:
            np.divide(g._data, self._world, out=view)
        else:
            np.divide(g._cpu_array(), self._world, out=view)
        b.pending -= 1
        if b.pending == 0:
            self._start_ready()
        elif self._polled < self._next:
            self._poll()

    def _start_ready(self):
        """Start the allreduce of every full bucket from the next one on, in order."""
        buckets = self._buckets
        while self._next < len(buckets) and buckets[self._next].pending == 0:
            b = buckets[self._next]
            b.work = dist.all_reduce(b.tensor, group=self.process_group, async_op=True)
            self._next += 1

    def _poll(self):
        """Let MPI progress the reductions in flight (MPI moves data only inside its calls)."""
        buckets = self._buckets
        while self._polled < self._next and buckets[self._polled].work.is_completed():
            self._polled += 1

    def _finish(self):
        """At the end of backward: settle unused parameters, wait, write the mean back."""
        self._syncing = False
        unready = [i for i, r in enumerate(self._ready) if not r]
        used = None
        if unready:
            if not self.find_unused_parameters:
                self._reset()
                names = ", ".join(self._param_name(i) for i in unready)
                raise RuntimeError(
                    "Expected to have finished reduction in the prior iteration before "
                    "starting a new one. This error indicates that your module has parameters "
                    "that were not used in producing loss. You can enable unused parameter "
                    "detection by passing the keyword argument `find_unused_parameters=True` "
                    "to `torch.nn.parallel.DistributedDataParallel`, and by making sure all "
                    "`forward` function outputs participate in calculating loss.\nParameter "
                    f"indices which did not receive grad for rank "
                    f"{dist.get_rank(self.process_group)}: "
                    f"{' '.join(map(str, unready))}\nParameter names: {names}")
            for i in unready:
                self._mark_ready(i)
        if self.find_unused_parameters:
            used = np.ones(len(self._params), np.uint8)
            used[unready] = 0
            used = wrap(used)
            dist.all_reduce(used, op=dist.ReduceOp.MAX, group=self.process_group)
        unready = set(unready)
        for b in self._buckets:
            b.work.wait()
            for i, off in zip(b.params, b.offsets):
                p = self._params[i]
                if i in unready and not used._data[i]:
                    continue  # unused on every rank: .grad stays as it was
                mean = b.buf[off:off + p._data.size].reshape(p._data.shape)
                g = p._grad
                if g is None:
                    p._grad = wrap(mean.copy()) if p._device is CPU else \
                        wrap(p._device_backend().from_numpy(mean.copy()), p._device)
                elif g._device is CPU:
                    g._data[...] = mean
                    g._vc[0] += 1
                else:
                    g._data[...] = g._device_backend().from_numpy(mean)
                    g._vc[0] += 1
        self._reset()

    def _param_name(self, i):
        return self._names.get(id(self._params[i]), str(i))


def _host(t):
    return t._data if t._device is CPU else t._cpu_array()


def _store(t, arr):
    """Write host array ``arr`` into ``t`` in place."""
    if t._device is CPU:
        t._data[...] = arr
    else:
        t._data[...] = t._device_backend().from_numpy(np.ascontiguousarray(arr))
    t._vc[0] += 1
