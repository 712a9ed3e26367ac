"""Datasets, samplers and random_split against torch.utils.data, seed for seed."""

import warnings

import numpy as np
import pytest
import torch

import torcia
from tests.data.common import same_structure


def seeded(fn, seed=0):
    def run(m):
        m.manual_seed(seed)
        out = fn(m)
        return out, m.rand(2)  # the same draws were consumed from the default generator
    return run


# -- datasets -------------------------------------------------------------------------------
def test_tensor_dataset():
    same_structure(lambda m: list(m.utils.data.TensorDataset(m.arange(6).reshape(3, 2),
                                                             m.arange(3.0))))
    same_structure(lambda m: len(m.utils.data.TensorDataset(m.zeros(5, 2))))
    same_structure(lambda m: m.utils.data.TensorDataset(m.zeros(3), m.zeros(4)))


def test_concat_subset_stack_chain():
    def concat(m):
        d = m.utils.data.ConcatDataset([m.utils.data.TensorDataset(m.arange(3)),
                                        m.utils.data.TensorDataset(m.arange(10, 14))])
        return len(d), d.cumulative_sizes, [d[i] for i in range(7)], d[-1], d[-7]
    same_structure(concat)
    same_structure(lambda m: m.utils.data.ConcatDataset([range(3)])[-4])
    same_structure(lambda m: m.utils.data.ConcatDataset([]))

    def subset(m):
        s = m.utils.data.Subset(list(range(10, 20)), [3, 1, 4])
        return len(s), [s[i] for i in range(3)], s.__getitems__([2, 0])
    same_structure(subset)

    def stack(m):
        a, b = list(range(4)), [str(i) for i in range(4)]
        t = m.utils.data.StackDataset(a, b)
        d = m.utils.data.StackDataset(x=a, y=b)
        return t[1], d[2], t.__getitems__([0, 3]), d.__getitems__([1]), len(t)
    same_structure(stack)
    same_structure(lambda m: m.utils.data.StackDataset([1], [1, 2]))
    same_structure(lambda m: m.utils.data.StackDataset([1], x=[1]))

    class It(torcia.utils.data.IterableDataset):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter(range(self.n))

        def __len__(self):
            return self.n

    chain = torcia.utils.data.ChainDataset([It(2), It(3)])
    assert list(chain) == [0, 1, 0, 1, 2] and len(chain) == 5
    assert list(It(1) + It(2)) == [0, 0, 1]
    assert isinstance(torcia.utils.data.TensorDataset(torcia.zeros(2))
                      + torcia.utils.data.TensorDataset(torcia.ones(2)),
                      torcia.utils.data.ConcatDataset)


def test_subset_subclass_overriding_getitem_only_is_rejected():
    class Bad(torcia.utils.data.Subset):
        def __getitem__(self, i):
            return 0
    with pytest.raises(NotImplementedError, match="overrides __getitem__ but not __getitems__"):
        Bad([1, 2], [0])


@pytest.mark.parametrize("lengths", [[3, 7], [0.3, 0.7], [0.5, 0.25, 0.25], [1, 0, 9],
                                     [0.33, 0.33, 0.34]])
def test_random_split_matches_torch(lengths):
    def split(m, g=None):
        kw = {} if g is None else {"generator": m.Generator().manual_seed(g)}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parts = m.utils.data.random_split(range(10), lengths, **kw)
        return [list(p) for p in parts], [p.indices for p in parts]
    same_structure(seeded(split, 1))
    same_structure(lambda m: split(m, 42))


def test_random_split_errors():
    same_structure(lambda m: m.utils.data.random_split(range(10), [3, 3]))
    same_structure(lambda m: m.utils.data.random_split(range(10), [1.2, -0.2]))


# -- samplers -------------------------------------------------------------------------------
def test_sequential_and_random_samplers():
    same_structure(lambda m: list(m.utils.data.SequentialSampler(range(5))))
    same_structure(seeded(lambda m: [list(m.utils.data.RandomSampler(range(10)))
                                     for _ in range(3)]))
    same_structure(seeded(lambda m: list(m.utils.data.RandomSampler(
        range(7), num_samples=20))))
    same_structure(seeded(lambda m: list(m.utils.data.RandomSampler(
        range(7), replacement=True, num_samples=70))))
    same_structure(lambda m: list(m.utils.data.RandomSampler(
        range(9), generator=m.Generator().manual_seed(5))))
    same_structure(lambda m: len(m.utils.data.RandomSampler(range(9), num_samples=4)))
    same_structure(lambda m: m.utils.data.RandomSampler(range(3), replacement=1))
    same_structure(lambda m: m.utils.data.RandomSampler(range(3), num_samples=0))


def test_subset_weighted_batch_samplers():
    same_structure(seeded(lambda m: list(m.utils.data.SubsetRandomSampler([10, 20, 30, 40]))))
    same_structure(lambda m: list(m.utils.data.SubsetRandomSampler(
        [5, 6, 7], generator=m.Generator().manual_seed(3))))
    weights = [0.1, 0.9, 0.4, 0.7, 3.0, 0.6]
    same_structure(seeded(lambda m: list(m.utils.data.WeightedRandomSampler(weights, 20))))
    same_structure(seeded(lambda m: list(m.utils.data.WeightedRandomSampler(
        weights, 5, replacement=False))))
    same_structure(lambda m: m.utils.data.WeightedRandomSampler(weights, 0))
    same_structure(lambda m: m.utils.data.WeightedRandomSampler([[1.0]], 1))
    for drop_last in (False, True):
        same_structure(lambda m: (list(m.utils.data.BatchSampler(range(10), 3, drop_last)),
                                  len(m.utils.data.BatchSampler(range(10), 3, drop_last))))
    same_structure(lambda m: m.utils.data.BatchSampler(range(3), 0, False))
    same_structure(lambda m: m.utils.data.BatchSampler(range(3), 2, 1))


@pytest.mark.parametrize("n,replicas,shuffle,drop_last",
                         [(10, 3, True, False), (10, 3, False, False), (10, 3, True, True),
                          (2, 4, True, False), (12, 4, True, True), (1, 3, False, False)])
def test_distributed_sampler_matches_torch(n, replicas, shuffle, drop_last):
    def shards(m):
        out = []
        for rank in range(replicas):
            s = m.utils.data.DistributedSampler(range(n), num_replicas=replicas, rank=rank,
                                                shuffle=shuffle, seed=7, drop_last=drop_last)
            for epoch in range(2):
                s.set_epoch(epoch)
                out.append((list(s), len(s)))
        return out
    same_structure(shards)
    same_structure(lambda m: m.utils.data.DistributedSampler(range(4), num_replicas=2, rank=2))


def test_distributed_sampler_shards_cover_the_dataset():
    parts = [list(torcia.utils.data.DistributedSampler(range(11), 4, r, seed=3)) for r in range(4)]
    flat = sorted(i for p in parts for i in p)
    assert set(flat) == set(range(11)) and len(flat) == 12  # one index repeated as padding


# -- single-process DataLoader --------------------------------------------------------------
def _tensor_ds(m, n=23):
    return m.utils.data.TensorDataset(m.arange(n * 2.0).reshape(n, 2), m.arange(n))


@pytest.mark.parametrize("kw", [dict(), dict(batch_size=5), dict(batch_size=5, drop_last=True),
                                dict(batch_size=4, shuffle=True),
                                dict(batch_size=None), dict(batch_size=7, shuffle=True,
                                                            drop_last=True)])
def test_dataloader_batches_match_torch(kw):
    def epochs(m):
        dl = m.utils.data.DataLoader(_tensor_ds(m), **kw)
        return len(dl), [list(dl) for _ in range(2)]
    same_structure(seeded(epochs, 3))


def test_dataloader_generator_and_samplers_match_torch():
    def with_generator(m):
        g = m.Generator().manual_seed(11)
        dl = m.utils.data.DataLoader(range(10), batch_size=3, shuffle=True, generator=g)
        return [list(dl) for _ in range(2)]
    same_structure(seeded(with_generator))

    def with_sampler(m):
        s = m.utils.data.WeightedRandomSampler([1.0, 2.0, 3.0, 4.0], 9)
        return list(m.utils.data.DataLoader(range(4), batch_size=4, sampler=s))
    same_structure(seeded(with_sampler))

    def with_batch_sampler(m):
        bs = m.utils.data.BatchSampler(m.utils.data.RandomSampler(range(8)), 3, False)
        dl = m.utils.data.DataLoader(range(8), batch_sampler=bs)
        return len(dl), list(dl)
    same_structure(seeded(with_batch_sampler))

    def collate_fn(m):
        dl = m.utils.data.DataLoader(range(5), batch_size=2, collate_fn=lambda b: sum(b))
        return list(dl)
    same_structure(collate_fn)


def test_vectorised_tensor_batches_match_torch():
    """TensorDataset batches are gathered in one step; results equal PyTorch's collation."""
    def run(m):
        ds = m.utils.data.TensorDataset(m.arange(60.0).reshape(20, 3), m.arange(20) * 2,
                                        m.arange(20.0).reshape(20, 1, 1).expand(20, 2, 2))
        train, val = m.utils.data.random_split(ds, [0.75, 0.25])
        loaders = [m.utils.data.DataLoader(train, batch_size=4, shuffle=True),
                   m.utils.data.DataLoader(val, batch_size=3),
                   m.utils.data.DataLoader(ds, batch_size=6, collate_fn=lambda b: b)]
        return [list(dl) for dl in loaders]
    same_structure(seeded(run, 8))
    same_structure(lambda m: list(m.utils.data.DataLoader(
        m.utils.data.TensorDataset(m.ones(3, 2, requires_grad=True)), batch_size=2)))


def test_shuffle_is_a_permutation():
    torcia.manual_seed(0)
    seen = [int(y) for _, yb in torcia.utils.data.DataLoader(_tensor_ds(torcia), batch_size=4,
                                                               shuffle=True) for y in yb]
    assert sorted(seen) == list(range(23)) and seen != list(range(23))


def test_dataloader_argument_errors_match_torch():
    ds = lambda m: range(4)  # noqa: E731
    for kw in (dict(num_workers=-1), dict(timeout=-1), dict(prefetch_factor=2),
               dict(persistent_workers=True), dict(sampler=[0, 1], shuffle=True),
               dict(batch_sampler=[[0]], batch_size=2), dict(batch_size=None, drop_last=True),
               dict(multiprocessing_context="fork")):
        same_structure(lambda m: m.utils.data.DataLoader(ds(m), **kw))

    def iterable_errors(m):
        class It(m.utils.data.IterableDataset):
            def __iter__(self):
                return iter(range(3))
        return m.utils.data.DataLoader(It(), shuffle=True)
    same_structure(iterable_errors)

    def set_after_init(m):
        dl = m.utils.data.DataLoader(range(4))
        dl.batch_size = 3
    same_structure(set_after_init)

    def timeout_without_workers(m):
        return list(m.utils.data.DataLoader(range(2), timeout=1))
    same_structure(timeout_without_workers)


def test_iterable_dataset_single_process():
    def run(m):
        class It(m.utils.data.IterableDataset):
            def __iter__(self):
                return iter(range(7))

            def __len__(self):
                return 7
        dl = m.utils.data.DataLoader(It(), batch_size=3)
        dl2 = m.utils.data.DataLoader(It(), batch_size=3, drop_last=True)
        return len(dl), list(dl), len(dl2), list(dl2), list(m.utils.data.DataLoader(It()))
    same_structure(run)


def test_getitems_is_used_for_batches():
    calls = []

    class DS(torcia.utils.data.Dataset):
        def __getitem__(self, i):
            raise AssertionError("batched fetch expected")

        def __getitems__(self, idx):
            calls.append(list(idx))
            return [np.float32(i) for i in idx]

        def __len__(self):
            return 5

    out = list(torcia.utils.data.DataLoader(DS(), batch_size=2))
    assert calls == [[0, 1], [2, 3], [4]]
    assert out[0].dtype == torcia.float32 and out[2].tolist() == [4.0]


def test_pin_memory_is_accepted():
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        out = list(torcia.utils.data.DataLoader(range(3), batch_size=2, pin_memory=True))
    assert [b.tolist() for b in out] == [[0, 1], [2]]
    if not torcia.cuda.is_available():
        assert any("pin_memory" in str(x.message) for x in w)


def test_torch_namespace_paths():
    assert torcia.utils.data.DataLoader is torcia.utils.data.dataloader.DataLoader
    from torcia.utils.data import get_worker_info
    assert get_worker_info() is None
    assert torch.utils.data.get_worker_info() is None
