"""DistributedDataParallel on 2 ranks against one process computed here (jobs/ddp.py)."""

import importlib.util
import os

import numpy as np
import pytest

from .launch import JOBS, torcia_run

WORLD = 2


def _models():
    spec = importlib.util.spec_from_file_location("ddp_models", os.path.join(JOBS,
                                                                             "ddp_models.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


M = _models()


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out = tmp_path_factory.mktemp("ddp")
    job = torcia_run("ddp.py", out)
    assert job.rc == 0, job.text

    def load(name, rank):
        with np.load(out / f"{name}_rank{rank}.npz") as f:
            return dict(f)
    return load


def _close(got, expected, **tol):
    assert got.keys() == expected.keys()
    for k in expected:
        np.testing.assert_allclose(got[k], expected[k], err_msg=k, **tol)


@pytest.mark.parametrize("case", ["mlp64", "bn64"])
def test_two_ranks_on_half_batches_equal_one_process_float64(results, case):
    """Seed MLP (one bucket per parameter) and a BatchNorm net: parameters to 1e-10; the
    running statistics (rank 0's, broadcast at each forward) equal the reference's."""
    expected = M.reference(case, WORLD)
    for r in range(WORLD):
        _close(results(case, r), expected, rtol=0, atol=1e-10)


@pytest.mark.parametrize("case", ["mlp32", "bn32"])
def test_two_ranks_on_half_batches_close_to_one_process_float32(results, case):
    expected = M.reference(case, WORLD)
    _close(results(case, 0), expected, rtol=1e-4, atol=1e-5)
    r0, r1 = results(case, 0), results(case, 1)
    for k in r0:
        np.testing.assert_array_equal(r0[k], r1[k], err_msg=f"{k}: replicas differ")


def test_no_sync_accumulates_locally_then_averages_the_sums(results):
    local, mean = M.nosync_reference(WORLD)
    for r in range(WORLD):
        got = results("nosync", r)
        _close({k[6:]: v for k, v in got.items() if k.startswith("local.")}, local[r],
               rtol=0, atol=1e-12)
        _close({k[5:]: v for k, v in got.items() if k.startswith("mean.")}, mean,
               rtol=0, atol=1e-12)
    assert not np.array_equal(local[0]["fc1.weight"], local[1]["fc1.weight"])


def test_find_unused_parameters(results):
    """``b`` (used on rank 0 only) gets the mean with rank 1's zeros; ``never`` keeps None."""
    per_rank = M.unused_grads([r == 0 for r in range(WORLD)])
    expected = {}
    for name in per_rank[0]:
        gs = [g[name] for g in per_rank if g[name] is not None]
        if gs:
            expected[name] = sum(gs) / WORLD
    assert "never.weight" not in expected and "b.weight" in expected
    for r in range(WORLD):
        _close(results("unused", r), expected, rtol=0, atol=1e-12)


def test_buckets_are_reduced_during_backward(results):
    """Overlap: the buckets of the last layers start their (asynchronous) all_reduce from
    the gradient hooks, before backward reaches the first layer; every bucket is reduced."""
    for r in range(WORLD):
        events = list(results("overlap", r)["events"])
        first = events.index("fc1.weight grad")
        before = [e for e in events[:first] if e.startswith("all_reduce")]
        assert before and all("async=True" in e for e in before), events
        sizes = [int(e.rsplit("=", 1)[1]) for e in events if e.startswith("all_reduce")]
        # fc2 (3,010 values), fc1.bias (300), fc1.weight (235,200): three 1 kB-capped buckets
        assert sizes == [3010, 300, 235200], events
