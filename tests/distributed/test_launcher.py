"""torcia-run: torchrun's environment, hostfiles, modules, the console script."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from .launch import JOBS, ROOT, torcia_run


def _envs(job):
    assert job.rc == 0, job.text
    envs = [json.loads(line[4:]) for line in job.out.splitlines() if line.startswith("ENV ")]
    return sorted(envs, key=lambda e: e["rank"])


def test_torchrun_environment():
    envs = _envs(torcia_run("env.py", "--flag", "x"))
    assert len(envs) == 2
    for r, e in enumerate(envs):
        assert (e["RANK"], e["WORLD_SIZE"], e["LOCAL_RANK"], e["LOCAL_WORLD_SIZE"]) == \
            (str(r), "2", str(r), "2")
        assert (e["GROUP_RANK"], e["GROUP_WORLD_SIZE"], e["ROLE_RANK"]) == ("0", "1", str(r))
        assert (e["MASTER_ADDR"], e["MASTER_PORT"]) == ("127.0.0.1", "29500")
        assert e["OMP_NUM_THREADS"] == "1" and e["elastic"] is True
        assert e["TORCHELASTIC_RUN_ID"] == envs[0]["TORCHELASTIC_RUN_ID"]
        assert e["argv"] == [os.path.join(JOBS, "env.py"), "--flag", "x"]
        assert e["name"] == "__main__" and e["sum"] == 3.0 and e["world"] == 2


def test_hostfile_machines(tmp_path):
    """Two 'machines' (two names of this one) with one rank each."""
    hosts = tmp_path / "hosts"
    hosts.write_text("# two names of this machine\nlocalhost\n127.0.0.1:4\n")
    envs = _envs(torcia_run("env.py", nproc=1, launcher=["--hostfile", str(hosts),
                                                         "--master-port", "29611"]))
    assert [(e["RANK"], e["LOCAL_RANK"], e["GROUP_RANK"], e["GROUP_WORLD_SIZE"])
            for e in envs] == [("0", "0", "0", "2"), ("1", "0", "1", "2")]
    assert {(e["MASTER_ADDR"], e["MASTER_PORT"]) for e in envs} == {("localhost", "29611")}
    assert all(e["sum"] == 3.0 for e in envs)


def test_module_mode():
    envs = _envs(torcia_run("tests.distributed.jobs.env", launcher=["-m"]))
    assert [e["rank"] for e in envs] == [0, 1] and envs[0]["name"] == "__main__"


def test_console_script():
    exe = shutil.which("torcia-run", path=os.path.dirname(sys.executable)) or \
        shutil.which("torcia-run")
    if exe is None:
        pytest.skip("torcia-run is not installed (pip install -e .)")
    p = subprocess.run([exe, "--nproc-per-node", "2", os.path.join(JOBS, "env.py")],
                       capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert len([ln for ln in p.stdout.splitlines() if ln.startswith("ENV ")]) == 2, p.stderr
