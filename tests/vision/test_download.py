"""Downloads against a local HTTP server on 127.0.0.1: success, wrong MD5, interrupted
transfers (resumed with Range, restarted when Range is ignored, or failing cleanly), and a
dataset downloaded from a mirror."""

import gzip
import hashlib
import http.server
import io
import os
import tarfile
import threading
import urllib.error

import numpy as np
import pytest

from torcia.vision import datasets
from torcia.vision.datasets import mnist as mnist_module
from torcia.vision.datasets.utils import download_and_extract_archive, download_url

PAYLOAD = os.urandom(300_000)


class Handler(http.server.BaseHTTPRequestHandler):
    files = {}
    truncate = {}  # path -> how many more responses to cut short
    ranges = True
    log = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        body = self.files.get(self.path)
        Handler.log.append((self.path, self.headers.get("Range")))
        if body is None:
            self.send_error(404)
            return
        start = 0
        rng = self.headers.get("Range")
        if rng and self.ranges:
            start = int(rng.split("=")[1].split("-")[0])
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        rest = body[start:]
        self.send_header("Content-Length", str(len(rest)))
        self.end_headers()
        if self.truncate.get(self.path, 0) > 0:
            self.truncate[self.path] -= 1
            self.wfile.write(rest[:len(rest) // 3])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(rest)


@pytest.fixture
def server(monkeypatch):
    for var in ("no_proxy", "NO_PROXY"):  # never send 127.0.0.1 through a configured proxy
        monkeypatch.setenv(var, "127.0.0.1,localhost")
    Handler.files = {"/data.bin": PAYLOAD}
    Handler.truncate = {}
    Handler.ranges = True
    Handler.log = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def md5(data):
    return hashlib.md5(data).hexdigest()


def test_download_success_and_reuse(server, tmp_path):
    download_url(f"{server}/data.bin", str(tmp_path), md5=md5(PAYLOAD))
    assert (tmp_path / "data.bin").read_bytes() == PAYLOAD
    assert os.listdir(tmp_path) == ["data.bin"]
    n = len(Handler.log)
    download_url(f"{server}/data.bin", str(tmp_path), md5=md5(PAYLOAD))  # verified: no fetch
    assert len(Handler.log) == n


def test_wrong_md5_leaves_no_file(server, tmp_path):
    with pytest.raises(RuntimeError, match="File not found or corrupted."):
        download_url(f"{server}/data.bin", str(tmp_path), md5="0" * 32)
    assert os.listdir(tmp_path) == []


def test_missing_file_leaves_no_file(server, tmp_path):
    with pytest.raises(urllib.error.HTTPError):
        download_url(f"{server}/nope.bin", str(tmp_path))
    assert os.listdir(tmp_path) == []


def test_interrupted_transfer_resumes_with_range(server, tmp_path):
    Handler.truncate["/data.bin"] = 1
    download_url(f"{server}/data.bin", str(tmp_path), md5=md5(PAYLOAD))
    assert (tmp_path / "data.bin").read_bytes() == PAYLOAD
    assert Handler.log[0] == ("/data.bin", None)
    assert Handler.log[1] == ("/data.bin", f"bytes={len(PAYLOAD) // 3}-")
    assert os.listdir(tmp_path) == ["data.bin"]


def test_interrupted_transfer_restarts_when_range_is_ignored(server, tmp_path):
    Handler.truncate["/data.bin"] = 1
    Handler.ranges = False
    download_url(f"{server}/data.bin", str(tmp_path), md5=md5(PAYLOAD))
    assert (tmp_path / "data.bin").read_bytes() == PAYLOAD


def test_transfer_that_keeps_failing_leaves_no_half_file(server, tmp_path):
    Handler.truncate["/data.bin"] = 100
    with pytest.raises(urllib.error.URLError, match="failed after 3 attempts"):
        download_url(f"{server}/data.bin", str(tmp_path), md5=md5(PAYLOAD))
    assert os.listdir(tmp_path) == []
    Handler.truncate["/data.bin"] = 0  # the retry starts cleanly and succeeds
    download_url(f"{server}/data.bin", str(tmp_path), md5=md5(PAYLOAD))
    assert (tmp_path / "data.bin").read_bytes() == PAYLOAD


def _idx_gz(array):
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(s).to_bytes(4, "big")
                                                      for s in array.shape)
    return gzip.compress(header + array.tobytes())


def test_fashion_mnist_downloads_from_a_mirror(server, tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    files, resources = {}, []
    for split, n in (("train", 20), ("t10k", 8)):
        for kind, arr in (("images-idx3-ubyte", rng.integers(0, 256, (n, 28, 28), np.uint8)),
                          ("labels-idx1-ubyte", rng.integers(0, 10, n, dtype=np.uint8))):
            name = f"{split}-{kind}.gz"
            files[f"/fm/{name}"] = _idx_gz(arr)
            resources.append((name, md5(files[f"/fm/{name}"])))
    Handler.files.update(files)
    Handler.truncate["/fm/train-images-idx3-ubyte.gz"] = 1
    monkeypatch.setitem(mnist_module.SYSTEM_DATA_DIRS, "FashionMNIST", [])

    class LocalFashionMNIST(datasets.FashionMNIST):
        mirrors = ["http://127.0.0.1:1/", f"{server}/fm/"]  # the first one refuses connections

    LocalFashionMNIST.resources = resources
    ds = LocalFashionMNIST(str(tmp_path), train=True, download=True)
    assert len(ds) == 20
    raw = sorted(os.listdir(tmp_path / "LocalFashionMNIST" / "raw"))
    assert "train-images-idx3-ubyte" in raw and "train-images-idx3-ubyte.gz" in raw
    assert not any(name.endswith(".part") for name in raw)

    class BrokenMirror(datasets.FashionMNIST):
        mirrors = ["http://127.0.0.1:1/"]

    BrokenMirror.resources = resources
    with pytest.raises(RuntimeError, match="Error downloading train-images-idx3-ubyte.gz"):
        BrokenMirror(str(tmp_path / "x"), download=True)


def test_archive_download_and_extraction(server, tmp_path):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo("folder/hello.txt")
        info.size = 5
        tar.addfile(info, io.BytesIO(b"hello"))
    Handler.files["/a.tar.gz"] = buf.getvalue()
    download_and_extract_archive(f"{server}/a.tar.gz", str(tmp_path),
                                 md5=md5(buf.getvalue()))
    assert (tmp_path / "folder" / "hello.txt").read_bytes() == b"hello"
