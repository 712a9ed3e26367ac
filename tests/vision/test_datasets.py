"""Vision datasets on files generated in temporary directories (IDX, CIFAR pickles, image
folders, .mat), and on the real Fashion-MNIST when the system has it."""

import gzip
import hashlib
import os
import pickle
import struct

import numpy as np
import pytest
import torch
from PIL import Image

import torcia
from torcia.utils.data import DataLoader
from torcia.vision import datasets, transforms
from torcia.vision.datasets import mnist as mnist_module

RNG = np.random.default_rng(1)


def write_idx(path, array, compress=False):
    codes = {np.uint8: 8, np.int8: 9, np.int16: 11, np.int32: 12, np.float32: 13}
    code = codes[array.dtype.type]
    header = struct.pack(">HBB", 0, code, array.ndim) + b"".join(
        struct.pack(">I", s) for s in array.shape)
    data = header + array.astype(array.dtype.newbyteorder(">")).tobytes()
    if compress:
        with gzip.open(path + ".gz", "wb") as f:
            f.write(data)
    else:
        with open(path, "wb") as f:
            f.write(data)


def make_mnist(root, name="MNIST", n_train=30, n_test=10, compress=False, prefix=""):
    raw = os.path.join(root, name, "raw")
    os.makedirs(raw, exist_ok=True)
    out = {}
    for split, n in (("train", n_train), ("t10k", n_test)):
        images = RNG.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = RNG.integers(0, 10, n, dtype=np.uint8)
        write_idx(os.path.join(raw, f"{prefix}{split}-images-idx3-ubyte"), images, compress)
        write_idx(os.path.join(raw, f"{prefix}{split}-labels-idx1-ubyte"), labels, compress)
        out[split] = (images, labels)
    return out


@pytest.mark.parametrize("compress", [False, True])
def test_mnist_parses_idx(tmp_path, compress):
    made = make_mnist(str(tmp_path), compress=compress)
    ds = datasets.MNIST(str(tmp_path), train=True)
    images, labels = made["train"]
    assert len(ds) == 30 and ds.data.dtype == torcia.uint8 and ds.targets.dtype == torcia.int64
    np.testing.assert_array_equal(ds.data.numpy(), images)
    np.testing.assert_array_equal(ds.targets.numpy(), labels)
    img, target = ds[3]
    assert isinstance(img, Image.Image) and img.mode == "L" and img.size == (28, 28)
    assert type(target) is int and target == labels[3]
    np.testing.assert_array_equal(np.asarray(img), images[3])
    test = datasets.MNIST(str(tmp_path), train=False)
    assert len(test) == 10
    assert ds.classes[0] == "0 - zero" and ds.class_to_idx["9 - nine"] == 9
    assert repr(ds).splitlines()[:4] == ["Dataset MNIST", "    Number of datapoints: 30",
                                         f"    Root location: {tmp_path}", "    Split: Train"]


def test_train_flag_is_truthiness_as_in_torchvision(tmp_path):
    make_mnist(str(tmp_path), "FashionMNIST")
    assert len(datasets.FashionMNIST(str(tmp_path), train="true")) == 30
    assert len(datasets.FashionMNIST(str(tmp_path), train="false")) == 30  # a non-empty string
    assert len(datasets.FashionMNIST(str(tmp_path), train="")) == 10
    assert "Split: Test" in repr(datasets.FashionMNIST(str(tmp_path), train="true"))


def test_missing_dataset_error(tmp_path):
    with pytest.raises(RuntimeError) as info:
        datasets.FashionMNIST(str(tmp_path), train=True, download=False)
    assert str(info.value) == "Dataset not found. You can use download=True to download it"
    with pytest.raises(RuntimeError, match="Dataset not found or corrupted. You can use "
                                           "download=True to download it"):
        datasets.CIFAR10(str(tmp_path))


def test_download_uses_files_in_root_and_system_copies(tmp_path, monkeypatch):
    made = make_mnist(str(tmp_path / "a"), "KMNIST", compress=True)
    ds = datasets.KMNIST(str(tmp_path / "a"), download=True)  # .gz already in raw/: extracted
    assert os.path.isfile(tmp_path / "a" / "KMNIST" / "raw" / "train-images-idx3-ubyte")
    np.testing.assert_array_equal(ds.targets.numpy(), made["train"][1])
    system = tmp_path / "system"
    make_mnist(str(system), "x", compress=True)
    monkeypatch.setitem(mnist_module.SYSTEM_DATA_DIRS, "MNIST", [str(system / "x" / "raw")])
    ds = datasets.MNIST(str(tmp_path / "b"), train=False, download=True)
    assert len(ds) == 10
    assert sorted(os.listdir(tmp_path / "b" / "MNIST" / "raw")) == [
        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", "train-images-idx3-ubyte",
        "train-labels-idx1-ubyte"]


def test_emnist_kmnist_qmnist(tmp_path):
    make_mnist(str(tmp_path), "EMNIST", prefix="emnist-letters-")
    raw = tmp_path / "EMNIST" / "raw"
    for split in ("train", "t10k"):
        for kind in ("images-idx3-ubyte", "labels-idx1-ubyte"):
            os.rename(raw / f"emnist-letters-{split}-{kind}",
                      raw / f"emnist-letters-{'train' if split == 'train' else 'test'}-{kind}")
    ds = datasets.EMNIST(str(tmp_path), split="letters")
    assert len(ds) == 30 and ds.classes[:3] == ["N/A", "a", "b"]
    with pytest.raises(ValueError, match="Unknown value 'nope' for argument split"):
        datasets.EMNIST(str(tmp_path), split="nope")
    qraw = tmp_path / "QMNIST" / "raw"
    os.makedirs(qraw)
    images = RNG.integers(0, 256, (12, 28, 28), dtype=np.uint8)
    labels = RNG.integers(0, 10, (12, 8)).astype(np.int32)
    write_idx(str(qraw / "qmnist-test-images-idx3-ubyte"), images)
    write_idx(str(qraw / "qmnist-test-labels-idx2-int"), labels)
    q = datasets.QMNIST(str(tmp_path), what="test")
    assert len(q) == 12 and q[2][1] == labels[2, 0] and type(q[2][1]) is int
    q = datasets.QMNIST(str(tmp_path), what="test", compat=False)
    assert q[2][1].tolist() == labels[2].tolist()
    assert repr(q).splitlines()[-1] == "    Split: test"


def test_mnist_batches_vectorised_equal_per_item(tmp_path):
    make_mnist(str(tmp_path), n_train=50)
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    ds = datasets.MNIST(str(tmp_path), transform=tf)
    items = [ds[i] for i in (4, 0, 17)]
    batch = ds.__getitems__([4, 0, 17])
    for (x, y), (bx, by) in zip(items, batch):
        np.testing.assert_array_equal(x.numpy(), bx.numpy())
        assert y == by and type(by) is int
    assert isinstance(batch, list)
    fast = list(DataLoader(ds, batch_size=8))
    custom = next(iter(DataLoader(ds, batch_size=3, collate_fn=lambda b: b)))
    assert type(custom) is list and len(custom) == 3 and type(custom[0][1]) is int
    ds_slow = datasets.MNIST(str(tmp_path), transform=transforms.Compose(
        [transforms.ToTensor(), transforms.Lambda(lambda t: t),
         transforms.Normalize((0.1307,), (0.3081,))]))
    slow = list(DataLoader(ds_slow, batch_size=8))
    assert len(fast) == len(slow) == 7
    for (a, b), (c, d) in zip(fast, slow):
        assert a.dtype == c.dtype == torcia.float32 and a.shape == c.shape
        np.testing.assert_array_equal(a.numpy(), c.numpy())
        np.testing.assert_array_equal(b.numpy(), d.numpy())
        assert b.dtype == torcia.int64


def _cifar_files(root, base, names, key, meta_name, meta_key, classes):
    d = os.path.join(root, base)
    os.makedirs(d)
    made = {}
    for name in names:
        data = RNG.integers(0, 256, (6, 3072), dtype=np.uint8)
        labels = RNG.integers(0, len(classes), 6).tolist()
        with open(os.path.join(d, name), "wb") as f:
            pickle.dump({"data": data, key: labels, "batch_label": name}, f, protocol=2)
        made[name] = (data, labels)
    with open(os.path.join(d, meta_name), "wb") as f:
        pickle.dump({meta_key: classes}, f, protocol=2)
    return made


def _md5(path):
    return hashlib.md5(open(path, "rb").read()).hexdigest()


def test_cifar10_and_cifar100_from_pickled_batches(tmp_path):
    classes = [f"c{i}" for i in range(10)]
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    made = _cifar_files(str(tmp_path), "cifar-10-batches-py", names, "labels", "batches.meta",
                        "label_names", classes)
    d = tmp_path / "cifar-10-batches-py"

    class MyCIFAR10(datasets.CIFAR10):  # torchvision checks MD5s: use the generated files'
        train_list = [[n, _md5(d / n)] for n in names[:5]]
        test_list = [["test_batch", _md5(d / "test_batch")]]
        meta = {"filename": "batches.meta", "key": "label_names",
                "md5": _md5(d / "batches.meta")}

    ds = MyCIFAR10(str(tmp_path), train=True)
    assert len(ds) == 30 and ds.data.shape == (30, 32, 32, 3) and ds.classes == classes
    first = made["data_batch_1"][0][0].reshape(3, 32, 32).transpose(1, 2, 0)
    img, target = ds[0]
    assert isinstance(img, Image.Image) and img.mode == "RGB" and target == made[
        "data_batch_1"][1][0]
    np.testing.assert_array_equal(np.asarray(img), first)
    test = MyCIFAR10(str(tmp_path), train=False, transform=transforms.ToTensor())
    x, _ = test[1]
    assert x.shape == (3, 32, 32)
    batch = list(DataLoader(test, batch_size=4))
    np.testing.assert_array_equal(batch[0][0].numpy()[1], x.numpy())
    assert batch[0][1].tolist() == made["test_batch"][1][:4]

    made100 = _cifar_files(str(tmp_path), "cifar-100-python", ["train", "test"], "fine_labels",
                           "meta", "fine_label_names", [f"f{i}" for i in range(100)])
    d100 = tmp_path / "cifar-100-python"

    class MyCIFAR100(datasets.CIFAR100):
        train_list = [["train", _md5(d100 / "train")]]
        test_list = [["test", _md5(d100 / "test")]]
        meta = {"filename": "meta", "key": "fine_label_names", "md5": _md5(d100 / "meta")}

    c100 = MyCIFAR100(str(tmp_path), train=False)
    assert len(c100) == 6 and c100.targets == made100["test"][1] and len(c100.classes) == 100


def test_cifar_refuses_code_in_pickles(tmp_path):
    d = tmp_path / "cifar-10-batches-py"
    os.makedirs(d)

    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))
    for name in ["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4",
                 "data_batch_5", "test_batch", "batches.meta"]:
        with open(d / name, "wb") as f:
            pickle.dump({"data": Evil()}, f)

    class MyCIFAR10(datasets.CIFAR10):
        train_list = [[f"data_batch_{i}", _md5(d / f"data_batch_{i}")] for i in range(1, 6)]
        test_list = [["test_batch", _md5(d / "test_batch")]]

    with pytest.raises(pickle.UnpicklingError, match="refusing to load global"):
        MyCIFAR10(str(tmp_path))


def test_image_folder_and_dataset_folder(tmp_path):
    colors = {"cat": (255, 0, 0), "dog": (0, 255, 0), "eel": (0, 0, 255)}
    for cls, color in colors.items():
        os.makedirs(tmp_path / cls / "sub")
        for k in range(2):
            Image.new("RGB", (8, 6), color).save(tmp_path / cls / f"{k}.png")
        Image.new("L", (8, 6), 7).save(tmp_path / cls / "sub" / "x.JPG")
        (tmp_path / cls / "notes.txt").write_text("not an image")
    ds = datasets.ImageFolder(str(tmp_path), transform=transforms.ToTensor())
    assert ds.classes == ["cat", "dog", "eel"] and ds.class_to_idx == {"cat": 0, "dog": 1,
                                                                      "eel": 2}
    assert len(ds) == 9 and ds.targets == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert [os.path.relpath(p, tmp_path) for p, _ in ds.samples[:3]] == [
        "cat/0.png", "cat/1.png", os.path.join("cat", "sub", "x.JPG")]
    x, y = ds[3]
    assert x.shape == (3, 6, 8) and y == 1 and x[1].min().item() == 1.0
    assert ds.imgs is ds.samples
    raw = datasets.ImageFolder(str(tmp_path))[2][0]
    assert isinstance(raw, Image.Image) and raw.mode == "RGB"
    txt = datasets.DatasetFolder(str(tmp_path), loader=lambda p: open(p).read(),
                                 extensions=(".txt",))
    assert len(txt) == 3 and txt[0] == ("not an image", 0)
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes"):
        datasets.DatasetFolder(str(tmp_path), loader=open, extensions=".bin")
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder"):
        datasets.ImageFolder(str(tmp_path / "cat" / "sub"))
    loaded = list(DataLoader(ds, batch_size=4, shuffle=True))
    assert sum(len(b[1]) for b in loaded) == 9


def test_fake_data_is_torchvisions():
    ds = datasets.FakeData(size=3, image_size=(3, 5, 4), num_classes=7, random_offset=2)
    img, target = ds[1]
    torch.manual_seed(1 + 2)
    ref = torch.randn(3, 5, 4)
    ref_target = torch.randint(0, 7, size=(1,), dtype=torch.long)[0].item()
    assert target == ref_target and isinstance(img, Image.Image) and img.size == (4, 5)
    np.testing.assert_array_equal(np.asarray(img),
                                  ref.mul(255).byte().numpy().transpose(1, 2, 0))
    torcia.manual_seed(0)
    before = torcia.rand(1)
    torcia.manual_seed(0)
    ds[0]
    assert torcia.rand(1).item() == before.item()  # the global state is restored
    with pytest.raises(IndexError, match="FakeData index out of range"):
        ds[3]


def test_svhn_from_mat(tmp_path):
    sio = pytest.importorskip("scipy.io")
    X = RNG.integers(0, 256, (32, 32, 3, 5), dtype=np.uint8)
    y = np.array([[1], [10], [3], [10], [9]], dtype=np.uint8)
    sio.savemat(str(tmp_path / "test_32x32.mat"), {"X": X, "y": y})

    class MySVHN(datasets.SVHN):
        split_list = dict(datasets.SVHN.split_list,
                          test=["http://127.0.0.1/none", "test_32x32.mat",
                                _md5(tmp_path / "test_32x32.mat")])

    ds = MySVHN(str(tmp_path), split="test")
    assert len(ds) == 5 and ds.labels.tolist() == [1, 0, 3, 0, 9]
    img, target = ds[1]
    assert target == 0 and img.size == (32, 32)
    np.testing.assert_array_equal(np.asarray(img), X[..., 1])


FASHION = "/usr/share/datasets/fashion-mnist"


@pytest.mark.skipif(not os.path.isdir(FASHION), reason="dataset-fashion-mnist not installed")
def test_real_fashion_mnist(tmp_path):
    with gzip.open(os.path.join(FASHION, "train-labels-idx1-ubyte.gz")) as f:
        file_labels = np.frombuffer(f.read(), np.uint8, offset=8)
    with gzip.open(os.path.join(FASHION, "t10k-labels-idx1-ubyte.gz")) as f:
        file_test_labels = np.frombuffer(f.read(), np.uint8, offset=8)
    train = datasets.FashionMNIST(str(tmp_path), train=True, download=True,
                                  transform=transforms.ToTensor())
    test = datasets.FashionMNIST(str(tmp_path), train=False, download=True,
                                 transform=transforms.ToTensor())
    assert len(train) == 60000 and len(test) == 10000
    assert train.targets[:5].tolist() == [9, 0, 0, 3, 0] == file_labels[:5].tolist()
    np.testing.assert_array_equal(test.targets.numpy(), file_test_labels)
    x, y = train[0]
    assert x.shape == (1, 28, 28) and x.dtype == torcia.float32 and y == 9
    assert train.classes[9] == "Ankle boot"
    # The seed's call: torchvision treats any non-empty string as true, so train='false'
    # loads the training set too.
    seed_test = datasets.FashionMNIST(str(tmp_path), train="false", download="false",
                                      transform=transforms.ToTensor())
    assert len(seed_test) == 60000
    loader = DataLoader(train, batch_size=100)
    assert len(loader) == 600
    assert repr(loader).startswith("<torch.utils.data.dataloader.DataLoader object at 0x")
    xb, yb = next(iter(loader))
    assert xb.shape == (100, 1, 28, 28) and yb.tolist()[:5] == [9, 0, 0, 3, 0]
