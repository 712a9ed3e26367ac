"""A failing rank ends the whole 2-rank job promptly, non-zero, naming the rank."""

import re

import pytest

from .launch import torcia_run

STARTUP = 10  # seconds allowed for MPI and torcia to start and report, on a slow machine


@pytest.mark.parametrize("mode, expect", [
    ("raise", ["[rank1]: Traceback", "ValueError: rank one fails on purpose",
               "rank 1 (local_rank 1"]),
    ("exit", ["rank 1 (local_rank 1", "exited with code 3"]),
    ("kill", ["rank 1 (local_rank 1", "was killed", "signal 9"]),
])
def test_a_failing_rank_ends_the_job_within_seconds(mode, expect):
    job = torcia_run("faults.py", mode, launcher=["--timeout", "120"], limit=60)
    assert job.rc != 0, job.text
    assert job.seconds < STARTUP, f"took {job.seconds:.1f} s\n{job.text}"
    for text in expect:
        assert text in job.text, f"{text!r} missing from:\n{job.text}"
    assert "[rank0] reached the end" not in job.text


@pytest.mark.parametrize("mode, expect", [
    ("sleep", r"all_reduce \(call #3 of rank 0\) timed out after 2 s; rank 1 has not reached "
              "this call"),
    ("sleep_at_end", "rank 0 finished its script and waited 2 s for the other ranks to "
                     "finish; rank 1 has not finished"),
    ("recv", r"recv \(call #3 of rank 0\) timed out after 2 s; waiting for rank 1: rank 1 "
             "has not reached this call"),
    ("pg_sleep_at_end", "rank 0 finished its script and waited 2 s for the other ranks to "
                        "finish; rank 1 has not finished"),  # init_process_group(timeout=)
    ("ddp", r"all_reduce \(call #\d+ of rank 0\) timed out after 2 s; rank 1 has not reached "
            "this call"),
])
def test_a_hanging_rank_ends_the_job_at_the_timeout(mode, expect):
    launcher = [] if mode.startswith("pg_") else ["--timeout", "2"]
    job = torcia_run("faults.py", mode, launcher=launcher, limit=60)
    assert job.rc != 0, job.text
    assert 2 < job.seconds < 2 + STARTUP, f"took {job.seconds:.1f} s\n{job.text}"
    assert re.search(expect, job.text), job.text
    assert "Root cause: rank 0:" in job.text  # the summary names who reported it
