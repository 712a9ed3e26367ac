"""One rank of a ``torcia-run`` job: ``python -m torcia.distributed._worker [-m] target args``.

Sets torchrun's environment variables from MPI's ranks, runs the script (or module) as
``__main__``, and makes any failure end the whole job (see ``_mpi.py`` Note [Failures end the
job]): an uncaught exception or a non-zero ``sys.exit`` prints this rank's traceback and
aborts; at the end, the rank waits (bounded by the timeout) until every rank has finished.
"""

import io
import json
import os
import runpy
import socket
import sys

from . import _mpi


def _environment(world, node):
    """torchrun's variables for this rank (RANK, LOCAL_RANK, WORLD_SIZE, ...)."""
    per_node = int(os.environ.get("TORCIA_NPROC_PER_NODE") or node.size)
    env = {
        "RANK": world.rank, "WORLD_SIZE": world.size,
        "LOCAL_RANK": node.rank, "LOCAL_WORLD_SIZE": node.size,
        "GROUP_RANK": world.rank // per_node, "ROLE_RANK": world.rank,
        "ROLE_WORLD_SIZE": world.size, "ROLE_NAME": "default",
        "GROUP_WORLD_SIZE": -(-world.size // per_node),
        "TORCHELASTIC_RESTART_COUNT": 0, "TORCHELASTIC_MAX_RESTARTS": 0,
    }
    os.environ.update({k: str(v) for k, v in env.items()})
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    os.environ.setdefault("MASTER_PORT", "29500")
    os.environ.setdefault("TORCHELASTIC_RUN_ID", "none")


def _whole_lines(stream):
    """``stream`` writing each line in one write as it ends: mpiexec interleaves the ranks'
    output write by write, and print() (unbuffered, with PYTHONUNBUFFERED) writes in pieces."""
    try:
        raw = io.FileIO(stream.fileno(), "w", closefd=False)
    except (AttributeError, OSError, ValueError):
        return stream
    stream.flush()
    return io.TextIOWrapper(io.BufferedWriter(raw, 1 << 16), encoding=stream.encoding,
                            errors=stream.errors, line_buffering=True)


def _user_traceback(exc):
    """The traceback text without this module's and runpy's frames."""
    import traceback
    tb = exc.__traceback__
    while tb is not None and (tb.tb_frame.f_code.co_filename == __file__
                              or tb.tb_frame.f_globals.get("__name__") == "runpy"):
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(exc), exc, tb))


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    module = False
    if argv and argv[0] in ("-m", "--module"):
        module = True
        argv.pop(0)
    if not argv:
        raise SystemExit("usage: python -m torcia.distributed._worker [-m] target [args...]")
    target, args = argv[0], argv[1:]
    world = _mpi.setup(abort_on_exception=False)
    _environment(world, _mpi.state.slots.node)
    run_dir = os.environ.get("TORCIA_RUN_DIR")
    if run_dir and os.path.isdir(run_dir):
        with open(os.path.join(run_dir, f"rank_{world.rank}.json"), "w") as f:
            json.dump({"rank": world.rank, "local_rank": int(os.environ["LOCAL_RANK"]),
                       "pid": os.getpid(), "host": socket.gethostname()}, f)
    sys.stdout, sys.stderr = _whole_lines(sys.stdout), _whole_lines(sys.stderr)
    sys.argv = [target] + args
    try:
        if module:
            runpy.run_module(target, run_name="__main__", alter_sys=True)
        else:
            sys.path[0] = os.path.dirname(os.path.abspath(target))
            runpy.run_path(target, run_name="__main__")
    except SystemExit as e:
        code = e.code
        if code not in (None, 0):
            if not isinstance(code, int):
                sys.stderr.write(f"{code}\n")
                code = 1
            _mpi.report_failure(f"{target} exited with code {code}", code, kind="exit")
    except BaseException as e:  # noqa: BLE001 - any failure of the script ends the job
        _mpi.report_failure(f"{type(e).__name__}: {e}", 1, _user_traceback(e))
    try:
        sys.stdout.flush()
    except Exception:  # noqa: BLE001
        pass
    _mpi.exit_barrier()


if __name__ == "__main__":
    main()
