"""A yielding shadow side on idle CPU time, and back, as the kernel reports it (each change in a
child process, as it is for good; autogroups only of children that lead a session of their own,
so the test run's own group is never niced)."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from harness.procinfo import threads
from harness.scheduling import (
    IDLE_GROUP_NICE,
    follow_idle_launcher,
    give_cpus_back,
    leave_cpus_to_production,
)

privileged = pytest.mark.skipif(os.geteuid() != 0,
                                reason="only a privileged user may leave SCHED_IDLE")


def group_nice(pid: int) -> int:
    """The nice value of a process's autogroup ("/autogroup-85 nice 19")."""
    return int(Path(f"/proc/{pid}/autogroup").read_text().split()[-1])


def test_every_thread_of_the_shadow_side_leaves_the_cpus_to_production() -> None:
    """A thread started before and one started after are both niced and idle-scheduled (Linux's
    pid 0 here is the calling thread), and the session the child leads gets its autogroup at
    the least weight, as an equal group of production's would not yield."""
    child = textwrap.dedent(f"""
        import json, os, threading
        from harness.scheduling import {leave_cpus_to_production.__name__}
        go, seen = threading.Event(), {{}}

        def report(name):
            go.wait()
            seen[name] = [os.sched_getscheduler(0) == os.SCHED_IDLE,
                          os.getpriority(os.PRIO_PROCESS, 0)]

        before = threading.Thread(target=report, args=("before",))
        before.start()
        {leave_cpus_to_production.__name__}(10)
        after = threading.Thread(target=report, args=("after",))
        after.start()
        go.set()
        report("main")
        before.join()
        after.join()
        seen["group"] = open("/proc/self/autogroup").read().split()[-1]
        print(json.dumps(seen))
    """)
    done = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True,
                          check=True, start_new_session=True)
    assert json.loads(done.stdout) == {**{name: [True, 10] for name in ("before", "after",
                                                                        "main")},
                                       "group": str(IDLE_GROUP_NICE)}


def test_a_process_in_a_shared_session_leaves_the_group_alone() -> None:
    """A process without a session of its own shares its session leader's autogroup, which
    stays as it was. The leader here is a child of the test's own: the test run may sit in the
    kernel's default group, which has no nice."""
    leader = textwrap.dedent(f"""
        import subprocess, sys
        from pathlib import Path
        before = Path("/proc/self/autogroup").read_text()
        subprocess.run([sys.executable, "-c", "from harness.scheduling import "
                        "{leave_cpus_to_production.__name__}; "
                        "{leave_cpus_to_production.__name__}(10)"], check=True)
        print(before, Path("/proc/self/autogroup").read_text(), sep="", end="")
    """)
    done = subprocess.run([sys.executable, "-c", leader], capture_output=True, text=True,
                          check=True, start_new_session=True)
    before, after = done.stdout.splitlines()
    assert before.endswith(" nice 0")
    assert after == before


DRIVER = textwrap.dedent(f"""
    import subprocess, sys, threading
    from harness import scheduling
    scheduling.{leave_cpus_to_production.__name__}(10)
    threading.Thread(target=threading.Event().wait, daemon=True).start()
    shard = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"],
                             start_new_session=True)
    scheduling.{follow_idle_launcher.__name__}(shard.pid)
    print(shard.pid, flush=True)
    sys.stdin.read()
    shard.kill()
""")

IDLE_SLEEPER = ("import os, time; "
                "os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0)); "
                "print('ready', flush=True); time.sleep(60)")


@privileged
def test_giving_cpus_back_reaches_every_thread_and_process_under_the_driver_only() -> None:
    """A yielding driver with a thread of its own and a shard process in a session of its own
    (its group at the least weight, as its launcher's), beside an idle-scheduled bystander not
    under it: the driver's threads and its shard's are back on normal scheduling, their groups
    too, the bystander still idle."""
    shadow = subprocess.Popen([sys.executable, "-c", DRIVER], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, start_new_session=True)
    bystander = subprocess.Popen([sys.executable, "-c", IDLE_SLEEPER], stdout=subprocess.PIPE,
                                 text=True)
    try:
        assert shadow.stdout is not None and bystander.stdout is not None
        shard = int(shadow.stdout.readline())
        assert bystander.stdout.readline() == "ready\n"
        assert (group_nice(shadow.pid), group_nice(shard)) == (IDLE_GROUP_NICE,) * 2
        give_cpus_back(shadow.pid, 0)
        seen = {task: (os.sched_getscheduler(task), os.getpriority(os.PRIO_PROCESS, task))
                for process in (shadow.pid, shard) for task in threads(process)}
        assert len(seen) >= 3  # the driver's two threads, the shard's one
        assert set(seen.values()) == {(os.SCHED_OTHER, 0)}
        assert (group_nice(shadow.pid), group_nice(shard)) == (0, 0)
        assert os.sched_getscheduler(bystander.pid) == os.SCHED_IDLE
    finally:
        assert shadow.stdin is not None
        shadow.stdin.close()
        shadow.wait(timeout=10)
        bystander.kill()
        bystander.wait()


@pytest.mark.skipif(os.geteuid() != 0, reason="it takes root to become an unprivileged user")
def test_an_unprivileged_driver_stays_idle_and_says_why() -> None:
    """The kernel lets no unprivileged process leave SCHED_IDLE: giving CPUs back then warns
    (teardown will wait for idle time) and does not fail the stop."""
    driver = textwrap.dedent(f"""
        import logging, os
        from harness import scheduling
        logging.basicConfig(format="%(levelname)s %(message)s")
        os.setuid(65534)
        scheduling.{leave_cpus_to_production.__name__}(10)
        scheduling.{give_cpus_back.__name__}(os.getpid(), 0)
        print(os.sched_getscheduler(0) == os.SCHED_IDLE)
    """)
    done = subprocess.run([sys.executable, "-c", driver], capture_output=True, text=True,
                          check=True, start_new_session=True)
    assert done.stdout == "True\n"
    assert "WARNING the shadow side stays idle-scheduled" in done.stderr
