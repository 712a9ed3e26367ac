"""DataLoader with worker processes: results, seeding and sharding as PyTorch's; crashes and
exceptions raised clearly. Every test runs under an alarm, so a hang fails instead of
blocking the suite."""

import os
import random
import signal
import time

import numpy as np
import pytest
import torch

import torcia
from tests.data.common import same_structure


@pytest.fixture(autouse=True)
def _deadline():
    def on_alarm(signum, frame):
        raise TimeoutError("worker test exceeded its deadline (a hang)")
    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(40)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def _seeds_dataset(m):
    class Seeds(m.utils.data.Dataset):
        def __getitem__(self, i):
            info = m.utils.data.get_worker_info()
            return (i, info.id, info.seed, m.initial_seed(), float(m.rand(1)),
                    int(np.random.randint(1 << 30)), random.random())

        def __len__(self):
            return 8
    return Seeds()


def test_worker_results_and_seeding_match_torch():
    """Same batches in the same order, and per-worker seeds (torch, NumPy, random) equal to
    PyTorch's: the base seed comes from the same generator stream."""
    def run(m):
        m.manual_seed(123)
        dl = m.utils.data.DataLoader(_seeds_dataset(m), batch_size=3, num_workers=2,
                                     shuffle=True)
        return [list(dl) for _ in range(2)], m.rand(2)
    same_structure(run)


def test_worker_seeding_with_generator_and_persistent_workers_match_torch():
    def run(m):
        g = m.Generator().manual_seed(5)
        dl = m.utils.data.DataLoader(_seeds_dataset(m), batch_size=2, num_workers=2,
                                     generator=g, persistent_workers=True, prefetch_factor=1)
        epochs = [list(dl) for _ in range(2)]
        del dl
        return epochs
    same_structure(run)


def _sharded(m):
    class Sharded(m.utils.data.IterableDataset):
        def __init__(self, start, end):
            self.start, self.end = start, end

        def __iter__(self):
            info = m.utils.data.get_worker_info()
            if info is None:
                return iter(range(self.start, self.end))
            per = -(-(self.end - self.start) // info.num_workers)
            lo = self.start + info.id * per
            return iter(range(lo, min(lo + per, self.end)))
    return Sharded(3, 14)


def test_iterable_dataset_sharding_matches_torch():
    same_structure(lambda m: list(m.utils.data.DataLoader(_sharded(m), batch_size=2,
                                                          num_workers=2)))
    same_structure(lambda m: list(m.utils.data.DataLoader(_sharded(m), num_workers=3)))


def test_worker_init_fn_and_in_order_false():
    def init(worker_id):
        torcia.utils.data.get_worker_info().dataset.offset = 100 * (worker_id + 1)

    class DS(torcia.utils.data.Dataset):
        offset = 0

        def __getitem__(self, i):
            if i == 0:
                time.sleep(0.3)  # the first batch is late: in_order=False overtakes it
            return i + self.offset

        def __len__(self):
            return 6

    dl = torcia.utils.data.DataLoader(DS(), batch_size=2, num_workers=2, worker_init_fn=init)
    assert [b.tolist() for b in dl] == [[100, 101], [202, 203], [104, 105]]
    dl = torcia.utils.data.DataLoader(DS(), batch_size=2, num_workers=2, worker_init_fn=init,
                                      in_order=False)
    got = [b.tolist() for b in dl]
    assert sorted(map(tuple, got)) == [(100, 101), (104, 105), (202, 203)]
    assert got[0] != [100, 101]


class _Failing(torcia.utils.data.Dataset):
    def __init__(self, how):
        self.how = how

    def __getitem__(self, i):
        if i == 3:
            if self.how == "raise":
                raise ValueError(f"bad sample {i}")
            if self.how == "keyerror":
                raise KeyError("missing")
            if self.how == "exit":
                os._exit(3)
            if self.how == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            if self.how == "sleep":
                time.sleep(30)
        return i

    def __len__(self):
        return 8


def test_worker_exception_is_reraised_with_its_traceback():
    dl = torcia.utils.data.DataLoader(_Failing("raise"), batch_size=2, num_workers=2)
    it = iter(dl)
    assert next(it).tolist() == [0, 1]
    with pytest.raises(ValueError) as info:
        next(it)
    msg = str(info.value)
    assert msg.startswith("Caught ValueError in DataLoader worker process 1.")
    assert "Original Traceback (most recent call last):" in msg
    assert "bad sample 3" in msg and "__getitem__" in msg
    assert next(it).tolist() == [4, 5]  # the loader carries on, as PyTorch's
    with pytest.raises(KeyError, match="Caught KeyError"):
        list(torcia.utils.data.DataLoader(_Failing("keyerror"), batch_size=2, num_workers=1))


@pytest.mark.parametrize("how,reason", [("exit", "exit code 3"),
                                        ("kill", "killed by signal: Killed")])
def test_worker_crash_is_a_clear_error(how, reason):
    start = time.monotonic()
    dl = torcia.utils.data.DataLoader(_Failing(how), batch_size=2, num_workers=2)
    with pytest.raises(RuntimeError) as info:
        list(dl)
    msg = str(info.value)
    assert "DataLoader worker 1 (pid" in msg and "exited unexpectedly" in msg and reason in msg
    assert time.monotonic() - start < 10


def test_worker_killed_from_outside_and_timeout():
    dl = torcia.utils.data.DataLoader(_Failing("sleep"), batch_size=2, num_workers=2)
    it = iter(dl)
    assert next(it).tolist() == [0, 1]
    victim = it._workers[1]
    os.kill(victim.pid, signal.SIGKILL)
    with pytest.raises(RuntimeError, match=rf"DataLoader worker 1 \(pid {victim.pid}\)"):
        next(it)
    del it
    dl = torcia.utils.data.DataLoader(_Failing("sleep"), batch_size=2, num_workers=1,
                                      timeout=0.5)
    it = iter(dl)
    assert next(it).tolist() == [0, 1]
    with pytest.raises(RuntimeError, match=r"DataLoader timed out after 0.5 seconds"):
        next(it)


def test_workers_exit_after_iteration_and_on_early_break():
    dl = torcia.utils.data.DataLoader(range(20), batch_size=2, num_workers=2)
    it = iter(dl)
    assert len(list(it)) == 10
    assert all(not w.is_alive() for w in it._workers)
    it = iter(dl)
    next(it)
    workers = list(it._workers)
    del it
    deadline = time.monotonic() + 5
    while any(w.is_alive() for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(w.is_alive() for w in workers)


def test_torch_reference_still_importable():
    assert torch.utils.data.DataLoader is not torcia.utils.data.DataLoader
