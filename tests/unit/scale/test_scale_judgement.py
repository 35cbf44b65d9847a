"""SLAs judged per step as Rally judges them; the cost curve flags growth worse than linear
and names the database when it grows fastest."""

from harness.scale.cost_curve import bottleneck, cost_curves
from harness.scale.sla import judge
from tests.unit.scale.steps import healthy_then_strained, run_result, step


def test_every_sla_holds_on_the_healthy_step_and_the_strained_one_misses() -> None:
    result = healthy_then_strained()
    sla = result.scenario.sla
    healthy = {v.sla: v for v in judge(sla, result.steps[0])}
    strained = {v.sla: v for v in judge(sla, result.steps[1])}
    assert all(v.passed for v in healthy.values()), healthy
    missed = {name for name, v in strained.items() if v.passed is False}
    assert missed == {"failure_rate", "max_seconds_per_iteration", "max_avg_duration",
                      "max_avg_duration_per_atomic.build", "percentiles.build.p95",
                      "heartbeat_late", "database_cpu", "queue_depth"}
    assert strained["failure_rate"].value == 50.0
    assert strained["percentiles.build.p95"].value == 3.0
    assert strained["heartbeat_late"].value == 10.0  # 10 late of 100 reports
    assert strained["max_avg_duration"].value == 6.0  # the failed iteration does not count


def test_an_unmeasured_measure_is_neither_met_nor_missed() -> None:
    result = run_result([step(0, 10, [0.1], [(0.2, True)], 1.0, None, 1.0, 0)])
    verdict = next(v for v in judge(result.scenario.sla, result.steps[0])
                   if v.sla == "database_cpu")
    assert verdict.passed is None and "not measured" in verdict.describe()


def test_the_cost_curve_flags_superlinear_growth_and_the_database() -> None:
    curves = {c.measure: c for c in cost_curves(healthy_then_strained().steps)}
    assert curves["database_cpu"].exponent == 1.5 and curves["database_cpu"].superlinear
    assert curves["conductor_cpu"].exponent == 0.78 and not curves["conductor_cpu"].superlinear
    assert curves["conductor_cpu"].per_thousand == [50.0, 30.0]
    assert "the database is the bottleneck" in str(bottleneck(list(curves.values())))


def test_linear_growth_is_not_flagged() -> None:
    linear = run_result([step(0, 100, [0.1], [(0.2, True)], 5.0, 4.0, 100.0, 1),
                         step(1, 1000, [0.1], [(0.2, True)], 50.0, 40.0, 1000.0, 10)])
    curves = cost_curves(linear.steps)
    assert not any(c.superlinear for c in curves)
    assert bottleneck(curves) is None
