"""Running a shadow side on CPU time production leaves, and back as usual for its teardown."""

import logging
import os
from pathlib import Path

from harness.procinfo import descendants, threads

log = logging.getLogger(__name__)

# Linux has no SCHED_IDLE for a whole autogroup (the CPU group it gives each session, which
# competes with other sessions' as an equal whatever its threads' policy): nice 19 is its least
# weight, 15 against an un-niced group's 1024.
IDLE_GROUP_NICE = 19


def _set_group_nice(pid: int, niceness: int) -> None:
    """The nice value of the autogroup pid leads; only a session's leader's is changed, so a
    group shared with others (a shell's, a service manager's) is never touched."""
    try:
        if os.getsid(pid) == pid:
            Path(f"/proc/{pid}/autogroup").write_text(str(niceness))
    except (FileNotFoundError, ProcessLookupError):
        return  # no autogroups in this kernel (the threads' policy then suffices), or gone
    except PermissionError:  # a process that changed its user is not ours to change
        log.warning("process %d's autogroup keeps its weight (the kernel refused nice %d)",
                    pid, niceness)


def _schedule(pid: int, policy: int, niceness: int) -> None:
    """Every thread of pid under policy at niceness: Linux schedules each on its own."""
    for task in threads(pid):
        try:
            os.sched_setscheduler(task, policy, os.sched_param(0))
            os.setpriority(os.PRIO_PROCESS, task, niceness)
        except ProcessLookupError:  # a thread that ended meanwhile
            continue


def leave_cpus_to_production(niceness: int) -> None:
    """Every thread of this process, and all it starts later, niced and SCHED_IDLE: the kernel
    runs an idle-scheduled task only on CPU time other tasks leave (at nice 10 alone it still
    took 110/1134 of a contended core), and the niceness keeps /proc/stat counting its time as
    niced, so a yielding relay does not take the shadow side's own work for production's. A
    session of its own (the driver's) also gets its autogroup at the least weight."""
    _schedule(os.getpid(), os.SCHED_IDLE, niceness)
    _set_group_nice(os.getpid(), IDLE_GROUP_NICE)


def follow_idle_launcher(pid: int) -> None:
    """A child just started in a session of its own by an idle-scheduled process (a yielding
    driver's shard) gets its autogroup at the least weight too: SCHED_IDLE is inherited, but
    the new session's group starts as an equal of production's."""
    if os.sched_getscheduler(0) == os.SCHED_IDLE:
        _set_group_nice(pid, IDLE_GROUP_NICE)


def give_cpus_back(pid: int, niceness: int) -> None:
    """A yielding session's driver and every process under it (its shards) scheduled as usual
    again, for its teardown: that takes the mirror out of production's vhost, and must not wait
    for idle CPU time a busy production may never leave. Only a privileged user may (the kernel
    lets no other leave SCHED_IDLE or lower a niceness); anyone else's teardown still waits."""
    for process in (pid, *descendants(pid)):
        _set_group_nice(process, niceness)
        try:
            _schedule(process, os.SCHED_OTHER, niceness)
        except PermissionError:
            log.warning("the shadow side stays idle-scheduled (it takes CAP_SYS_NICE to "
                        "undo): its teardown waits for CPU time production leaves idle")
            return
