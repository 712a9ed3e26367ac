"""Run a rank program as a 2-rank ``torcia-run`` job with a hard time limit."""

import os
import subprocess
import sys
import time
from dataclasses import dataclass

import pytest

pytest.importorskip("mpi4py")

JOBS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "jobs")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@dataclass
class Job:
    rc: int
    out: str
    err: str
    seconds: float

    @property
    def text(self):
        return self.out + self.err


def torcia_run(script, *args, nproc=2, launcher=(), limit=60, env=None):
    """``python -m torcia.distributed.run --nproc-per-node nproc [launcher] script args``
    (a script of jobs/ unless the path is absolute; a module after ``launcher=["-m"]``);
    killed (and the test failed) past ``limit`` seconds."""
    path = script if os.path.isabs(script) or "-m" in launcher else os.path.join(JOBS, script)
    cmd = [sys.executable, "-m", "torcia.distributed.run", "--nproc-per-node", str(nproc),
           *launcher, path, *map(str, args)]
    full_env = dict(os.environ, **(env or {}))
    full_env["PYTHONPATH"] = os.pathsep.join(
        [ROOT] + [p for p in [full_env.get("PYTHONPATH")] if p])
    start = time.monotonic()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=limit, env=full_env,
                           cwd=ROOT)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"job {script} hung: killed after {limit} s\n{e.stdout}\n{e.stderr}")
    return Job(p.returncode, p.stdout, p.stderr, time.monotonic() - start)
