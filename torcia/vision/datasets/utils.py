"""Download, verification and extraction helpers, as ``torchvision.datasets.utils``.

Downloads are atomic and resumable: bytes go to ``<file>.part``; a dropped connection is
resumed with an HTTP ``Range`` request (or restarted when the server ignores it); the file
appears under its name only once complete and, when an MD5 is given, verified. A download
that fails or does not verify leaves no file behind.
"""

import bz2
import gzip
import hashlib
import http.client
import lzma
import os
import shutil
import tarfile
import urllib.error
import urllib.request
import zipfile

__all__ = ["calculate_md5", "check_md5", "check_integrity", "download_url", "extract_archive",
           "download_and_extract_archive", "verify_str_arg", "iterable_to_str"]

USER_AGENT = "torcia"
_ATTEMPTS = 3  # tries per download: the first, then resumptions after a dropped connection
_TIMEOUT = 60.0


def calculate_md5(fpath, chunk_size=1024 * 1024):
    md5 = hashlib.md5(usedforsecurity=False)
    with open(fpath, "rb") as f:
        while chunk := f.read(chunk_size):
            md5.update(chunk)
    return md5.hexdigest()


def check_md5(fpath, md5, **kwargs):
    return md5 == calculate_md5(fpath, **kwargs)


def check_integrity(fpath, md5=None):
    """Whether ``fpath`` is a file (with the given MD5, when one is given)."""
    if not os.path.isfile(fpath):
        return False
    if md5 is None:
        return True
    return check_md5(fpath, md5)


def _fetch_into(url, part, timeout):
    """Append the rest of ``url`` to ``part`` (resuming from its size); True when complete."""
    have = os.path.getsize(part) if os.path.exists(part) else 0
    headers = {"User-Agent": USER_AGENT}
    if have:
        headers["Range"] = f"bytes={have}-"
    request = urllib.request.Request(url, headers=headers)
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as e:
        if e.code == 416 and have:  # nothing left to send: the part is complete
            return True
        raise
    with response:
        if have and response.status != 206:  # the server ignored the range: start over
            have = 0
        length = response.headers.get("Content-Length")
        expected = have + int(length) if length is not None else None
        with open(part, "ab" if have else "wb") as fh:
            while chunk := response.read(1 << 16):
                fh.write(chunk)
    if expected is not None and os.path.getsize(part) < expected:
        raise http.client.IncompleteRead(b"", expected - os.path.getsize(part))
    return True


def _urlretrieve(url, fpath, attempts=_ATTEMPTS, timeout=_TIMEOUT):
    """Download ``url`` to ``fpath + ".part"``, resuming after dropped connections; the part is
    removed when every attempt fails."""
    part = fpath + ".part"
    if os.path.exists(part):
        os.remove(part)  # a leftover of an earlier crash: its origin is unknown
    last = None
    try:
        for attempt in range(attempts):
            try:
                _fetch_into(url, part, timeout)
                return part
            except urllib.error.HTTPError:
                raise
            except urllib.error.URLError as e:
                if attempt == 0 and not os.path.exists(part):
                    raise  # no connection at all: let the caller try another mirror
                last = e
            except (http.client.HTTPException, ConnectionError, TimeoutError, OSError) as e:
                last = e
        raise urllib.error.URLError(f"download of {url} failed after {attempts} attempts: "
                                    f"{type(last).__name__}: {last}")
    except BaseException:
        if os.path.exists(part):
            os.remove(part)
        raise


def download_url(url, root, filename=None, md5=None, max_redirect_hops=3):
    """Download ``url`` into ``root/filename`` unless a verified copy is already there.

    Raises ``RuntimeError("File not found or corrupted.")`` when the download does not match
    ``md5`` (nothing is left behind), and ``urllib.error.URLError`` when it cannot be fetched.
    """
    root = os.path.expanduser(root)
    if not filename:
        filename = os.path.basename(url)
    fpath = os.fspath(os.path.join(root, filename))
    os.makedirs(root, exist_ok=True)
    if check_integrity(fpath, md5):
        return
    print(f"Downloading {url} to {fpath}")
    part = _urlretrieve(url, fpath)
    if md5 is not None and not check_md5(part, md5):
        os.remove(part)
        raise RuntimeError("File not found or corrupted.")
    os.replace(part, fpath)


def _atomic_write_from(stream, to_path):
    """Copy ``stream`` to ``to_path`` through a temporary file renamed into place."""
    tmp = f"{to_path}.{os.getpid()}.{os.urandom(4).hex()}.part"
    try:
        with open(tmp, "xb") as out:
            shutil.copyfileobj(stream, out, 1 << 20)
        os.replace(tmp, to_path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


_COMPRESSED = {".gz": gzip.open, ".xz": lzma.open, ".bz2": bz2.open}


def _archive_kind(path):
    name = os.path.basename(path).lower()
    for suffix in (".tar.gz", ".tgz", ".tar.xz", ".tar.bz2", ".tbz", ".tbz2", ".tar"):
        if name.endswith(suffix):
            return "tar", suffix
    if name.endswith(".zip"):
        return "zip", ".zip"
    for suffix in _COMPRESSED:
        if name.endswith(suffix):
            return "compressed", suffix
    raise RuntimeError(f"Archive type of '{path}' is not supported")


def extract_archive(from_path, to_path=None, remove_finished=False):
    """Extract a tar/zip archive into ``to_path``, or decompress a .gz/.xz/.bz2 file next to
    it (without the suffix); returns the directory or file extracted to."""
    from_path = os.fspath(from_path)
    if to_path is None:
        to_path = os.path.dirname(from_path)
    kind, suffix = _archive_kind(from_path)
    if kind == "tar":
        with tarfile.open(from_path) as tar:
            tar.extractall(to_path, filter="data")
        out = to_path
    elif kind == "zip":
        with zipfile.ZipFile(from_path) as z:
            z.extractall(to_path)
        out = to_path
    else:
        base = os.path.basename(from_path)
        out = os.path.join(to_path, base[:-len(suffix)])
        with _COMPRESSED[suffix](from_path, "rb") as src:
            _atomic_write_from(src, out)
    if remove_finished:
        os.remove(from_path)
    return out


def download_and_extract_archive(url, download_root, extract_root=None, filename=None, md5=None,
                                 remove_finished=False):
    download_root = os.path.expanduser(download_root)
    if extract_root is None:
        extract_root = download_root
    if not filename:
        filename = os.path.basename(url)
    download_url(url, download_root, filename, md5)
    archive = os.path.join(download_root, filename)
    print(f"Extracting {archive} to {extract_root}")
    extract_archive(archive, extract_root, remove_finished)


def iterable_to_str(iterable):
    return "'" + "', '".join(str(item) for item in iterable) + "'"


def verify_str_arg(value, arg=None, valid_values=None, custom_msg=None):
    if not isinstance(value, str):
        if arg is None:
            msg = f"Expected type str, but got type {type(value)}."
        else:
            msg = f"Expected type str for argument {arg}, but got type {type(value)}."
        raise ValueError(msg)
    if valid_values is None:
        return value
    if value not in valid_values:
        if custom_msg is not None:
            msg = custom_msg
        else:
            msg = (f"Unknown value '{value}' for argument {arg}. Valid values are "
                   f"{{{iterable_to_str(valid_values)}}}.")
        raise ValueError(msg)
    return value
