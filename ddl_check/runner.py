"""Apply one patch, phase by phase, to a scratch clone and collect every finding."""

import time
from collections.abc import Callable
from typing import Any

from ddl_check.datachecks import check_data
from ddl_check.engines.base import Engine, Outcome
from ddl_check.facts import Action, statement_actions
from ddl_check.model import PHASES, Finding, Patch, PatchReport, Phase, Statement, StatementRun
from ddl_check.operations import Op
from ddl_check.rollback import RollbackTest
from ddl_check.rules import Code
from ddl_check.static import check_patch
from ddl_check.workload import QueryRun, Workload, run_workload

Say = Callable[[str], None]
PROPORTIONAL = {Op.ADD_INDEX, Op.ADD_UNIQUE, Op.ADD_PK, Op.ADD_FK, Op.ADD_CHECK, Op.SET_NOT_NULL}
SLOWER_FACTOR, SLOWER_MIN_SECONDS = 3.0, 0.02


def _finding(code: Code, message: str, stmt: Statement | None = None) -> Finding:
    """A finding at a statement (or at the patch when there is none)."""
    if stmt is None:
        return Finding(code, message)
    return Finding(
        code, message, stmt.phase.value, stmt.file, stmt.line, stmt.sql, stmt.allows.get(code)
    )


def lock_findings(
    engine: Engine, stmt: Statement, actions: list[Action], outcome: Outcome, new: set[str]
) -> list[Finding]:
    """LOCK001/LOCK002 from what the engine reported, for tables the old code already uses."""
    if outcome.error or all(a.table in new for a in actions) or engine.name == "sqlite":
        return []
    out: list[Finding] = []
    heavy = any(a.op in PROPORTIONAL and not a.not_valid and not a.concurrently for a in actions)
    if outcome.blocks_writes and (engine.name != "postgresql" or heavy or outcome.rewrite):
        how = (
            f"ALGORITHM={outcome.algorithm}, LOCK={outcome.lock}"
            if outcome.algorithm
            else outcome.lock
        )
        reason = f" (engine: {outcome.reason})" if outcome.reason else ""
        out.append(_finding(Code.LOCK001, f"{how} blocks writes{reason}", stmt))
    if outcome.rewrite:
        out.append(
            _finding(Code.LOCK002, f"{outcome.algorithm or 'the statement'} rewrote the table",
                     stmt)
        )
    return out


def _compare_plans(before: list[QueryRun], after: list[QueryRun], label: str) -> list[Finding]:
    """PLAN001 when a query lost its index, PLAN002 when it got much slower."""
    out: list[Finding] = []
    for old, new in zip(before, after, strict=False):
        if old.plan is None or new.plan is None or old.error or new.error:
            continue
        lost = old.plan.indexed & new.plan.scanned
        if lost:
            out.append(
                _finding(
                    Code.PLAN001,
                    f"{label}: {new.sql[:80]!r} now scans {', '.join(sorted(lost))} "
                    f"(before: {old.plan.text}; after: {new.plan.text})",
                )
            )
        if (
            new.seconds > SLOWER_FACTOR * old.seconds
            and new.seconds - old.seconds > SLOWER_MIN_SECONDS
        ):
            out.append(
                _finding(
                    Code.PLAN002,
                    f"{label}: {new.sql[:80]!r} {old.seconds * 1000:.1f} ms -> "
                    f"{new.seconds * 1000:.1f} ms",
                )
            )
    return out


class PatchRun:
    """One patch on one clone: statements, data checks, workloads, rollback."""

    def __init__(
        self,
        engine: Engine,
        db: str,
        patch: Patch,
        old: Workload | None,
        new: Workload | None,
        say: Say,
    ) -> None:
        self.engine, self.db, self.patch, self.old, self.new, self.say = (
            engine,
            db,
            patch,
            old,
            new,
            say,
        )
        self.report = PatchReport(patch.name, engine.name, notes=list(patch.notes))
        self.created: set[str] = set()

    def _patch_finding(self, code: Code, message: str) -> Finding:
        """A patch-level finding, accepted when any of the patch's migrations documents the code."""
        finding = _finding(code, message)
        finding.allowed = next(
            (s.allows[code] for s in self.patch.statements if code in s.allows), None
        )
        return finding

    def _workload(
        self, conn: Any, workload: Workload | None, code: Code, label: str
    ) -> list[QueryRun]:
        """Run a workload; each failing query is a finding."""
        if workload is None:
            return []
        runs = run_workload(self.engine, conn, self.db, workload)
        for r in runs:
            if r.error:
                self.report.findings.append(
                    self._patch_finding(code, f"{label}: {r.sql[:80]!r} failed: {r.error}")
                )
        return runs

    def _statement(self, conn: Any, stmt: Statement) -> None:
        """Data checks, then the statement itself with the engine's lock answer."""
        actions = statement_actions(stmt.sql, self.engine.name)
        run = StatementRun(stmt.phase.value, stmt.file, stmt.line, stmt.sql)
        self.report.runs.append(run)
        self.say(f"{stmt.phase.value} {stmt.file}:{stmt.line}: {stmt.sql[:70]}")
        problems = check_data(self.engine, conn, self.engine.schema(conn), actions)
        for code, message in problems:
            self.report.findings.append(_finding(code, message, stmt))
        if problems:
            run.skipped = True
            run.error = "not run: the data check failed"
            return
        outcome = self.engine.run_ddl(conn, stmt.sql, actions)
        run.seconds, run.lock, run.algorithm = outcome.seconds, outcome.lock, outcome.algorithm
        run.reason, run.rewrite, run.error = outcome.reason, outcome.rewrite, outcome.error
        if outcome.error:
            self.report.findings.append(_finding(Code.EXEC001, outcome.error, stmt))
        self.report.findings.extend(
            lock_findings(self.engine, stmt, actions, outcome, self.created)
        )
        self.created |= {a.table for a in actions if a.op == Op.CREATE_TABLE}

    def _rollback(self, conn: Any, rollback: RollbackTest, phase: Phase) -> None:
        """RB001 for each problem the way back shows that an earlier trip did not already."""
        self.say(f"rollback test after {phase.value}")
        known = {f.message for f in self.report.findings if f.code == Code.RB001}
        for problem in rollback.run(self.engine.schema(conn)):
            message = problem if phase == Phase.MIGRATE else f"after contract: {problem}"
            if problem not in known and message not in known:
                self.report.findings.append(self._patch_finding(Code.RB001, message))

    def _touched(self) -> set[str] | None:
        """Tables the patch names; None (all) when a statement is not understood."""
        names: set[str] = set()
        for stmt in self.patch.statements:
            for a in statement_actions(stmt.sql, self.engine.name):
                if (a.op == Op.UNKNOWN_DDL and not a.table) or a.op in {Op.TRUNCATE, Op.CALL}:
                    return None  # not understood, TRUNCATE ... CASCADE, or a procedure's choice
                names |= {a.table, a.ref_table} - {""}
        return names

    def run(self) -> PatchReport:
        """Everything, in phase order, on the clone `db`."""
        start = time.perf_counter()
        conn = self.engine.connect(self.db)
        try:
            source = self.engine.schema(conn)
            self.report.findings.extend(check_patch(self.patch, self.engine.name, source))
            rollback = RollbackTest(self.engine, conn, self.db, source, self._touched())
            old_before = self._workload(conn, self.old, Code.WL001, "old code on the snapshot")
            if any(r.error for r in old_before):
                self.report.notes.append(
                    "the old workload already fails on the unmigrated snapshot"
                )
            new_after: dict[Phase, list[QueryRun]] = {}
            for phase in PHASES:
                for stmt in self.patch.phase(phase):
                    self._statement(conn, stmt)
                if phase == Phase.EXPAND:
                    old_after = self._workload(conn, self.old, Code.WL001, "old code after expand")
                    self.report.findings.extend(
                        _compare_plans(old_before, old_after, "old code after expand")
                    )
                elif phase == Phase.MIGRATE:
                    new_after[phase] = self._workload(
                        conn, self.new, Code.WL002, "new code after migrate"
                    )
                    self._rollback(conn, rollback, phase)
                else:
                    new_after[phase] = self._workload(
                        conn, self.new, Code.WL003, "new code after contract"
                    )
                    self.report.findings.extend(
                        _compare_plans(
                            new_after[Phase.MIGRATE], new_after[phase], "new code after contract"
                        )
                    )
                    if self.patch.phase(phase):
                        self._rollback(conn, rollback, phase)
            self.report.notes.extend(rollback.notes)
        finally:
            conn.close()
        self.report.seconds = time.perf_counter() - start
        return self.report
