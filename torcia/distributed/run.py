"""``torcia-run``: start a training script on N ranks per machine through MPI (torchrun's role).

    torcia-run --nproc-per-node 2 train.py --epochs 3
    torcia-run --nproc-per-node 4 --hostfile hosts.txt --timeout 300 train.py
    python -m torcia.distributed.run --nproc-per-node 2 -m my_package.train

Ranks start through the ``mpiexec`` beside ``sys.executable`` (MPICH's Hydra from the
``mpich`` wheel) and see torchrun's environment: RANK, WORLD_SIZE, LOCAL_RANK,
LOCAL_WORLD_SIZE, GROUP_RANK, GROUP_WORLD_SIZE, ROLE_RANK, MASTER_ADDR, MASTER_PORT,
TORCHELASTIC_RUN_ID, and OMP_NUM_THREADS=1 when several ranks share a machine and it is not
set (TORCIA_NUM_THREADS, torcia's own kernel threads, then follows OMP_NUM_THREADS). A
hostfile holds one machine per line (``host`` or ``host:slots``; ``#`` comments); ``--nnodes
K`` takes its first K machines, each running ``--nproc-per-node`` ranks, started over ssh by
Hydra (the same Python environment must exist at the same path on each).

Failures end the job (``_mpi.py`` Note [Failures end the job]): a rank that raises or exits
non-zero prints its traceback and aborts the job; a killed rank ends it through mpiexec; with
``--timeout S`` a rank waiting longer than S seconds for the others (in a collective, or at the
end of the script) aborts it, naming the ranks that did not arrive. The launcher then prints
a summary naming the failed rank and exits non-zero.
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid

_OMP_WARNING = (
    "*****************************************\n"
    "Setting OMP_NUM_THREADS environment variable for each process to be 1 in default, to "
    "avoid your system being overloaded, please further tune the variable for optimal "
    "performance in your application as needed. \n"
    "*****************************************\n")


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        prog="torcia-run", description="Start a script on several ranks through MPI, with "
        "torchrun's environment variables.")
    p.add_argument("--nproc-per-node", "--nproc_per_node", default="1",
                   help="ranks per machine: a number, or 'auto'/'cpu' for the CPU count")
    p.add_argument("--nnodes", type=int, default=None,
                   help="machines to use (default: every host of --hostfile, else 1)")
    p.add_argument("--hostfile", "--host-file", default=None,
                   help="machines, one per line ('host' or 'host:slots')")
    p.add_argument("--timeout", type=float, default=None,
                   help="seconds a rank may wait for the others (in a collective or at the "
                   "end) before the job is aborted (default: init_process_group's, 30 min)")
    p.add_argument("--master-addr", "--master_addr", default=None,
                   help="MASTER_ADDR for the ranks (default: the first host, or 127.0.0.1)")
    p.add_argument("--master-port", "--master_port", type=int, default=29500)
    p.add_argument("--standalone", action="store_true",
                   help="accepted for torchrun compatibility (one machine)")
    p.add_argument("--run-id", "--run_id", "--rdzv-id", "--rdzv_id", default=None,
                   help="TORCHELASTIC_RUN_ID for the ranks (default: a random id)")
    p.add_argument("--mpiexec-args", default="",
                   help="extra arguments for mpiexec, in one quoted string")
    p.add_argument("-m", "--module", action="store_true",
                   help="run the target as a module (python -m)")
    p.add_argument("training_script")
    p.add_argument("training_script_args", nargs=argparse.REMAINDER)
    return p.parse_args(argv)


def _nproc(value):
    if value in ("auto", "cpu"):
        return os.cpu_count() or 1
    if value == "gpu":
        from .. import cuda
        return max(1, cuda.device_count())
    n = int(value)
    if n < 1:
        raise SystemExit(f"torcia-run: --nproc-per-node must be >= 1, got {n}")
    return n


def read_hostfile(path):
    """Host names from a hostfile (``host`` or ``host:slots`` per line, ``#`` comments)."""
    hosts = []
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                hosts.append(line.split()[0].split(":")[0])
    if not hosts:
        raise SystemExit(f"torcia-run: no hosts in {path}")
    return hosts


def mpiexec_path():
    """The ``mpiexec`` installed beside this Python (the mpich wheel's)."""
    path = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    if not os.path.exists(path):
        found = shutil.which("mpiexec")
        if found is None:
            raise SystemExit("torcia-run: no mpiexec beside " + sys.executable + ": pip install "
                             "'torcia[distributed]' (or: pip install mpi4py mpich)")
        path = found
    return path


def build(args, run_dir):
    """(command, environment) for mpiexec."""
    nproc = _nproc(args.nproc_per_node)
    hosts = read_hostfile(args.hostfile) if args.hostfile else None
    nnodes = args.nnodes or (len(hosts) if hosts else 1)
    if hosts is not None and nnodes > len(hosts):
        raise SystemExit(f"torcia-run: --nnodes {nnodes}, but {args.hostfile} lists "
                         f"{len(hosts)} hosts")
    if hosts is None and nnodes > 1:
        raise SystemExit("torcia-run: --nnodes > 1 needs --hostfile")
    world = nproc * nnodes
    env = dict(os.environ)
    env.update({
        "MASTER_ADDR": args.master_addr or (hosts[0] if hosts else "127.0.0.1"),
        "MASTER_PORT": str(args.master_port),
        "TORCHELASTIC_RUN_ID": args.run_id or uuid.uuid4().hex[:12],
        "TORCIA_RUN_DIR": run_dir,
        "TORCIA_NPROC_PER_NODE": str(nproc),
    })
    if args.timeout is not None:
        env["TORCIA_RUN_TIMEOUT"] = repr(float(args.timeout))
    if nproc > 1 and "OMP_NUM_THREADS" not in env:
        sys.stderr.write(_OMP_WARNING)
        env["OMP_NUM_THREADS"] = "1"
    if nproc > 1 and "TORCIA_NUM_THREADS" not in env:  # torcia's kernel threads, likewise
        env["TORCIA_NUM_THREADS"] = env["OMP_NUM_THREADS"]
    cmd = [mpiexec_path(), "-n", str(world)]
    if hosts is not None:
        machines = os.path.join(run_dir, "hosts")
        with open(machines, "w") as f:
            f.writelines(f"{h}:{nproc}\n" for h in hosts[:nnodes])
        cmd += ["-f", machines]
    cmd += args.mpiexec_args.split()
    cmd += [sys.executable, "-m", "torcia.distributed._worker"]
    if args.module:
        cmd.append("-m")
    cmd += [args.training_script] + list(args.training_script_args)
    return cmd, env


class _Tee(threading.Thread):
    """Copies a pipe to one of our streams as it comes, keeping the last 64 KiB."""

    def __init__(self, pipe, out):
        super().__init__(daemon=True)
        self.pipe, self.out, self.tail = pipe, out, b""

    def run(self):
        fd = self.pipe.fileno()
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            self.tail = (self.tail + chunk)[-65536:]
            try:
                self.out.write(chunk)
                self.out.flush()
            except (OSError, ValueError):
                pass


def _load(run_dir, prefix):
    out = []
    for name in os.listdir(run_dir):
        if name.startswith(prefix) and name.endswith(".json"):
            try:
                with open(os.path.join(run_dir, name)) as f:
                    out.append(json.load(f))
            except (OSError, ValueError):
                pass
    return out


_BAD = re.compile(rb"PID (\d+) RUNNING AT (\S+)\s*\n=+\s*EXIT CODE: (\d+)")
_SIGNAL = re.compile(rb"EXIT STRING: ([^\n]*\(signal (\d+)\))")


def _first_line(text):
    return text.strip().split("\n", 1)[0]


def summary(script, rc, run_dir, output):
    """Lines naming the ranks that failed, from their error files and mpiexec's report."""
    errors = _load(run_dir, "error_")
    errors.sort(key=lambda e: (e.get("kind") == "timeout", e.get("time", 0)))
    ranks = {r["pid"]: r for r in _load(run_dir, "rank_")}
    lines = ["=" * 72, f"torcia-run: {script} FAILED (exit code {rc})"]
    for e in errors:
        lines.append(f"  rank {e['rank']} (local_rank {e['local_rank']}, host {e['host']}, "
                     f"pid {e['pid']}): {_first_line(e['message'])}")
    failed = {str(e["rank"]) for e in errors}
    sig = _SIGNAL.search(output)
    for pid, host, code in _BAD.findall(output):
        r = ranks.get(int(pid))
        if r is not None and str(r["rank"]) in failed:
            continue
        who = f"rank {r['rank']} (local_rank {r['local_rank']}, host {r['host']}, pid " \
              f"{int(pid)})" if r else f"the rank with pid {int(pid)} on {host.decode()}"
        how = f"ended with exit code {int(code)}"
        if sig is not None and int(sig.group(2)) == int(code):
            how = f"was killed: {sig.group(1).decode()}"
        lines.append(f"  {who} {how}")
        break  # mpiexec reports the first process that ended badly; it ended the others
    if len(lines) == 2:
        lines.append("  a rank failed; see the output above")
    if errors:
        first = errors[0]
        lines.append(f"Root cause: rank {first['rank']}: {_first_line(first['message'])}")
    lines.append("=" * 72)
    return lines


def main(argv=None):
    args = parse_args(argv)
    run_dir = tempfile.mkdtemp(prefix="torcia-run-")
    try:
        cmd, env = build(args, run_dir)
        return _supervise(args, cmd, env, run_dir)
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


def _supervise(args, cmd, env, run_dir):
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    tees = [_Tee(proc.stdout, sys.stdout.buffer), _Tee(proc.stderr, sys.stderr.buffer)]
    for t in tees:
        t.start()

    def kill_job():
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                proc.wait(5)
                return
            except subprocess.TimeoutExpired:
                pass

    def forward(signum, frame):
        try:
            proc.send_signal(signum)
        except ProcessLookupError:
            pass

    old = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
    failed_at = None
    try:
        while True:
            try:
                rc = proc.wait(0.5)
                break
            except subprocess.TimeoutExpired:
                pass
            # Guard: after a rank has reported a failure, the job must end promptly (MPI_Abort
            # normally sees to it; this covers an abort that does not get through).
            if failed_at is None and any(n.startswith("error_") for n in os.listdir(run_dir)):
                failed_at = time.monotonic()
            if failed_at is not None and time.monotonic() - failed_at > 15:
                sys.stderr.write("torcia-run: the job did not end after a rank failed; "
                                 "killing it\n")
                kill_job()
                rc = proc.wait()
                break
    finally:
        for s, h in old.items():
            signal.signal(s, h)
    for t in tees:
        t.join(5)
    failed = rc != 0 or any(n.startswith("error_") for n in os.listdir(run_dir))
    if not failed:
        return 0
    if rc < 0:
        rc = 128 - rc
    rc = rc or 1  # never a zero exit after a failure
    output = tees[0].tail + tees[1].tail
    sys.stderr.write("\n".join(summary(args.training_script, rc, run_dir, output)) + "\n")
    sys.stderr.flush()
    return rc


if __name__ == "__main__":
    sys.exit(main())
