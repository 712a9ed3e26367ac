"""DataLoader, as ``torch.utils.data.dataloader``: batches from a dataset, in the main process
or in worker processes.

The random state is used as PyTorch uses it: each new iterator draws a 64-bit ``base_seed``
from the loader's generator (the default one when None), and a shuffling sampler without a
generator then draws its own seed from the default generator, so seeded runs give PyTorch's
batches in PyTorch's order.
"""

import itertools
import multiprocessing
import multiprocessing.connection
import os
import signal
import time
import warnings
from math import ceil
from typing import Generic, TypeVar

from ... import _dtype
from ..._ops.creation import empty
from . import _utils
from ._utils import MP_STATUS_CHECK_INTERVAL, ExceptionWrapper
from ._utils.worker import _IterableDatasetStopIteration, _ResumeIteration, _worker_loop
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader", "get_worker_info", "default_collate", "default_convert"]

T_co = TypeVar("T_co", covariant=True)

default_collate = _utils.collate.default_collate
default_convert = _utils.collate.default_convert
get_worker_info = _utils.worker.get_worker_info

# How long shutdown waits, in all, for workers to exit before terminating them.
_SHUTDOWN_GRACE = 2.0


class _DatasetKind:
    Map = 0
    Iterable = 1

    @staticmethod
    def create_fetcher(kind, dataset, auto_collation, collate_fn, drop_last):
        if kind == _DatasetKind.Map:
            return _utils.fetch._MapDatasetFetcher(dataset, auto_collation, collate_fn,
                                                   drop_last)
        return _utils.fetch._IterableDatasetFetcher(dataset, auto_collation, collate_fn,
                                                    drop_last)


class _InfiniteConstantSampler(Sampler):
    """The sampler of an iterable dataset: None, forever."""

    def __iter__(self):
        while True:
            yield None


def _draw_seed(generator):
    """A random int64 drawn as PyTorch draws a DataLoader's base seed."""
    return int(empty((), dtype=_dtype.int64).random_(generator=generator).item())


def _cpu_count():
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count()


class DataLoader(Generic[T_co]):
    """Iterate over ``dataset`` in batches, as ``torch.utils.data.DataLoader``.

    Args:
        dataset: a map-style dataset (``__getitem__``/``__len__``) or an
            :class:`IterableDataset`.
        batch_size: samples per batch (``None`` turns batching off).
        shuffle: visit a new random permutation each epoch.
        sampler, batch_sampler: custom index (or index-list) orders.
        num_workers: worker processes loading batches (0: load in this process).
        collate_fn: merges a list of samples into a batch (default :func:`default_collate`).
        pin_memory: accepted; pinning only matters with an accelerator.
        drop_last: drop the last incomplete batch.
        timeout: seconds to wait for a batch from the workers (0: forever).
        worker_init_fn: called with the worker id in each worker after seeding.
        multiprocessing_context: a start method name or a multiprocessing context.
        generator: the generator the base seed and the shuffling are drawn from.
        prefetch_factor: batches loaded in advance per worker (default 2 with workers).
        persistent_workers: keep the workers between epochs.
        in_order: return batches in sampler order (False: as soon as they are ready).

    Example::

        >>> loader = DataLoader(dataset, batch_size=64, shuffle=True)
        >>> for images, labels in loader:
        ...     ...
    """

    __initialized = False

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers=False, pin_memory_device="",
                 in_order=True):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; "
                             "use num_workers=0 to disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing."
                             "let num_workers > 0 to enable multiprocessing, otherwise set "
                             "prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")

        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order

        if isinstance(dataset, IterableDataset):
            self._dataset_kind = _DatasetKind.Iterable
            if shuffle not in {False, None}:
                raise ValueError("DataLoader with IterableDataset: expected unspecified shuffle "
                                 f"option, but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified sampler "
                                 f"option, but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified "
                                 f"batch_sampler option, but got batch_sampler={batch_sampler}")
        else:
            shuffle = bool(shuffle)
            self._dataset_kind = _DatasetKind.Map

        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")

        if sampler is None:
            if self._dataset_kind == _DatasetKind.Iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers
        self.__initialized = True
        self._IterableDataset_len_called = None
        self._iterator = None
        self.check_worker_number_rationality()

    def __repr__(self):
        # PyTorch's default object repr, as torcia prints torch's names elsewhere
        return f"<torch.utils.data.dataloader.DataLoader object at {hex(id(self))}>"

    def _get_iterator(self):
        if self.num_workers == 0:
            return _SingleProcessDataLoaderIter(self)
        self.check_worker_number_rationality()
        return _MultiProcessingDataLoaderIter(self)

    @property
    def multiprocessing_context(self):
        return self.__multiprocessing_context

    @multiprocessing_context.setter
    def multiprocessing_context(self, context):
        if context is not None:
            if self.num_workers > 0:
                if isinstance(context, str):
                    methods = multiprocessing.get_all_start_methods()
                    if context not in methods:
                        raise ValueError("multiprocessing_context option should specify a valid "
                                         f"start method in {methods!r}, but got "
                                         f"multiprocessing_context={context!r}")
                    context = multiprocessing.get_context(context)
                if not isinstance(context, multiprocessing.context.BaseContext):
                    raise TypeError("multiprocessing_context option should be a valid context "
                                    "object or a string specifying the start method, but got "
                                    f"multiprocessing_context={context}")
            else:
                raise ValueError("multiprocessing_context can only be used with multi-process "
                                 "loading (num_workers > 0), but got "
                                 f"num_workers={self.num_workers}")
        self.__multiprocessing_context = context

    def __setattr__(self, attr, val):
        if self.__initialized and attr in ("batch_size", "batch_sampler", "sampler", "drop_last",
                                           "dataset", "persistent_workers"):
            raise ValueError(f"{attr} attribute should not be set after "
                             f"{self.__class__.__name__} is initialized")
        super().__setattr__(attr, val)

    def __iter__(self):
        if self.persistent_workers and self.num_workers > 0:
            if self._iterator is None:
                self._iterator = self._get_iterator()
            else:
                self._iterator._reset(self)
            return self._iterator
        return self._get_iterator()

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def __len__(self):
        if self._dataset_kind == _DatasetKind.Iterable:
            length = self._IterableDataset_len_called = len(self.dataset)
            if self.batch_size is not None:
                length = length // self.batch_size if self.drop_last else \
                    ceil(length / self.batch_size)
            return length
        return len(self._index_sampler)

    def check_worker_number_rationality(self):
        """Warn, as PyTorch does, when asked for more workers than this machine has CPUs."""
        if not self.num_workers:
            return
        suggest = _cpu_count()
        if suggest is not None and self.num_workers <= suggest:
            return
        checked = hasattr(os, "sched_getaffinity")
        if suggest is not None:
            detail = (f"Our suggested max number of worker in current system is {suggest}"
                      f"{'' if checked else ' (`cpuset` is not taken into account)'}, which is "
                      "smaller than what this DataLoader is going to create.")
        else:
            detail = ("DataLoader is not able to compute a suggested max number of worker in "
                      "current system.")
        warnings.warn(f"This DataLoader will create {self.num_workers} worker processes in "
                      f"total. {detail} Please be aware that excessive worker creation might get "
                      "DataLoader running slow or even freeze, lower the worker number to avoid "
                      "potential slowness/freeze if necessary.", stacklevel=2)


class _BaseDataLoaderIter:
    def __init__(self, loader):
        self._dataset = loader.dataset
        self._dataset_kind = loader._dataset_kind
        self._IterableDataset_len_called = loader._IterableDataset_len_called
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._index_sampler = loader._index_sampler
        self._num_workers = loader.num_workers
        if loader.pin_memory and loader.pin_memory_device:
            warnings.warn("pin_memory_device is deprecated, the current accelerator will be used "
                          f"as the device,ignore pin_memory_device='{loader.pin_memory_device}'.",
                          stacklevel=3)
        from ... import accelerator
        available = accelerator.is_available()
        if loader.pin_memory and not available:
            warnings.warn("'pin_memory' argument is set as true but no accelerator is found, "
                          "then device pinned memory won't be used.", stacklevel=3)
        self._pin_memory = loader.pin_memory and available
        self._timeout = loader.timeout
        self._collate_fn = loader.collate_fn
        self._sampler_iter = iter(self._index_sampler)
        self._base_seed = _draw_seed(loader.generator)
        self._persistent_workers = loader.persistent_workers
        self._num_yielded = 0

    def __iter__(self):
        return self

    def _reset(self, loader, first_iter=False):
        self._sampler_iter = iter(self._index_sampler)
        self._num_yielded = 0
        self._IterableDataset_len_called = loader._IterableDataset_len_called

    def _next_index(self):
        return next(self._sampler_iter)

    def _next_data(self):
        raise NotImplementedError

    def __next__(self):
        data = self._next_data()
        self._num_yielded += 1
        if (self._dataset_kind == _DatasetKind.Iterable
                and self._IterableDataset_len_called is not None
                and self._num_yielded > self._IterableDataset_len_called):
            msg = (f"Length of IterableDataset {self._dataset} was reported to be "
                   f"{self._IterableDataset_len_called}(when accessing len(dataloader)), but "
                   f"{self._num_yielded} samples have been fetched. ")
            if self._num_workers > 0:
                msg += ("For multiprocessing data-loading, this could be caused by not properly "
                        "configuring the IterableDataset replica at each worker. Please see "
                        "https://pytorch.org/docs/stable/data.html#torch.utils.data."
                        "IterableDataset for examples.")
            warnings.warn(msg, stacklevel=2)
        return data

    def __len__(self):
        return len(self._index_sampler)

    def __getstate__(self):
        raise NotImplementedError("{} cannot be pickled", self.__class__.__name__)


class _SingleProcessDataLoaderIter(_BaseDataLoaderIter):
    def __init__(self, loader):
        super().__init__(loader)
        if self._timeout != 0:
            raise AssertionError("_SingleProcessDataLoaderIter requires timeout == 0")
        if self._num_workers != 0:
            raise AssertionError("_SingleProcessDataLoaderIter requires num_workers == 0")
        self._dataset_fetcher = _DatasetKind.create_fetcher(
            self._dataset_kind, self._dataset, self._auto_collation, self._collate_fn,
            self._drop_last)

    def _next_data(self):
        data = self._dataset_fetcher.fetch(next(self._sampler_iter))
        if self._pin_memory:
            data = _utils.pin_memory.pin_memory(data)
        return data


def _exit_reason(w):
    code = w.exitcode
    if code is not None and code < 0:
        try:
            name = signal.strsignal(-code) or f"signal {-code}"
        except ValueError:
            name = f"signal {-code}"
        return f"is killed by signal: {name}"
    return f"exited unexpectedly with exit code {code}"


class _MultiProcessingDataLoaderIter(_BaseDataLoaderIter):
    """Batches loaded by ``num_workers`` processes, ``prefetch_factor`` tasks ahead per worker.

    Task ``k`` goes to the next active worker, round robin; results are returned in task order
    (unless ``in_order=False``). A worker that dies raises a RuntimeError naming it; a worker
    whose fetch raised sends the exception, re-raised here with the worker's traceback.
    """

    def __init__(self, loader):
        super().__init__(loader)
        self._prefetch_factor = loader.prefetch_factor
        self._in_order = loader.in_order
        if self._num_workers <= 0:
            raise AssertionError("num_workers must be greater than 0 for "
                                 "MultiProcessingDataLoaderIter")
        if self._prefetch_factor <= 0:
            raise AssertionError("prefetch_factor must be greater than 0 for "
                                 "MultiProcessingDataLoaderIter")
        ctx = loader.multiprocessing_context or multiprocessing.get_context()
        self._worker_init_fn = loader.worker_init_fn
        self._conns = []
        self._workers = []
        self._alive = []
        self._workers_status = []
        self._done_event = ctx.Event()
        self._shutdown = False
        forked = ctx.get_start_method() == "fork"
        try:
            for i in range(self._num_workers):
                parent, child = ctx.Pipe(duplex=True)
                # Under fork a worker inherits every pipe end the main process holds: it
                # closes the main process's ends so that only this process keeps them.
                inherited = tuple(self._conns) + (parent,) if forked else ()
                w = ctx.Process(target=_worker_loop, args=(
                    self._dataset_kind, self._dataset, child, self._done_event,
                    self._auto_collation, self._collate_fn, self._drop_last, self._base_seed,
                    self._worker_init_fn, i, self._num_workers, self._persistent_workers,
                    inherited), daemon=True)
                self._conns.append(parent)
                self._workers.append(w)
                w.start()
                child.close()  # the worker's end: a dead worker now reads as end-of-file
        except BaseException:
            self._alive = [w.pid is not None for w in self._workers]
            self._workers_status = list(self._alive)
            self._shutdown_workers()
            raise
        self._alive = [True] * self._num_workers  # started and not told to exit
        self._reset(loader, first_iter=True)

    def _reset(self, loader, first_iter=False):
        super()._reset(loader, first_iter)
        self._send_idx = 0
        self._rcvd_idx = 0
        self._task_info = {}
        self._tasks_outstanding = 0
        self._workers_status = [True] * self._num_workers
        self._workers_num_tasks = [0] * self._num_workers
        self._worker_queue_idx_cycle = itertools.cycle(range(self._num_workers))
        if not first_iter:
            for i in range(self._num_workers):
                self._send(i, _ResumeIteration())
            pending = self._num_workers
            while pending > 0:  # results of an abandoned epoch come first: drop them
                idx, _ = self._get_data()
                if isinstance(idx, _ResumeIteration):
                    pending -= 1
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    # -- talking to workers ---------------------------------------------------------------
    def _send(self, worker_id, message):
        try:
            self._conns[worker_id].send(message)
        except OSError:
            self._check_workers()
            raise

    def _check_workers(self):
        """Raise a RuntimeError naming every worker that died without being told to exit."""
        failed = [i for i, w in enumerate(self._workers) if self._alive[i] and not w.is_alive()]
        if not failed:
            return
        for i in failed:
            self._alive[i] = False
            self._workers_status[i] = False
        lines = [f"DataLoader worker {i} (pid {self._workers[i].pid}) "
                 f"{_exit_reason(self._workers[i])}." for i in failed]
        pids = ", ".join(str(self._workers[i].pid) for i in failed)
        raise RuntimeError(f"DataLoader worker (pid(s) {pids}) exited unexpectedly: "
                           + " ".join(lines)
                           + " Rerunning with num_workers=0 may give a better error trace.")

    def _try_get_data(self, timeout):
        live = [i for i in range(self._num_workers) if self._alive[i]]
        conns = {self._conns[i]: i for i in live}
        ready = multiprocessing.connection.wait(
            list(conns) + [self._workers[i].sentinel for i in live], timeout)
        for obj in ready:
            if obj in conns:
                try:
                    return True, obj.recv()
                except (EOFError, OSError):
                    pass  # the worker died, perhaps mid-message: reported below
        self._check_workers()
        return False, None

    def _get_data(self):
        if self._timeout > 0:
            deadline = time.monotonic() + self._timeout
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")
                ok, data = self._try_get_data(left)
                if ok:
                    return data
        while True:
            ok, data = self._try_get_data(MP_STATUS_CHECK_INTERVAL)
            if ok:
                return data

    def _next_data(self):
        while True:
            # Skip tasks whose worker has stopped (an exhausted iterable dataset).
            while self._rcvd_idx < self._send_idx:
                info = self._task_info.get(self._rcvd_idx)
                if info:
                    if len(info) == 2 or self._workers_status[info[0]]:
                        break
                    del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
            else:
                if not self._persistent_workers:
                    self._shutdown_workers()
                raise StopIteration
            if len(self._task_info[self._rcvd_idx]) == 2:
                worker_id, data = self._task_info.pop(self._rcvd_idx)
                self._rcvd_idx += 1
                return self._process_data(data, worker_id)
            idx, data = self._get_data()
            self._tasks_outstanding -= 1
            if self._dataset_kind == _DatasetKind.Iterable and \
                    isinstance(data, _IterableDatasetStopIteration):
                if self._persistent_workers:
                    self._workers_status[data.worker_id] = False
                else:
                    self._mark_worker_as_unavailable(data.worker_id)
                self._try_put_index()
                continue
            if idx != self._rcvd_idx:
                if not self._in_order:
                    return self._process_data(data, self._task_info.pop(idx)[0])
                self._task_info[idx] += (data,)
            else:
                worker_id = self._task_info.pop(idx)[0]
                self._rcvd_idx += 1
                return self._process_data(data, worker_id)

    def _try_put_index(self):
        max_tasks = self._prefetch_factor * self._num_workers
        try:
            index = self._next_index()
        except StopIteration:
            return
        for _ in range(self._num_workers):
            worker_id = next(self._worker_queue_idx_cycle)
            if self._workers_status[worker_id]:
                if self._in_order or self._workers_num_tasks[worker_id] < \
                        max_tasks // sum(self._workers_status):
                    break
        else:
            return
        self._send(worker_id, (self._send_idx, index))
        self._task_info[self._send_idx] = (worker_id,)
        self._workers_num_tasks[worker_id] += 1
        self._tasks_outstanding += 1
        self._send_idx += 1

    def _process_data(self, data, worker_id):
        self._workers_num_tasks[worker_id] -= 1
        self._try_put_index()
        if isinstance(data, ExceptionWrapper):
            data.reraise()
        if self._pin_memory:
            data = _utils.pin_memory.pin_memory(data)
        return data

    def _mark_worker_as_unavailable(self, worker_id, shutdown=False):
        """Tell worker ``worker_id`` to exit; it gets no more tasks."""
        if self._alive[worker_id]:
            try:
                self._conns[worker_id].send(None)
            except OSError:
                pass
        self._alive[worker_id] = False
        self._workers_status[worker_id] = False

    def _shutdown_workers(self):
        if _utils is None or _utils.python_exit_status is not False:
            return  # interpreter exit: multiprocessing ends daemonic workers itself
        if getattr(self, "_shutdown", True):
            return
        self._shutdown = True
        try:
            self._done_event.set()
            for i in range(len(self._workers)):
                self._mark_worker_as_unavailable(i, shutdown=True)
        finally:
            for c in self._conns:
                c.close()  # a worker blocked sending a batch now gets a broken pipe
            deadline = time.monotonic() + _SHUTDOWN_GRACE
            for w in self._workers:
                if w.pid is not None:
                    w.join(timeout=max(0.0, deadline - time.monotonic()))
            for w in self._workers:
                if w.pid is not None and w.is_alive():
                    w.terminate()
                    w.join(timeout=_SHUTDOWN_GRACE)

    def __del__(self):
        self._shutdown_workers()
