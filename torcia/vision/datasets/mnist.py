"""MNIST, FashionMNIST, KMNIST, EMNIST and QMNIST, as ``torchvision.datasets.mnist``.

Files live where torchvision keeps them: ``root/<ClassName>/raw/train-images-idx3-ubyte`` and
so on (the ``.gz`` files are read as well). ``download=True`` uses files already there, then a
system copy (Debian's ``dataset-fashion-mnist`` installs Fashion-MNIST in
``/usr/share/datasets/fashion-mnist``), then the official mirrors with MD5 verification.
"""

import codecs
import gzip
import lzma
import os
import string
import urllib.error

import numpy as np
from PIL import Image

from ..._tensor import Tensor, wrap
from ..transforms.transforms import _batch_fn
from .utils import (
    _atomic_write_from,
    check_integrity,
    download_and_extract_archive,
    extract_archive,
    verify_str_arg,
)
from .vision import VisionDataset

__all__ = ["MNIST", "FashionMNIST", "KMNIST", "EMNIST", "QMNIST", "read_image_file",
           "read_label_file", "read_sn3_pascalvincent_tensor", "SYSTEM_DATA_DIRS"]

# Where operating-system packages put these datasets (searched by download=True).
SYSTEM_DATA_DIRS = {
    "MNIST": ["/usr/share/datasets/mnist"],
    "FashionMNIST": ["/usr/share/datasets/fashion-mnist"],
}

_SN3_TYPES = {8: np.uint8, 9: np.int8, 11: np.dtype(">i2"), 12: np.dtype(">i4"),
              13: np.dtype(">f4"), 14: np.dtype(">f8")}


def get_int(b):
    return int(codecs.encode(b, "hex"), 16)


def _open_bytes(path):
    """The bytes of ``path``, or of ``path`` + .gz/.xz when only the compressed file exists."""
    if os.path.isfile(path):
        with open(path, "rb") as f:
            return f.read()
    for suffix, opener in ((".gz", gzip.open), (".xz", lzma.open)):
        if os.path.isfile(path + suffix):
            with opener(path + suffix, "rb") as f:
                return f.read()
    raise FileNotFoundError(f"No such file: '{path}'")


def _parse_sn3(data, strict=True, path="<bytes>"):
    """An IDX (SN3 PascalVincent) file's contents as a NumPy array of its dtype and shape."""
    if len(data) < 4:
        raise ValueError(f"{path} is not an IDX file (too short)")
    magic = get_int(data[0:4])
    nd = magic % 256
    ty = magic // 256
    if not (1 <= nd <= 3) or ty not in _SN3_TYPES or data[0:2] != b"\x00\x00":
        raise ValueError(f"{path} is not an IDX file (magic number {magic:#x})")
    shape = [get_int(data[4 * (i + 1):4 * (i + 2)]) for i in range(nd)]
    dt = np.dtype(_SN3_TYPES[ty])
    offset = 4 * (nd + 1)
    count = (len(data) - offset) // dt.itemsize
    if count < int(np.prod(shape)) or (strict and count != int(np.prod(shape))):
        raise ValueError(f"{path}: the header says {shape} but the file holds {count} values "
                         "(a truncated or corrupt file: delete it and download again)")
    parsed = np.frombuffer(data, dtype=dt, count=int(np.prod(shape)), offset=offset)
    return parsed.astype(dt.newbyteorder("="), copy=True).reshape(shape)


def read_sn3_pascalvincent_tensor(path, strict=True):
    """Read an IDX file (``.gz``/``.xz`` beside it also accepted) as a tensor."""
    return wrap(_parse_sn3(_open_bytes(path), strict, path))


def read_label_file(path):
    x = read_sn3_pascalvincent_tensor(path, strict=False)
    if x.dtype != _uint8():
        raise TypeError(f"x should be of dtype torch.uint8 instead of {x.dtype}")
    if x.ndim != 1:
        raise ValueError(f"x should have 1 dimension instead of {x.ndim}")
    return x.long()


def read_image_file(path):
    x = read_sn3_pascalvincent_tensor(path, strict=False)
    if x.dtype != _uint8():
        raise TypeError(f"x should be of dtype torch.uint8 instead of {x.dtype}")
    if x.ndim != 3:
        raise ValueError(f"x should have 3 dimension instead of {x.ndim}")
    return x


def _uint8():
    from ... import uint8
    return uint8


class MNIST(VisionDataset):
    """The MNIST digits: 60,000 training and 10,000 test images, 28 x 28 grayscale.

    Args:
        root: the directory holding ``MNIST/raw``.
        train: the training set if true (any truthy value, as torchvision), else the test set.
        transform: applied to the PIL image; target_transform: applied to the int label.
        download: fetch the files when they are not in ``root`` yet.

    Items are ``(PIL image, int)`` before transforms; ``data`` is a uint8 tensor
    ``N x 28 x 28`` and ``targets`` an int64 tensor.
    """

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/",
               "http://yann.lecun.com/exdb/mnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    training_file = "training.pt"
    test_file = "test.pt"
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six",
               "7 - seven", "8 - eight", "9 - nine"]

    @property
    def train_labels(self):
        import warnings
        warnings.warn("train_labels has been renamed targets", stacklevel=2)
        return self.targets

    @property
    def test_labels(self):
        import warnings
        warnings.warn("test_labels has been renamed targets", stacklevel=2)
        return self.targets

    @property
    def train_data(self):
        import warnings
        warnings.warn("train_data has been renamed data", stacklevel=2)
        return self.data

    @property
    def test_data(self):
        import warnings
        warnings.warn("test_data has been renamed data", stacklevel=2)
        return self.data

    def __init__(self, root, train=True, transform=None, target_transform=None,
                 download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        if not self._check_exists():
            raise RuntimeError("Dataset not found. You can use download=True to download it")
        self.data, self.targets = self._load_data()

    def _load_data(self):
        prefix = "train" if self.train else "t10k"
        data = read_image_file(os.path.join(self.raw_folder, f"{prefix}-images-idx3-ubyte"))
        targets = read_label_file(os.path.join(self.raw_folder, f"{prefix}-labels-idx1-ubyte"))
        return data, targets

    def __getitem__(self, index):
        if type(index) is int and type(self.data) is Tensor and type(self.targets) is Tensor:
            img, target = self.data._data[index], int(self.targets._data[index])  # fast path
        else:
            img, target = self.data[index].numpy(), int(self.targets[index])
        img = Image.fromarray(img)
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __getitems__(self, indices):
        """A batch of items; with a ``ToTensor``/``Normalize`` transform it is converted in
        one vectorised step (the same values as item by item)."""
        return _fast_items(self, MNIST, indices)

    def _fetch_collated(self, indices):
        return _fast_collated(self, MNIST, indices)

    def __len__(self):
        return len(self.data)

    @property
    def raw_folder(self):
        return os.path.join(self.root, self.__class__.__name__, "raw")

    @property
    def processed_folder(self):
        return os.path.join(self.root, self.__class__.__name__, "processed")

    @property
    def class_to_idx(self):
        return {c: i for i, c in enumerate(self.classes)}

    def _raw_names(self):
        return [os.path.splitext(os.path.basename(url))[0] for url, _ in self.resources]

    def _check_exists(self):
        return all(check_integrity(os.path.join(self.raw_folder, name))
                   or check_integrity(os.path.join(self.raw_folder, name + ".gz"))
                   for name in self._raw_names())

    def _extract_local(self, directories):
        """Take the files from the first of ``directories`` that has them all (compressed or
        not), checking that each parses as an IDX file; True on success."""
        names = [name for name, _ in self.resources]
        for d in directories:
            sources = []
            for gz in names:
                raw = os.path.splitext(gz)[0]
                found = next((p for p in (os.path.join(d, gz), os.path.join(d, raw))
                              if os.path.isfile(p)), None)
                if found is None:
                    break
                sources.append((found, os.path.join(self.raw_folder, raw)))
            else:
                written = []
                try:
                    for src, dst in sources:
                        if os.path.abspath(src) != os.path.abspath(dst):
                            opener = gzip.open if src.endswith(".gz") else open
                            with opener(src, "rb") as f:
                                _atomic_write_from(f, dst)
                            written.append(dst)
                        with open(dst, "rb") as f:
                            _parse_sn3(f.read(), strict=True, path=dst)
                except (OSError, ValueError, EOFError):
                    for p in written:
                        if os.path.exists(p):
                            os.remove(p)
                    continue
                return True
        return False

    def download(self):
        """Fetch the raw files: from ``raw/`` itself (compressed copies), from a system copy,
        else from the mirrors (MD5-verified)."""
        if self._check_exists() and all(
                os.path.isfile(os.path.join(self.raw_folder, n)) for n in self._raw_names()):
            return
        os.makedirs(self.raw_folder, exist_ok=True)
        local = [self.raw_folder] + list(SYSTEM_DATA_DIRS.get(self.__class__.__name__, ()))
        if self._extract_local(local):
            return
        for filename, md5 in self.resources:
            errors = []
            for mirror in self.mirrors:
                url = f"{mirror}{filename}"
                try:
                    download_and_extract_archive(url, download_root=self.raw_folder,
                                                 filename=filename, md5=md5)
                except urllib.error.URLError as error:
                    errors.append(error)
                    continue
                break
            else:
                s = f"Error downloading {filename}:\n"
                for mirror, err in zip(self.mirrors, errors):
                    s += f"Tried {mirror}, got:\n{str(err)}\n"
                raise RuntimeError(s)

    def extra_repr(self):
        split = "Train" if self.train is True else "Test"
        return f"Split: {split}"


def _fast_arrays(ds, base, indices):
    """``(images, labels)`` arrays for ``indices`` computed in one vectorised step, equal item
    by item to ``ds[i]``; None where that cannot be guaranteed (a subclass's own
    ``__getitem__``/``__getitems__``, transforms other than ToTensor/Normalize, a target
    transform, unusual data)."""
    cls = type(ds)
    if cls.__getitem__ is not base.__getitem__ or cls.__getitems__ is not base.__getitems__ \
            or ds.target_transform is not None or ds.transform is None:
        return None
    fn = _batch_fn(ds.transform)
    data = getattr(ds.data, "_data", ds.data)
    targets = getattr(ds.targets, "_data", ds.targets)
    if fn is None or not isinstance(data, np.ndarray) or data.dtype != np.uint8:
        return None
    try:
        idx = np.asarray(indices)
        if idx.ndim != 1 or idx.dtype.kind not in "iu" or (
                idx.size and (idx.max() >= len(data) or idx.min() < -len(data))):
            return None
        if isinstance(targets, list):  # CIFAR: a list of Python ints
            picked = [targets[i] for i in idx.tolist()]
            if not all(type(t) is int for t in picked):
                return None
            labels = np.array(picked, dtype=np.int64)
        elif isinstance(targets, np.ndarray) and targets.dtype.kind in "iu":
            labels = targets[idx].astype(np.int64)
        else:
            return None
        images = fn(data[idx])
    except (TypeError, ValueError, IndexError):
        return None
    if images is None or labels.ndim != 1:
        return None
    return images, labels


def _fast_items(ds, base, indices):
    """``[ds[i] for i in indices]``, vectorised where :func:`_fast_arrays` allows."""
    arrays = _fast_arrays(ds, base, indices)
    if arrays is None:
        return [ds[i] for i in indices]
    images, labels = arrays
    return [(wrap(images[k]), int(labels[k])) for k in range(len(labels))]


def _fast_collated(ds, base, indices):
    """``default_collate(ds.__getitems__(indices))`` in one step, or None."""
    arrays = _fast_arrays(ds, base, indices)
    return None if arrays is None else [wrap(arrays[0]), wrap(arrays[1])]


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: 60,000 + 10,000 grayscale 28 x 28 images of 10 clothing
    classes, with MNIST's layout (``root/FashionMNIST/raw``)."""

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]


class KMNIST(MNIST):
    """Kuzushiji-MNIST: cursive Japanese characters, MNIST's format."""

    mirrors = ["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "bdb82020997e1d708af4cf47b453dcf7"),
        ("train-labels-idx1-ubyte.gz", "e144d726b3acfaa3e44228e80efcd344"),
        ("t10k-images-idx3-ubyte.gz", "5c965bf0a639b31b8f53240b1b52f4d7"),
        ("t10k-labels-idx1-ubyte.gz", "7320c461ea6c1c855c0b718fb2a4b134"),
    ]
    classes = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]


class EMNIST(MNIST):
    """Extended MNIST: handwritten letters and digits; ``split`` is one of byclass, bymerge,
    balanced, letters, digits, mnist."""

    url = "https://biometrics.nist.gov/cs_links/EMNIST/gzip.zip"
    md5 = "58c8d27c78d21e728a6bc7b3cc06412e"
    splits = ("byclass", "bymerge", "balanced", "letters", "digits", "mnist")
    _all_classes = set(string.digits + string.ascii_letters)
    _merged_classes = {"c", "i", "j", "k", "l", "m", "o", "p", "s", "u", "v", "w", "x", "y", "z"}
    classes_split_dict = {
        "byclass": sorted(_all_classes),
        "bymerge": sorted(_all_classes - _merged_classes),
        "balanced": sorted(_all_classes - _merged_classes),
        "letters": ["N/A"] + list(string.ascii_lowercase),
        "digits": list(string.digits),
        "mnist": list(string.digits),
    }

    def __init__(self, root, split, **kwargs):
        self.split = verify_str_arg(split, "split", self.splits)
        self.training_file = self._training_file(split)
        self.test_file = self._test_file(split)
        super().__init__(root, **kwargs)
        self.classes = self.classes_split_dict[self.split]

    @staticmethod
    def _training_file(split):
        return f"training_{split}.pt"

    @staticmethod
    def _test_file(split):
        return f"test_{split}.pt"

    @property
    def _file_prefix(self):
        return f"emnist-{self.split}-{'train' if self.train else 'test'}"

    @property
    def images_file(self):
        return os.path.join(self.raw_folder, f"{self._file_prefix}-images-idx3-ubyte")

    @property
    def labels_file(self):
        return os.path.join(self.raw_folder, f"{self._file_prefix}-labels-idx1-ubyte")

    def _load_data(self):
        return read_image_file(self.images_file), read_label_file(self.labels_file)

    def _check_exists(self):
        return all(check_integrity(f) or check_integrity(f + ".gz")
                   for f in (self.images_file, self.labels_file))

    def download(self):
        if self._check_exists():
            return
        os.makedirs(self.raw_folder, exist_ok=True)
        download_and_extract_archive(self.url, download_root=self.raw_folder, md5=self.md5)
        gzip_folder = os.path.join(self.raw_folder, "gzip")
        for name in os.listdir(gzip_folder):
            if name.endswith(".gz"):
                extract_archive(os.path.join(gzip_folder, name), self.raw_folder)
        import shutil
        shutil.rmtree(gzip_folder)


class QMNIST(MNIST):
    """QMNIST: MNIST reconstructed with extended labels; ``what`` is train, test, test10k,
    test50k or nist. With ``compat=True`` targets are the digit (int), else the full label
    row (a tensor of 8 values)."""

    subsets = {"train": "train", "test": "test", "test10k": "test", "test50k": "test",
               "nist": "nist"}
    _base = "https://raw.githubusercontent.com/facebookresearch/qmnist/master/"
    resources = {
        "train": [(_base + "qmnist-train-images-idx3-ubyte.gz",
                   "ed72d4157d28c017586c42bc6afe6370"),
                  (_base + "qmnist-train-labels-idx2-int.gz",
                   "0058f8dd561b90ffdd0f734c6a30e5e4")],
        "test": [(_base + "qmnist-test-images-idx3-ubyte.gz",
                  "1394631089c404de565df7b7aeaf9412"),
                 (_base + "qmnist-test-labels-idx2-int.gz",
                  "5b5b05890a5e13444e108efe57b788aa")],
        "nist": [(_base + "xnist-images-idx3-ubyte.xz", "7f124b3b8ab81486c9d8c2749c17f834"),
                 (_base + "xnist-labels-idx2-int.xz", "5ed0e788978e45d4a8bd4b7caec3d79d")],
    }
    classes = MNIST.classes

    def __init__(self, root, what=None, compat=True, train=True, **kwargs):
        if what is None:
            what = "train" if train else "test"
        self.what = verify_str_arg(what, "what", tuple(self.subsets.keys()))
        self.compat = compat
        self.data_file = what + ".pt"
        self.training_file = self.data_file
        self.test_file = self.data_file
        super().__init__(root, train, **kwargs)

    def _files(self):
        return [os.path.join(self.raw_folder, os.path.splitext(os.path.basename(url))[0])
                for url, _ in self.resources[self.subsets[self.what]]]

    @property
    def images_file(self):
        return self._files()[0]

    @property
    def labels_file(self):
        return self._files()[1]

    def _check_exists(self):
        return all(check_integrity(f) or check_integrity(f + ".gz") or check_integrity(f + ".xz")
                   for f in self._files())

    def _load_data(self):
        data = read_sn3_pascalvincent_tensor(self.images_file)
        if data.dtype != _uint8():
            raise TypeError(f"data should be of dtype torch.uint8 instead of {data.dtype}")
        if data.ndim != 3:
            raise ValueError("data should have 3 dimensions instead of {data.ndimension()}")
        targets = read_sn3_pascalvincent_tensor(self.labels_file).long()
        if targets.ndim != 2:
            raise ValueError(f"targets should have 2 dimensions instead of {targets.ndim}")
        if self.what == "test10k":
            data, targets = data[0:10000, :, :].clone(), targets[0:10000, :].clone()
        elif self.what == "test50k":
            data, targets = data[10000:, :, :].clone(), targets[10000:, :].clone()
        return data, targets

    def download(self):
        if self._check_exists():
            return
        os.makedirs(self.raw_folder, exist_ok=True)
        for url, md5 in self.resources[self.subsets[self.what]]:
            download_and_extract_archive(url, self.raw_folder, md5=md5)

    def __getitem__(self, index):
        img, target = self.data[index], self.targets[index]
        img = Image.fromarray(img.numpy())
        if self.transform is not None:
            img = self.transform(img)
        if self.compat:
            target = int(target[0])
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __getitems__(self, indices):
        return [self[i] for i in indices]

    def extra_repr(self):
        return f"Split: {self.what}"
