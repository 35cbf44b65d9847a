"""shadow_overhead.py's arithmetic: each pair weighs the same, the A/A test's intervals widened
for its six metrics, and the verdict's three answers."""

import math

import pytest
from overhead_stats import (
    AA_CONFIDENCE,
    METRICS,
    Measurement,
    bootstrap,
    log_costs,
    paired_costs,
    pooled_costs,
    trusted,
    verdict,
)


def measurement(latency: float, slowest: float = 0.0, throughput: float = 1000.0) -> Measurement:
    """400 calls and casts at `latency` seconds, the slowest 20 at `slowest` if given (a hiccup)."""
    samples = [latency] * 380 + [slowest or latency] * 20
    return Measurement({"calls/s": throughput, "casts/s": throughput},
                       {"call": samples, "cast": list(samples)})


def test_a_pairs_cost_is_the_geometric_mean_of_its_ratios() -> None:
    pairs = [(measurement(0.001), measurement(0.002, throughput=500.0)),
             (measurement(0.002), measurement(0.001, throughput=2000.0)),
             (measurement(0.001), measurement(0.0011, throughput=1000.0))]
    costs = paired_costs(log_costs(pairs), range(3))
    assert costs["call p50 ms"] == pytest.approx(1.1 ** (1 / 3))
    assert costs["calls/s"] == pytest.approx(1.0)  # 2, 0.5 and 1 as costs (without / with)


def test_each_hiccup_moves_one_ratio_where_pooled_a_few_decide_the_p99() -> None:
    def costs(hiccups: int) -> tuple[float, float]:
        pairs = ([(measurement(0.001), measurement(0.001, slowest=0.05))] * hiccups
                 + [(measurement(0.001), measurement(0.001))] * (20 - hiccups))
        return (paired_costs(log_costs(pairs), range(20))["call p99 ms"],
                pooled_costs(pairs)["call p99 ms"])

    assert costs(3) == pytest.approx((50 ** (3 / 20), 1.0))  # 60 of 8,000 samples: under 1 %
    assert costs(5) == pytest.approx((50 ** (5 / 20), 50.0))  # 100 of 8,000: the whole p99


def test_bootstrap_intervals_hold_the_estimate_and_widen_with_confidence() -> None:
    pairs = [(measurement(0.001), measurement(0.001 * (1 + (n % 5) / 20))) for n in range(40)]
    logs = log_costs(pairs)
    estimate = paired_costs(logs, range(40))
    narrow = bootstrap(40, lambda drawn: paired_costs(logs, drawn))
    wide = bootstrap(40, lambda drawn: paired_costs(logs, drawn), AA_CONFIDENCE)
    low, high = narrow["call p50 ms"]
    assert low < estimate["call p50 ms"] < high
    assert wide["call p50 ms"][0] < low and high < wide["call p50 ms"][1]


def test_the_aa_test_keeps_a_ten_percent_chance_of_failing_for_all_six_metrics() -> None:
    assert len(METRICS) == 6
    assert 0.9 <= AA_CONFIDENCE ** 6 < 0.905  # Bonferroni: whatever ties the six together
    assert math.isclose(AA_CONFIDENCE, 1 - 0.1 / 6)


@pytest.mark.parametrize(("highs", "lows", "trusted", "answer"), [
    ([1.04, 1.05], [0.9, 0.9], [True, True], "met"),
    ([1.04, 1.05], [0.9, 0.9], [True, False], "not resolved"),
    ([1.04, 1.06], [0.9, 0.9], [True, True], "not resolved"),
    ([1.04, 1.20], [0.9, 1.10], [True, True], "MISSED"),
    ([1.04, 1.20], [0.9, 1.10], [True, False], "not resolved"),
])
def test_verdict(highs: list[float], lows: list[float], trusted: list[bool],
                 answer: str) -> None:
    assert verdict(list(zip(lows, highs, strict=True)), trusted).startswith(answer)


def test_an_aa_interval_that_leaves_out_1_is_not_trusted() -> None:
    assert trusted({"call p99 ms": (0.97, 1.02), "cast p99 ms": (1.01, 1.08),
                    "calls/s": (0.9, 0.99)}) == [True, False, False]
