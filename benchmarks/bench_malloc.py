"""torcia training steps with and without the glibc allocator tuning (Note [malloc tuning] in
torcia/_backend/_malloc.py), each run in a fresh process, the two settings alternating:

    python benchmarks/bench_malloc.py [--rounds 3] [--steps 30] [gpt lstm convnet mlp]

Prints, per workload, the fastest step and the median step of each setting (the best over
the rounds) and the process's peak RSS. A process is started with TORCIA_MALLOC_TUNING=0
or 1 and runs ``--steps`` timed steps after three warm-up steps.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

WORKLOADS = ("gpt", "lstm", "convnet", "mlp")


def run_one(name, steps):
    """In the child: time ``steps`` steps of workload ``name``; print JSON."""
    import torcia
    if name == "gpt":
        from bench_gpt import step_fn
    elif name == "lstm":
        from bench_lstm import step_fn
    elif name == "convnet":
        from bench_convnet import step_fn
    else:
        from bench_mlp import step_fn
    step = step_fn(torcia)
    for _ in range(3):
        step()
    times = []
    for _ in range(steps):
        t = time.perf_counter()
        step()
        times.append(time.perf_counter() - t)
    from torcia._backend import _malloc
    print(json.dumps({"min": min(times), "median": statistics.median(times),
                      "tuned": _malloc.TUNED,
                      "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))


def spawn(name, steps, tuned):
    env = dict(os.environ, TORCIA_MALLOC_TUNING="1" if tuned else "0")
    out = subprocess.run([sys.executable, __file__, "--child", name, "--steps", str(steps)],
                         env=env, capture_output=True, text=True, check=True,
                         cwd=os.path.dirname(os.path.abspath(__file__)))
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("workloads", nargs="*", default=list(WORKLOADS))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        return run_one(args.child, args.steps)
    print(f"{'workload (torcia only)':24s} {'untuned':>21s} {'tuned':>21s} {'ratio':>6s} "
          f"{'peak RSS untuned/tuned':>24s}")
    for name in args.workloads:
        best = {False: None, True: None}
        for _ in range(args.rounds):
            for tuned in (False, True):
                r = spawn(name, args.steps, tuned)
                assert r["tuned"] == tuned
                b = best[tuned]
                best[tuned] = r if b is None else {k: min(b[k], r[k]) if k != "tuned" else
                                                   b[k] for k in r}
        u, t = best[False], best[True]
        print(f"{name:24s} {u['min'] * 1e3:8.2f}/{u['median'] * 1e3:8.2f}ms "
              f"{t['min'] * 1e3:8.2f}/{t['median'] * 1e3:8.2f}ms "
              f"{u['median'] / t['median']:6.2f} {u['rss'] / 2**20:10.0f}/{t['rss'] / 2**20:.0f}MB")
    print("(min/median step time; ratio = untuned median / tuned median; "
          f"OMP/OPENBLAS threads: {os.environ.get('OPENBLAS_NUM_THREADS', '(unset)')})")


if __name__ == "__main__":
    main()
