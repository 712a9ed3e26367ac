"""torcia.save / torcia.load against PyTorch's torch.save / torch.load.

Round trips go both ways (torcia -> torch -> torcia and torch -> torcia -> torch) and compare
with what PyTorch builds itself: values, dtypes, shapes, strides, requires_grad, shared
storages. Then safety (no code runs from a file), damaged files, atomic saves, resuming
training from one checkpoint, safetensors files.
"""

import io
import os
import pathlib
import pickle
import signal
import struct
import subprocess
import sys
import textwrap
import time
import zipfile
from collections import OrderedDict

import numpy as np
import pytest
import torch

import torcia
from torcia import serialization

from .same import assert_values, compare

DTYPES = ["float32", "float64", "float16", "bfloat16", "complex64", "complex128", "int8",
          "int16", "int32", "int64", "uint8", "bool", "uint16", "uint32", "uint64"]


def values(lib, dtype):
    """A small tensor of ``dtype`` with varied values, built the same way in both libraries."""
    d = getattr(lib, dtype)
    if dtype == "bool":
        return lib.tensor([[True, False, True], [False, False, True]])
    if dtype.startswith("complex"):
        return lib.tensor([[1 + 2j, -3.5j, 0], [2.25, -1, 1e-3 + 1j]], dtype=d)
    if dtype.startswith(("float", "bfloat")):
        return lib.tensor([[1.5, -2.25, 3e-3], [float("inf"), -0.0, 65.0]], dtype=d)
    if dtype.startswith("uint"):
        return lib.tensor([[0, 1, 2], [200, 17, 255]], dtype=d)
    return lib.tensor([[-7, 1, 2], [100, -17, 5]], dtype=d)


def saved_by_torch(obj, **kw):
    buf = io.BytesIO()
    torch.save(obj, buf, **kw)
    buf.seek(0)
    return buf


def saved_by_torcia(obj, **kw):
    buf = io.BytesIO()
    torcia.save(obj, buf, **kw)
    buf.seek(0)
    return buf


def via_torch(obj, **kw):
    """torcia.save -> torch.load(weights_only=True)."""
    return torch.load(saved_by_torcia(obj, **kw), weights_only=True)


def via_torcia(obj, **kw):
    """torch.save -> torcia.load."""
    return torcia.load(saved_by_torch(obj, **kw))


def same_torch(a, e, what="value"):
    """Two torch objects (or containers of them) identical: dtype, shape, strides, values."""
    if isinstance(e, torch.Tensor):
        assert isinstance(a, torch.Tensor), f"{what}: {type(a).__name__}"
        assert (a.dtype, a.shape, a.stride(), a.requires_grad) == \
            (e.dtype, e.shape, e.stride(), e.requires_grad), what
        assert type(a) is type(e), what
        assert_values(a, e, what)
    elif isinstance(e, dict):
        assert type(a) is type(e) and list(a) == list(e), what
        for k in e:
            same_torch(a[k], e[k], f"{what}[{k!r}]")
        assert getattr(a, "_metadata", None) == getattr(e, "_metadata", None), what
    elif isinstance(e, (list, tuple)):
        assert type(a) is type(e) and len(a) == len(e), what
        for i, (x, y) in enumerate(zip(a, e)):
            same_torch(x, y, f"{what}[{i}]")
    else:
        assert type(a) is type(e) and (a == e or a != a and e != e), f"{what}: {a!r} {e!r}"


def same_torcia(a, e, what="value"):
    """A torcia object equal to a torch one (containers walked, _metadata compared)."""
    if isinstance(e, torch.Tensor):
        compare(a, e, what)
        assert isinstance(a, torcia.nn.Parameter) == isinstance(e, torch.nn.Parameter), what
    elif isinstance(e, (torch.Size, torch.dtype, torch.device)):
        compare(a, e, what)
    elif isinstance(e, dict):
        assert type(a) is type(e) and list(a) == list(e), f"{what}: {list(a)} {list(e)}"
        for k in e:
            same_torcia(a[k], e[k], f"{what}[{k!r}]")
        assert getattr(a, "_metadata", None) == getattr(e, "_metadata", None), what
    elif isinstance(e, (list, tuple)):
        assert type(a) is type(e) and len(a) == len(e), what
        for i, (x, y) in enumerate(zip(a, e)):
            same_torcia(x, y, f"{what}[{i}]")
    else:
        compare(a, e, what)


# -- tensors of every dtype, layout and size -----------------------------------------------------
LAYOUTS = {
    "plain": lambda x: x,
    "transposed": lambda x: x.t(),
    "strided slice": lambda x: x[:, ::2],
    "row": lambda x: x[1],
    "0-dim": lambda x: x[1, 2],
    "empty": lambda x: x[:0],
    "expanded": lambda x: x[:1].expand(4, 3),
}


@pytest.mark.parametrize("dtype", DTYPES)
def test_dtypes_and_layouts_both_ways(dtype):
    def make(lib):
        x = values(lib, dtype)
        return {name: f(x) for name, f in LAYOUTS.items()}
    expected = make(torch)
    # torcia -> torch: torch.load reads every dtype and layout, strides and offsets included
    got = via_torch(make(torcia))
    same_torch(got, expected)
    assert [got[k].storage_offset() for k in expected] == \
        [expected[k].storage_offset() for k in expected]
    # torch -> torcia -> torch
    back = via_torcia(expected)
    same_torcia(back, expected)
    same_torch(via_torch(back), expected)


def test_views_share_storage_both_ways():
    def make(lib):
        x = lib.arange(24.).reshape(4, 6)
        return {"x": x, "t": x.t(), "row": x[2], "block": x[1:3, 2:5], "again": x}
    got = via_torch(make(torcia))
    base = got["x"].untyped_storage().data_ptr()
    assert all(v.untyped_storage().data_ptr() == base for v in got.values())
    assert got["x"] is got["again"]  # one object saved twice stays one object
    got["block"][0, 0] = -1
    assert got["x"][1, 2] == -1
    loaded = via_torcia(make(torch))
    same_torcia(loaded, make(torch))
    loaded["row"][1] = 500.0  # a view stays a view of the same memory
    assert float(loaded["x"][2, 1]) == 500.0 and float(loaded["t"][1, 2]) == 500.0
    assert loaded["x"] is loaded["again"]


def test_storage_kept_whole_and_offsets():
    x = torcia.arange(10.)
    got = via_torch({"tail": x[7:]})["tail"]
    assert got.storage_offset() == 7 and got.untyped_storage().nbytes() == 40  # as torch saves
    e = torch.arange(10.)[7:]
    assert via_torch(via_torcia({"t": e}))["t"].storage_offset() == 7


def test_parameters_requires_grad_and_state_dict_metadata():
    def make(lib):
        sd = OrderedDict(w=lib.nn.Parameter(lib.ones(2, 3)),
                         frozen=lib.nn.Parameter(lib.zeros(2), requires_grad=False),
                         g=lib.ones(2, requires_grad=True))
        sd._metadata = OrderedDict({"": {"version": 1}, "fc": {"version": 2}})
        return sd
    same_torch(via_torch(make(torcia)), make(torch))
    same_torcia(via_torcia(make(torch)), make(torch))


def test_nested_containers_and_python_values():
    def make(lib):
        od = OrderedDict(a=lib.ones(1), b=[1, 2.5, -3 + 2j, True, None])
        od._metadata = {"": {"version": 3}}
        return {"n": 2 ** 70, "f": float("nan"), "s": "ciao ✓", "bytes": b"\x00\xff",
                "tuple": (lib.zeros(2), (lib.eye(2), [lib.tensor(7)])), "od": od,
                "set": {1, 2}, "dtype": lib.bfloat16, "device": lib.device("cpu"),
                "size": lib.Size([2, 3]), "empty": {}, "nested": [[[]]], 3: "int key"}
    same_torcia(via_torcia(make(torch)), make(torch))
    got, expected = via_torch(make(torcia)), make(torch)
    assert got["dtype"] is torch.bfloat16 and got["device"] == torch.device("cpu")
    assert got["size"] == torch.Size([2, 3]) and type(got["size"]) is torch.Size
    for k in ("s", "bytes", "set", "empty", "nested", 3, "n"):
        assert got[k] == expected[k]
    same_torch(got["tuple"], expected["tuple"])
    same_torch(got["od"], expected["od"])


def test_tensor_attributes_and_subclass_state():
    def make(lib):
        t, p = lib.ones(2), lib.nn.Parameter(lib.zeros(1))
        t.note, p.tag = "kept", 3
        return {"t": t, "p": p}
    for got in (via_torch(make(torcia)), via_torcia(make(torch))):
        assert got["t"].note == "kept" and got["p"].tag == 3 and got["p"].requires_grad
    assert type(via_torcia(make(torch))["p"]) is torcia.nn.Parameter


def test_zip64_records(monkeypatch):
    monkeypatch.setattr(zipfile, "ZIP64_LIMIT", 1000)  # storages over ~1 kB take zip64 form
    data = saved_by_torcia({"w": torcia.arange(3000.), "s": torcia.ones(3)}).getvalue()
    raw = zipfile.ZipFile(io.BytesIO(data))
    info = raw.getinfo("archive/data/0")
    n, m = struct.unpack("<HH", data[info.header_offset + 26:info.header_offset + 30])
    assert (info.header_offset + 30 + n + m) % 64 == 0
    assert data[info.header_offset + 30 + n:].find(b"\x01\x00\x10\x00") < m  # zip64 field
    monkeypatch.undo()
    assert torch.load(io.BytesIO(data))["w"].sum().item() == sum(range(3000))
    assert torcia.load(io.BytesIO(data))["w"].sum().item() == sum(range(3000))


def test_numpy_scalars_become_python_numbers():
    got = via_torch({"lr": np.float64(0.5), "step": np.int64(3), "flag": np.bool_(True)})
    assert got == {"lr": 0.5, "step": 3, "flag": True}
    assert type(got["lr"]) is float and type(got["step"]) is int


# -- every nn layer's state dict --------------------------------------------------------------
LAYERS = [
    ("Linear", (3, 4), {}), ("Bilinear", (2, 3, 4), {}), ("Conv1d", (2, 3, 3), {}),
    ("Conv2d", (2, 3, 3), {}), ("Conv3d", (2, 3, 2), {}), ("ConvTranspose1d", (2, 3, 3), {}),
    ("ConvTranspose2d", (2, 3, 3), {}), ("BatchNorm1d", (3,), {}), ("BatchNorm2d", (3,), {}),
    ("BatchNorm3d", (3,), {}), ("LayerNorm", ((2, 3),), {}), ("GroupNorm", (2, 4), {}),
    ("InstanceNorm2d", (3,), {"affine": True, "track_running_stats": True}),
    ("RMSNorm", (4,), {}), ("Embedding", (5, 3), {}), ("EmbeddingBag", (5, 3), {}),
    ("PReLU", (), {}), ("RNN", (3, 4), {"num_layers": 2}), ("LSTM", (3, 4), {"proj_size": 2}),
    ("GRU", (3, 4), {"bidirectional": True}), ("RNNCell", (3, 4), {}),
    ("LSTMCell", (3, 4), {}), ("GRUCell", (3, 4), {}),
    ("MultiheadAttention", (4, 2), {"kdim": 3, "vdim": 5}),
    ("TransformerEncoderLayer", (4, 2), {"dim_feedforward": 8}),
    ("TransformerDecoderLayer", (4, 2), {"dim_feedforward": 8}),
    ("Transformer", (), {"d_model": 4, "nhead": 2, "num_encoder_layers": 1,
                         "num_decoder_layers": 1, "dim_feedforward": 8}),
]


def _model(lib, name, args, kw):
    layer = getattr(lib.nn, name)(*args, **kw)
    return lib.nn.Sequential(OrderedDict(
        first=layer, rest=lib.nn.ModuleList([lib.nn.Linear(2, 2), lib.nn.ModuleDict(
            {"inner": lib.nn.Sequential(lib.nn.Identity(), lib.nn.Linear(1, 3))})])))


@pytest.mark.parametrize("name,args,kw", LAYERS, ids=[n for n, _, _ in LAYERS])
def test_layer_state_dict_round_trips(name, args, kw):
    if not hasattr(torcia.nn, name):
        pytest.skip(f"torcia.nn.{name} does not exist yet")
    torch.manual_seed(0)
    theirs = _model(torch, name, args, kw)
    with torch.no_grad():  # running statistics that are not the defaults
        for b in theirs.buffers():
            if b.is_floating_point():
                b.uniform_()
    ours = _model(torcia, name, args, kw)
    expected = theirs.state_dict()
    # torch -> torcia: loads into torcia's layer (names and shapes match) and reads back
    ours.load_state_dict(torcia.load(saved_by_torch(expected)))
    same_torcia(ours.state_dict(), expected)
    # torcia -> torch: torch reads it and loads it into its own layer
    got = via_torch(ours.state_dict())
    same_torch(got, expected)
    torch.manual_seed(1)
    fresh = _model(torch, name, args, kw)
    fresh.load_state_dict(got)
    same_torch(fresh.state_dict(), expected)


# -- optimizers -----------------------------------------------------------------------------------
OPTIMIZERS = [("SGD", {"lr": 0.1, "momentum": 0.9}), ("Adam", {"lr": 0.01, "amsgrad": True}),
              ("AdamW", {"lr": 0.01}), ("RMSprop", {"lr": 0.01, "centered": True}),
              ("Adagrad", {"lr": 0.1}), ("Adadelta", {}), ("Adamax", {}), ("NAdam", {}),
              ("RAdam", {})]


@pytest.mark.parametrize("name,kw", OPTIMIZERS, ids=[n for n, _ in OPTIMIZERS])
def test_optimizer_state_dict_round_trips(name, kw):
    if not hasattr(torcia, "optim") or not hasattr(torcia.optim, name):
        pytest.skip(f"torcia.optim.{name} does not exist yet")
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 2)
    opt = getattr(torch.optim, name)(model.parameters(), **kw)
    for _ in range(3):
        opt.zero_grad()
        model(torch.randn(4, 3)).pow(2).sum().backward()
        opt.step()
    expected = opt.state_dict()
    ours_model = torcia.nn.Linear(3, 2)
    ours = getattr(torcia.optim, name)(ours_model.parameters(), **kw)
    ours.load_state_dict(via_torcia(expected))
    got = via_torch(ours.state_dict())
    same_torch(got, expected)
    again = getattr(torch.optim, name)(torch.nn.Linear(3, 2).parameters(), **kw)
    again.load_state_dict(got)  # torch accepts it as its own
    same_torch(again.state_dict(), expected)


def test_resume_training_exactly(tmp_path):
    """Model + optimizer + scheduler + RNG state in one checkpoint: the losses after
    resuming equal those of an uninterrupted run, step for step."""
    if not hasattr(torcia, "optim"):
        pytest.skip("torcia.optim does not exist yet")
    nn, optim = torcia.nn, torcia.optim

    def setup(seed):
        torcia.manual_seed(seed)
        model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
        opt = optim.Adam(model.parameters(), lr=0.05)
        sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
        return model, opt, sched

    def step(model, opt, sched):
        x = torcia.randn(16, 4)  # the data come from the RNG, so its state matters
        loss = ((model(x) - x.sum(1, keepdim=True)) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        return loss.item()

    model, opt, sched = setup(0)
    straight = [step(model, opt, sched) for _ in range(8)]

    model, opt, sched = setup(0)
    first = [step(model, opt, sched) for _ in range(4)]
    path = tmp_path / "ckpt.pt"
    torcia.save({"model": model.state_dict(), "optimizer": opt.state_dict(),
                 "scheduler": sched.state_dict(), "rng": torcia.get_rng_state(),
                 "epoch": 4}, path)
    torch.load(path, weights_only=True)  # PyTorch reads the whole checkpoint too
    model, opt, sched = setup(123)  # a different start, overwritten by the checkpoint
    torcia.randn(50)  # and a different RNG position
    ckpt = torcia.load(path)
    model.load_state_dict(ckpt["model"])
    opt.load_state_dict(ckpt["optimizer"])
    sched.load_state_dict(ckpt["scheduler"])
    torcia.set_rng_state(ckpt["rng"])
    resumed = [step(model, opt, sched) for _ in range(4)]
    assert first + resumed == straight


# -- files, map_location, mmap, legacy format -----------------------------------------------------
def test_paths_pathlib_and_file_objects(tmp_path):
    sd = {"w": torcia.arange(6.).reshape(2, 3)}
    for f in (str(tmp_path / "a.pt"), tmp_path / "b.pth"):
        torcia.save(sd, f)
        assert bool((torcia.load(f)["w"] == sd["w"]).all())
        assert torch.load(f)["w"].tolist() == sd["w"].tolist()
    names = zipfile.ZipFile(tmp_path / "b.pth").namelist()  # the archive is the file's stem
    assert names[0] == "b/data.pkl" and "b/data/0" in names and "b/byteorder" in names
    assert zipfile.ZipFile(saved_by_torcia(sd)).namelist()[0] == "archive/data.pkl"

    class Stream:  # readable, not seekable
        def __init__(self, data):
            self.buf = io.BytesIO(data)

        def read(self, n=-1):
            return self.buf.read(n)

        def seekable(self):
            return False
    assert torcia.load(Stream(saved_by_torch({"a": torch.ones(2)}).getvalue()))["a"].sum() == 2
    with pytest.raises(RuntimeError, match="Parent directory .* does not exist"):
        torcia.save(sd, tmp_path / "missing" / "x.pt")


def test_records_match_torch_and_are_aligned():
    data = saved_by_torcia({"a": torcia.ones(3), "b": torcia.zeros(2, dtype=torcia.uint16)})
    ours = zipfile.ZipFile(data)
    theirs = zipfile.ZipFile(saved_by_torch({"a": torch.ones(3),
                                             "b": torch.zeros(2, dtype=torch.uint16)}))
    assert ours.namelist() == theirs.namelist()
    for name in (".format_version", ".storage_alignment", "byteorder", "version"):
        assert ours.read("archive/" + name) == theirs.read("archive/" + name)
    raw = data.getvalue()
    for info in ours.infolist():
        n, m = struct.unpack("<HH", raw[info.header_offset + 26:info.header_offset + 30])
        assert (info.header_offset + 30 + n + m) % 64 == 0, info.filename
        assert info.compress_type == zipfile.ZIP_STORED


def test_map_location():
    buf = saved_by_torcia({"x": torcia.arange(4.)})
    raw = zipfile.ZipFile(buf).read("archive/data.pkl")
    # the same checkpoint as if saved from a GPU: the location string is 'cuda:0'
    cuda_pkl = raw.replace(b"X\x03\x00\x00\x00cpu", b"X\x06\x00\x00\x00cuda:0")
    cuda_ckpt = rezip(buf.getvalue(), {"archive/data.pkl": cuda_pkl})
    if not torcia.cuda.is_available():
        with pytest.raises(RuntimeError, match="torcia.cuda.is_available\\(\\) is False"):
            torcia.load(io.BytesIO(cuda_ckpt))
    seen = []

    def to_cpu(storage, location):
        seen.append((location, storage.shape))
        return storage.clone()
    for ml in ("cpu", torcia.device("cpu"), {"cuda:0": "cpu"}, to_cpu, lambda s, loc: None
               if loc == "cpu" else s, torch.device("cpu")):
        x = torcia.load(io.BytesIO(cuda_ckpt), map_location=ml)["x"]
        assert x.tolist() == [0.0, 1.0, 2.0, 3.0] and x.device.type == "cpu"
    assert seen == [("cuda:0", torcia.Size([4]))]


def rezip(data, replace):
    """A copy of zip bytes ``data`` with some records' contents replaced."""
    src, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info.filename, replace.get(info.filename, src.read(info)))
    return out.getvalue()


def test_mmap(tmp_path):
    import mmap
    path = tmp_path / "m.pt"
    torch.save({"w": torch.arange(1000.).reshape(10, 100), "i": torch.arange(5)}, path)
    sd = torcia.load(path, mmap=True)
    assert sd["w"].sum().item() == sum(range(1000)) and sd["i"].tolist() == list(range(5))
    arr = sd["w"]._data
    while arr is not None and not isinstance(arr, mmap.mmap):
        arr = getattr(arr, "base", None)
    assert isinstance(arr, mmap.mmap)  # memory-mapped, not read
    sd["w"].add_(1)  # copy-on-write: the file keeps its values
    assert torcia.load(path)["w"][0, 0].item() == 0.0
    with pytest.raises(ValueError, match="file path"):
        torcia.load(io.BytesIO(path.read_bytes()), mmap=True)
    torch.save({"w": torch.ones(2)}, tmp_path / "old.pt", _use_new_zipfile_serialization=False)
    with pytest.raises(RuntimeError, match="mmap can only be used"):
        torcia.load(tmp_path / "old.pt", mmap=True)


def test_legacy_format_both_ways():
    # (no uint16 here: PyTorch cannot read its own legacy files with untyped storages)
    def make(lib):
        x = lib.arange(12.).reshape(3, 4)
        sd = OrderedDict(x=x, view=x[1:, ::2], p=lib.nn.Parameter(lib.ones(2)),
                         bf=lib.ones(2, dtype=lib.bfloat16), b=lib.tensor([True]),
                         n=[1, "two", (3.0,)])
        sd._metadata = {"": {"version": 1}}
        return sd
    loaded = via_torcia(make(torch), _use_new_zipfile_serialization=False)
    same_torcia(loaded, make(torch))
    loaded["view"][0, 0] = 99.0
    assert float(loaded["x"][1, 0]) == 99.0
    same_torch(via_torch(make(torcia), _use_new_zipfile_serialization=False), make(torch))
    moved = torcia.load(saved_by_torch(make(torch), _use_new_zipfile_serialization=False),
                        map_location=lambda s, loc: s.clone())
    same_torcia(moved, make(torch))


def test_works_without_pytorch_installed(tmp_path):
    x = torch.arange(6.).reshape(2, 3)
    torch.save({"x": x, "t": x.t()}, tmp_path / "zip.pt")
    torch.save({"x": x, "t": x.t()}, tmp_path / "old.pt", _use_new_zipfile_serialization=False)
    code = textwrap.dedent(f"""
        import sys
        sys.modules["torch"] = None  # import torch now fails
        sys.path.insert(0, {str(pathlib.Path(__file__).parents[1])!r})
        import torcia
        for name in ("zip.pt", "old.pt"):
            d = torcia.load({str(tmp_path)!r} + "/" + name, mmap=name == "zip.pt")
            assert d["t"].tolist() == [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]], d
            torcia.save(d, {str(tmp_path)!r} + "/again_" + name)
        assert "torch" not in [m.split(".")[0] for m in sys.modules if sys.modules[m]]
    """)
    subprocess.run([sys.executable, "-c", code], check=True)
    for name in ("zip.pt", "old.pt"):
        same_torch(torch.load(tmp_path / f"again_{name}"), {"x": x, "t": x.t()})


def test_plain_pickle_of_tensors():
    x = torcia.arange(6.).reshape(2, 3).t()
    p = torcia.nn.Parameter(torcia.ones(2))
    (p * 2).sum().backward()  # a leaf with .grad and an accumulator still pickles
    x2, p2 = pickle.loads(pickle.dumps((x, p)))
    assert x2.tolist() == x.tolist() and type(p2) is torcia.nn.Parameter and p2.requires_grad


# -- weights-only safety -----------------------------------------------------------------------
class Payload:
    """Pickles as a call that would create the marker file if ever run."""

    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return self.fn, self.args


def payloads(marker):
    import builtins
    m = str(marker)
    return {
        "os.system": Payload(os.system, f"touch {m}"),
        "eval": Payload(eval, f"open({m!r}, 'w').close()"),
        "exec": Payload(builtins.exec, f"open({m!r}, 'w').close()"),
        "subprocess": Payload(subprocess.check_call, ["touch", m]),
        "__import__": Payload(builtins.__import__, "antigravity"),
        "getattr": Payload(getattr, "text", "upper"),
    }


@pytest.mark.parametrize("fmt", ["zip", "legacy"])
def test_code_in_checkpoint_never_runs(tmp_path, fmt):
    marker = tmp_path / "pwned"
    for name, payload in payloads(marker).items():
        path = tmp_path / f"{name}.pt"
        torcia.save({"w": torcia.ones(2), "x": [payload]}, path,
                    _use_new_zipfile_serialization=fmt == "zip")
        with pytest.raises(pickle.UnpicklingError) as info:
            torcia.load(path)
        msg = str(info.value)
        assert "Weights only load failed" in msg and "weights_only" in msg
        refused = {"os.system": "posix.system", "subprocess": "subprocess.check_call",
                   "__import__": "__import__", "getattr": "getattr", "eval": "eval",
                   "exec": "exec"}[name]
        assert refused in msg, msg
        assert not marker.exists(), name
        assert "antigravity" not in sys.modules
    # the payload is real: with the explicit opt-in it runs
    path = tmp_path / "trusted.pt"
    torcia.save(payloads(marker)["subprocess"], path, _use_new_zipfile_serialization=fmt == "zip")
    torcia.load(path, weights_only=False)
    assert marker.exists()


def test_unknown_module_is_never_imported(tmp_path, monkeypatch):
    marker = tmp_path / "imported"
    (tmp_path / "evil_module_xyz.py").write_text(
        f"open({str(marker)!r}, 'w').close()\nclass Thing:\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    protocols = {2: b"\x80\x02cevil_module_xyz\nThing\n)\x81.",  # GLOBAL + NEWOBJ
                 4: b"\x80\x04\x8c\x0fevil_module_xyz\x8c\x05Thing\x93)\x81."}  # STACK_GLOBAL
    for proto, pkl in protocols.items():
        ckpt = rezip(saved_by_torcia({}).getvalue(), {"archive/data.pkl": pkl})
        with pytest.raises(pickle.UnpicklingError, match="evil_module_xyz.Thing"):
            torcia.load(io.BytesIO(ckpt))
        assert not marker.exists() and "evil_module_xyz" not in sys.modules, proto


@pytest.mark.parametrize("pkl,match", [
    (b"\x80\x02]q\x00}\x85b.", "Can only build"),  # BUILD on a list
    (b"\x80\x02}q\x00]\x85\x86.", None),  # harmless: a tuple of a dict and a list
    (b"\x80\x02cbuiltins\nset\n)Rq\x00K\x01a.", "Can only append to lists"),  # APPEND on a set
    (b"\x80\x02ccollections\nOrderedDict\n)RK\x01K\x02s.", None),  # SETITEM on OrderedDict
    (b"\x80\x02K\x00K\x01K\x02s.", "Can only SETITEM"),  # SETITEM on an int
    (b"\x80\x02c_codecs\nencode\n)\x81.", "expects a class"),  # NEWOBJ of a function
    (b"\x80\x02i__main__\nX\n.", "Unsupported operand"),  # INST
    (b"\x80\x02\x82\x01.", "Unsupported operand"),  # EXT1
    (b"\x80\x02(X\x07\x00\x00\x00unknowntQ.", "Only persistent_load of storage"),
    (b"\x80\x02h\x05.", "Memo value not found"),
    (b"\x80\x02]", "truncated"),
])
def test_restricted_opcodes(pkl, match):
    ckpt = rezip(saved_by_torcia({}).getvalue(), {"archive/data.pkl": pkl})
    if match is None:
        torcia.load(io.BytesIO(ckpt))
    else:
        with pytest.raises(pickle.UnpicklingError, match=match):
            torcia.load(io.BytesIO(ckpt))


def test_out_of_bounds_storage_is_refused():
    buf = saved_by_torcia({"x": torcia.arange(4.)})
    raw = zipfile.ZipFile(buf).read("archive/data.pkl")
    assert raw.count(b"K\x04\x85") == 1  # the size (4,)
    bad = rezip(buf.getvalue(), {"archive/data.pkl": raw.replace(b"K\x04\x85", b"K\x40\x85")})
    with pytest.raises(RuntimeError, match="out of bounds for storage of size 16"):
        torcia.load(io.BytesIO(bad))


class Config:
    def __init__(self, lr):
        self.lr = lr


def test_safe_globals():
    buf = saved_by_torcia({"cfg": Config(0.5), "w": torcia.ones(1)})
    with pytest.raises(pickle.UnpicklingError, match="tests.test_serialization.Config"):
        torcia.load(io.BytesIO(buf.getvalue()))
    assert serialization.get_unsafe_globals_in_checkpoint(io.BytesIO(buf.getvalue())) == \
        ["tests.test_serialization.Config"]
    with serialization.safe_globals([Config]):
        assert torcia.load(io.BytesIO(buf.getvalue()))["cfg"].lr == 0.5
    assert Config not in serialization.get_safe_globals()
    serialization.add_safe_globals([(Config, "tests.test_serialization.Config")])
    try:
        assert torcia.load(io.BytesIO(buf.getvalue()))["cfg"].lr == 0.5
    finally:
        serialization.clear_safe_globals()
    assert serialization.get_safe_globals() == []
    with pytest.raises(RuntimeError, match="explicit pickle_module"):
        torcia.load(io.BytesIO(buf.getvalue()), pickle_module=pickle, weights_only=True)
    assert torcia.load(io.BytesIO(buf.getvalue()), weights_only=False)["cfg"].lr == 0.5


def test_whole_torch_module_maps_to_torcia_with_opt_in():
    torch.manual_seed(0)
    lin = torch.nn.Linear(3, 2)
    buf = saved_by_torch(lin)
    with pytest.raises(pickle.UnpicklingError, match="torch.nn.modules.linear.Linear"):
        torcia.load(io.BytesIO(buf.getvalue()))
    ours = torcia.load(io.BytesIO(buf.getvalue()), weights_only=False)
    assert type(ours) is torcia.nn.Linear
    x = [[1.0, 2.0, 3.0]]
    compare(ours(torcia.tensor(x)).detach(), lin(torch.tensor(x)).detach())


# -- damaged and newer files ----------------------------------------------------------------------
def test_truncated_and_corrupt_files(tmp_path):
    good = saved_by_torcia({"w": torcia.arange(1000.)}).getvalue()
    for cut in (len(good) // 2, len(good) - 30, 10):
        with pytest.raises(RuntimeError, match="corrupted or truncated"):
            torcia.load(io.BytesIO(good[:cut]))
    flipped = bytearray(good)
    flipped[flipped.index(b"archive/data/0") + 600] ^= 0xFF  # inside the storage's bytes
    with pytest.raises(RuntimeError, match="CRC"):
        torcia.load(io.BytesIO(bytes(flipped)))
    for junk in (b"", b"not a checkpoint at all", os.urandom(200)):
        with pytest.raises((RuntimeError, pickle.UnpicklingError)):
            torcia.load(io.BytesIO(junk))
    legacy = saved_by_torch({"w": torch.ones(100)}, _use_new_zipfile_serialization=False)
    with pytest.raises(RuntimeError, match="truncated"):
        torcia.load(io.BytesIO(legacy.getvalue()[:-50]))


def test_newer_format_version_is_refused():
    data = saved_by_torcia({"w": torcia.ones(1)}).getvalue()
    newer = rezip(data, {"archive/version": b"11\n"})
    with pytest.raises(RuntimeError, match="version 11, but the maximum supported version "
                                           "for reading is 10"):
        torcia.load(io.BytesIO(newer))
    with pytest.raises(RuntimeError, match="version 11"):  # PyTorch refuses it as well
        torch.load(io.BytesIO(newer))
    assert torcia.load(io.BytesIO(rezip(data, {"archive/version": b"10\n"})))["w"].item() == 1
    with pytest.raises(RuntimeError, match="Invalid protocol version: 1002"):
        legacy = saved_by_torch({"w": torch.ones(1)}, _use_new_zipfile_serialization=False)
        raw = legacy.getvalue()
        torcia.load(io.BytesIO(raw.replace(pickle.dumps(1001, protocol=2)[2:-1],
                                           pickle.dumps(1002, protocol=2)[2:-1], 1)))


# -- atomic saves ---------------------------------------------------------------------------------
class Bomb:
    def __reduce__(self):
        raise RuntimeError("boom while pickling")


def test_exception_mid_save_keeps_previous_file(tmp_path):
    path = tmp_path / "ckpt.pt"
    torcia.save({"w": torcia.ones(3)}, path)
    os.chmod(path, 0o640)
    before = path.read_bytes()
    with pytest.raises(RuntimeError, match="boom while pickling"):
        torcia.save({"w": torcia.zeros(3), "late": [torcia.zeros(100), Bomb()]}, path)
    assert path.read_bytes() == before and torcia.load(path)["w"].tolist() == [1.0] * 3
    assert os.listdir(tmp_path) == ["ckpt.pt"]  # no temporary file left behind
    torcia.save({"w": torcia.zeros(3)}, path)
    assert oct(os.stat(path).st_mode & 0o777) == oct(0o640)  # an overwrite keeps the mode


def test_killed_process_mid_save_keeps_previous_file(tmp_path):
    path = tmp_path / "ckpt.pt"
    started = tmp_path / "started"
    torcia.save({"w": torcia.full((4,), -1.0)}, path)
    before = path.read_bytes()
    child = textwrap.dedent(f"""
        import os, sys, time
        sys.path.insert(0, {str(pathlib.Path(__file__).parents[1])!r})
        import torcia
        from torcia import serialization as s
        write = s._write_record
        def slow(zf, name, data):
            write(zf, name, data)
            if "/data/" in name:  # the big storage is on disk, the archive is not finished
                open({str(started)!r}, "w").close()
                time.sleep(60)
        s._write_record = slow
        torcia.save({{"w": torcia.full((8 << 20,), 7.0)}}, {str(path)!r})
    """)
    proc = subprocess.Popen([sys.executable, "-c", child])
    try:
        deadline = time.time() + 60
        while not started.exists():
            assert proc.poll() is None, "the saving process ended early"
            assert time.time() < deadline
            time.sleep(0.01)
        temps = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
        assert temps and temps[0].stat().st_size > 32 << 20  # mid-save: 32 MiB written
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert path.read_bytes() == before
    assert torcia.load(path)["w"].tolist() == [-1.0] * 4


# -- safetensors ----------------------------------------------------------------------------------
def test_safetensors_both_ways(tmp_path):
    pytest.importorskip("safetensors")
    import safetensors.torch as st

    from torcia import safetensors as ts

    def make(lib):
        x = lib.arange(12.).reshape(3, 4)
        return {"w": x.t(), "bf": lib.ones(2, 3, dtype=lib.bfloat16) * 1.5,
                "h": lib.ones(2, dtype=lib.float16), "i": lib.arange(3),
                "m": lib.tensor([True, False]), "s": lib.tensor(2.5),
                "u": lib.arange(4, dtype=lib.uint8), "c": lib.tensor([1 + 1j]),
                "e": lib.zeros(0, 2)}
    path = tmp_path / "ours.safetensors"
    ts.save_file(make(torcia), path, metadata={"format": "pt"})
    got = st.load_file(path)  # read by safetensors' PyTorch API
    expected = {k: v.contiguous() for k, v in make(torch).items()}
    same_torch(dict(sorted(got.items())), dict(sorted(expected.items())))
    st.save_file(expected, tmp_path / "theirs.safetensors")
    loaded = ts.load_file(tmp_path / "theirs.safetensors")
    assert sorted(loaded) == sorted(expected)
    for k in expected:
        compare(loaded[k], expected[k], k)
    loaded["s"].add_(1)  # writable tensors
    from_bytes = ts.load(ts.save(make(torcia)))
    for k in expected:
        compare(from_bytes[k], expected[k], k)
    with pytest.raises(RuntimeError, match="share memory"):
        x = torcia.ones(4)
        ts.save_file({"a": x, "b": x[1:]}, tmp_path / "shared.safetensors")
    model = torcia.nn.Linear(3, 2)
    ts.save_model(model, tmp_path / "model.safetensors")
    other = torcia.nn.Linear(3, 2)
    ts.load_model(other, tmp_path / "model.safetensors")
    assert other.weight.tolist() == model.weight.tolist()
