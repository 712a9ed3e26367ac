"""The DataLoader's worker processes, as ``torch.utils.data._utils.worker``.

Each worker talks to the main process over its own two-way pipe: it receives ``(task, index)``
pairs and sends ``(task, data)`` back. The main process keeps only its own end of each pipe, so
when a worker dies for any reason its pipe reaches end-of-file and the main process notices
(instead of waiting forever on a half-written batch).

Seeding follows PyTorch: worker ``i`` seeds Python's ``random`` and torcia's default generator
with ``base_seed + i`` and NumPy's legacy global generator with the same SeedSequence-style
state PyTorch computes, where ``base_seed`` is drawn from the loader's generator.
"""

import os
import pickle
import random
import signal
from dataclasses import dataclass

from . import MP_STATUS_CHECK_INTERVAL, ExceptionWrapper

__all__ = ["WorkerInfo", "get_worker_info"]


@dataclass(frozen=True, slots=True)
class WorkerInfo:
    """What :func:`get_worker_info` returns inside a worker process."""

    id: int
    num_workers: int
    seed: int
    dataset: object
    rng: object = None
    worker_method: str = "multiprocessing"


_worker_info = None


def get_worker_info():
    """Inside a DataLoader worker: its :class:`WorkerInfo` (``id``, ``num_workers``, ``seed``,
    ``dataset``, the worker's own copy); None in the main process."""
    return _worker_info


@dataclass(frozen=True)
class _IterableDatasetStopIteration:
    """A worker's iterable dataset is exhausted."""

    worker_id: int


@dataclass(frozen=True)
class _ResumeIteration:
    """Sent to persistent workers at the start of a new epoch."""

    seed: int = None


def _generate_state(base_seed, worker_id):
    """The four 32-bit words PyTorch seeds NumPy with in worker ``worker_id`` (NumPy's
    SeedSequence hashing of ``[worker_id, base_seed low, base_seed high, 0]``)."""
    mask = 0xFFFFFFFF
    mult_a, mult_b = 0x931E8875, 0x58F38DED
    mix_l, mix_r = 0xCA01F9DD, 0x4973F715
    shift = 16
    hash_a = [0x43B0D7E5]

    def hashmix(value):
        value = (value ^ hash_a[0]) & mask
        hash_a[0] = (hash_a[0] * mult_a) & mask
        value = (value * hash_a[0]) & mask
        return (value ^ (value >> shift)) & mask

    def mix(x, y):
        r = ((mix_l * x) - (mix_r * y)) & mask
        return (r ^ (r >> shift)) & mask

    entropy = [worker_id, base_seed & mask, base_seed >> 32, 0]
    pool = [hashmix(e) for e in entropy]
    for src in range(4):
        for dst in range(4):
            if src != dst:
                pool[dst] = mix(pool[dst], hashmix(pool[src]))
    hash_b = 0x8B51F9DD
    state = []
    for value in pool:
        value = (value ^ hash_b) & mask
        hash_b = (hash_b * mult_b) & mask
        value = (value * hash_b) & mask
        state.append((value ^ (value >> shift)) & mask)
    return state


def _seed_worker(base_seed, worker_id):
    seed = base_seed + worker_id
    random.seed(seed)
    from .... import random as trandom
    trandom.manual_seed(seed)
    import numpy as np
    np.random.seed(_generate_state(base_seed, worker_id))
    return seed


def _send(conn, message):
    """Send ``(task, data)``; data that cannot be pickled is sent as an error instead."""
    try:
        payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        idx, data = message
        if isinstance(data, ExceptionWrapper):  # an exception type that cannot be pickled
            data.where = f"{data.where} (a {data.exc_type.__name__}, which cannot be pickled)"
            data.exc_type = RuntimeError
        else:
            data = ExceptionWrapper(where="in DataLoader worker process, pickling a batch")
            data.exc_type = RuntimeError if data.exc_type is None else data.exc_type
        try:
            payload = pickle.dumps((idx, data), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:
            data.exc_type = RuntimeError
            payload = pickle.dumps((idx, data), protocol=pickle.HIGHEST_PROTOCOL)
    conn.send_bytes(payload)


def _worker_loop(dataset_kind, dataset, conn, done_event, auto_collation, collate_fn,
                 drop_last, base_seed, init_fn, worker_id, num_workers, persistent_workers,
                 inherited=()):
    """Body of worker process ``worker_id``: fetch the batches it is sent until told to stop
    (None), until its parent goes away, or until its pipe closes."""
    for c in inherited:  # the main process's ends of other workers' pipes, copied by fork
        try:
            c.close()
        except OSError:
            pass
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's business
        seed = _seed_worker(base_seed, worker_id)
        global _worker_info
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed,
                                  dataset=dataset)
        from ..dataloader import _DatasetKind
        where = f"in DataLoader worker process {worker_id}"
        init_exception = None
        fetcher = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = _DatasetKind.create_fetcher(dataset_kind, dataset, auto_collation,
                                                  collate_fn, drop_last)
        except Exception:
            init_exception = ExceptionWrapper(where=where)
        iteration_end = False
        parent = os.getppid()
        while True:
            if not conn.poll(MP_STATUS_CHECK_INTERVAL):
                if os.getppid() != parent:  # the main process is gone
                    break
                continue
            r = conn.recv()
            if isinstance(r, _ResumeIteration):
                _send(conn, (r, None))
                iteration_end = False
                fetcher = _DatasetKind.create_fetcher(dataset_kind, dataset, auto_collation,
                                                      collate_fn, drop_last)
                continue
            if r is None:
                break
            if done_event.is_set() or iteration_end:
                continue
            idx, index = r
            if init_exception is not None:
                data, init_exception = init_exception, None
            else:
                try:
                    data = fetcher.fetch(index)
                except Exception as e:
                    if isinstance(e, StopIteration) and dataset_kind == _DatasetKind.Iterable:
                        data = _IterableDatasetStopIteration(worker_id)
                        iteration_end = True
                    else:
                        data = ExceptionWrapper(where=where)
            _send(conn, (idx, data))
            del data, idx, index, r
    except (KeyboardInterrupt, EOFError, BrokenPipeError, ConnectionResetError):
        pass  # shutting down, or the main process went away
    finally:
        try:
            conn.close()
        except OSError:
            pass
