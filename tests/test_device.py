"""torcia.device, torcia.cuda and torcia.accelerator against PyTorch's CPU build."""

import pickle

import numpy as np
import pytest

import torcia

from .same import same

NO_CUDA = not torcia.cuda.is_available()


def ev(expr, **kw):
    return same(lambda lib: eval(expr, {"lib": lib, "np": np}), **kw)


@pytest.mark.parametrize("expr", [
    "lib.device('cpu')", "lib.device('cuda')", "lib.device('cuda:1')", "lib.device('cuda', 0)",
    "lib.device('cuda', index=2)", "lib.device(type='cuda', index=2)", "lib.device(type='cpu')",
    "lib.device('cpu', index=None)", "lib.device('cuda', None)", "lib.device(device='cpu')",
    "lib.device('cpu', 0)", "lib.device('cpu:0')", "lib.device('cpu:1')", "lib.device('mps')",
    "lib.device('xpu:1')", "lib.device('meta')", "lib.device('hpu')", "lib.device('privateuseone')",
    "lib.device('cuda', np.int64(1))", "lib.device('cuda', index=lib.tensor(1))",
    "lib.device(lib.device('cuda:1'))", "lib.device('cuda:10')",
    "str(lib.device('cuda', 1))", "str(lib.device('cpu'))", "repr(lib.device('cuda:3'))",
    "format(lib.device('cuda:1'))", "f\"{lib.device('cuda:1')}\"", "f\"{lib.device('cpu'):>6}\"",
    "lib.device('cuda:2').index", "lib.device('cuda:2').type", "lib.device('cpu').index",
    "type(lib.device('cpu')).__name__",
])
def test_device_construction(expr):
    ev(expr)


@pytest.mark.parametrize("expr", [
    "lib.device('foo')", "lib.device('cuda:x')", "lib.device('cuda:-1')", "lib.device('cuda', -1)",
    "lib.device('cuda', index=-1)", "lib.device('cuda:1', 1)", "lib.device('cuda:01')",
    "lib.device('cuda: 1')", "lib.device('cuda:1:2')", "lib.device(' cuda')", "lib.device('CUDA')",
    "lib.device('')", "lib.device('cuda:')", "lib.device(':1')", "lib.device('cpu_1')",
    "lib.device(True)", "lib.device(-1)", "lib.device(1.5)", "lib.device(None)", "lib.device()",
    "lib.device('cpu', 1, 2)", "lib.device('cuda', '2')", "lib.device('cuda', 2.0)",
    "lib.device('cuda', True)", "lib.device(lib.device('cuda:1'), 1)",
    "setattr(lib.device('cpu'), 'type', 'cuda')", "setattr(lib.device('cpu'), 'index', 1)",
    "setattr(lib.device('cpu'), 'foo', 1)", "lib.device('cpu') < lib.device('cuda')",
])
def test_device_errors(expr):
    ev(expr)


@pytest.mark.skipif(not NO_CUDA, reason="the accelerator exists here")
@pytest.mark.parametrize("expr", [
    "lib.device(1)", "lib.device(0)", "lib.device(np.int64(1))", "lib.zeros(2).to(1)",
    "lib.zeros(2, device=0)",
])
def test_device_index_without_accelerator(expr):
    ev(expr)


@pytest.mark.parametrize("expr", [
    "lib.device('cpu') == lib.device('cpu:0')", "lib.device('cpu') == 'cpu'",
    "lib.device('cuda:0') == 'cuda:0'", "lib.device('cuda') == lib.device('cuda', 0)",
    "lib.device('cuda:0') != lib.device('cuda:1')", "lib.device('cuda:1') == lib.device('cuda', 1)",
    "hash(lib.device('cuda:1')) == hash(lib.device('cuda', 1))", "lib.device('cpu') == 1",
    "lib.device('cpu') == None", "lib.device('cpu') != lib.device('cpu')",
    "len({lib.device('cpu'), lib.device('cpu'), lib.device('cuda')})",
    "lib.device('cuda:0').__reduce__()[1]", "lib.device('cpu').__reduce__()[1]",
    "lib.zeros(2).device == lib.device('cpu')", "lib.zeros(2).device",
    "lib.zeros(2, device='cpu:1').device", "lib.zeros(2, device='cpu:0').device",
    "lib.zeros(2, device=lib.device('cpu', 0)).device", "lib.zeros(2, device=None).device",
    "lib.zeros(2).get_device()", "lib.zeros(2).is_cuda", "lib.zeros(2).is_cpu",
    "lib.zeros(2).to(lib.device('cpu')).device", "lib.zeros(2).cpu().device",
    "lib.get_default_device()",
])
def test_device_equality_and_tensors(expr):
    ev(expr)


def test_device_pickles():
    for d in (torcia.device("cpu"), torcia.device("cuda:1"), torcia.device("mps")):
        assert pickle.loads(pickle.dumps(d)) == d


@pytest.mark.parametrize("expr", [
    "lib.zeros(2, device=1.5)", "lib.zeros(2, device='foo')", "lib.zeros(2, device=-1)",
    "lib.zeros(2).to('foo')", "lib.tensor([1], device='cuda:x')",
])
def test_factory_device_errors(expr):
    ev(expr)


@pytest.mark.skipif(not NO_CUDA, reason="CUDA is available here")
@pytest.mark.parametrize("expr", [
    "lib.zeros(2).to('cuda')", "lib.zeros(2).cuda()", "lib.zeros(2, device='cuda:1')",
    "lib.tensor([1, 2], device='cuda')", "lib.ones(2).to('cuda', lib.float64)",
    "lib.cuda.current_device()", "lib.cuda.synchronize()", "lib.cuda.get_device_name()",
    "lib.cuda.get_device_capability()", "lib.arange(3, device='cuda')",
    "lib.empty_like(lib.ones(2), device='cuda')", "lib.ones(2).new_zeros(2, device='cuda')",
])
def test_no_cuda_raises_assertion(expr):
    ev(expr, match=".")  # AssertionError as PyTorch's CPU build; torcia's text says why


@pytest.mark.skipif(not NO_CUDA, reason="CUDA is available here")
@pytest.mark.parametrize("expr", [
    "lib.cuda.is_available()", "lib.cuda.device_count()", "lib.cuda.is_initialized()",
    "lib.cuda.manual_seed(0)", "lib.cuda.manual_seed_all(0)", "lib.cuda.empty_cache()",
    "lib.cuda.memory_allocated()", "lib.cuda.is_bf16_supported()",
    "lib.accelerator.is_available()", "lib.accelerator.current_accelerator()",
    "lib.accelerator.device_count()", "lib.accelerator.current_accelerator(check_available=True)",
    "lib.accelerator.current_device_index()", "lib.accelerator.synchronize()",
    "lib.accelerator.set_device_index(0)",
])
def test_cuda_and_accelerator_queries(expr):
    ev(expr)


def test_typical_device_selection_runs():
    dev = torcia.device("cuda" if torcia.cuda.is_available() else "cpu")
    x = torcia.ones(2, device=dev)
    assert x.device == dev
    acc = torcia.accelerator.current_accelerator()
    dev2 = acc if acc is not None else torcia.device("cpu")
    assert torcia.zeros(1).to(dev2).device.type == dev2.type


def test_default_device_context():
    def fn(lib):
        with lib.device("cpu"):
            inside = lib.zeros(2).device
        lib.set_default_device("cpu")
        try:
            return inside, lib.get_default_device(), lib.ones(1).device
        finally:
            lib.set_default_device(None)
    same(fn)
    if NO_CUDA:
        with torcia.device("cuda"), pytest.raises(AssertionError):
            torcia.zeros(2)
        assert torcia.zeros(2).device == torcia.device("cpu")
