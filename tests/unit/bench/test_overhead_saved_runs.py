"""Saved runs of shadow_overhead.py read back whole, a run cut short keeps its complete rounds,
and runs of different code or settings refuse to pool, naming the file."""

import io
from pathlib import Path

import pytest
from overhead_stats import (
    Measurement,
    RecordError,
    open_text,
    pooled_runs,
    read,
    write_header,
    write_measurement,
)

SETTINGS = {"rate": 200.0, "seconds": 4.0, "flat": 1500, "shadow_nice": 10,
            "conditions": ["again", "shedding"], "commit": "abc"}


def saved(rounds: int, settings: dict[str, object] = SETTINGS) -> str:
    """A run's file: every pair of every round, both sides."""
    out = io.StringIO()
    write_header(out, settings, 0.12)
    for n in range(1, rounds + 1):
        for pair in ("again", "shedding"):
            for side in ("without", pair):
                write_measurement(out, n, pair, side, Measurement(
                    {"calls/s": float(n), "casts/s": 2.0}, {"call": [0.001], "cast": [0.002]}))
    return out.getvalue()


def test_a_saved_run_reads_back_round_by_round(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    path.write_text(saved(3))
    run = read(path)
    assert run.settings == SETTINGS and run.yield_cpus == [0.12]
    assert [r["shedding"]["shedding"].values["calls/s"] for r in run.rounds] == [1.0, 2.0, 3.0]
    assert run.rounds[0]["again"]["without"].samples == {"call": [0.001], "cast": [0.002]}


def test_a_gzipped_run_reads_back_its_latencies_to_the_microsecond(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl.gz"
    with open_text(path, "w") as out:
        write_header(out, SETTINGS, 0.12)
        for pair in ("again", "shedding"):
            for side in ("without", pair):
                write_measurement(out, 1, pair, side, Measurement(
                    {"calls/s": 900.0, "casts/s": 2.0},
                    {"call": [0.0016234569996], "cast": [0.0004]}))
    assert path.read_bytes()[:2] == b"\x1f\x8b"
    assert read(path).rounds[0]["again"]["again"].samples["call"] == [0.001623]


def test_a_run_cut_short_keeps_its_complete_rounds(tmp_path: Path) -> None:
    text = saved(3)
    path = tmp_path / "run.jsonl"
    path.write_text(text[:-40])  # the last line half written, round 3 one side short
    assert len(read(path).rounds) == 2


def test_runs_of_the_same_code_and_settings_pool_round_by_round(tmp_path: Path) -> None:
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text(saved(2))
    second.write_text(saved(3))
    run = pooled_runs([first, second])
    assert len(run.rounds) == 5 and run.yield_cpus == [0.12, 0.12]


def test_runs_of_other_code_refuse_to_pool(tmp_path: Path) -> None:
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text(saved(2))
    second.write_text(saved(2, {**SETTINGS, "commit": "def"}))
    with pytest.raises(RecordError, match=r"b\.jsonl:1: commit 'def' differs from .*a\.jsonl"):
        pooled_runs([first, second])


@pytest.mark.parametrize(("text", "error"), [
    ('{"round": 1}\n', r"run\.jsonl:1: no header"),
    (saved(1).replace('"samples"', '"sample"', 1), r"run\.jsonl:2: not a measurement"),
    (saved(1) + "{oops\n", r"run\.jsonl:6: not JSON"),
    (saved(1).split("\n", 1)[0] + "\n", r"run\.jsonl:1: not one round complete"),
    ("", r"run\.jsonl:1: no header"),
    ("[1]\n", r"run\.jsonl:1: no header"),
    (saved(1).replace(', "commit": "abc"', "", 1), r"run\.jsonl:1: .* settings lack commit"),
])
def test_a_file_that_is_not_a_saved_run_is_named_with_its_line(tmp_path: Path, text: str,
                                                               error: str) -> None:
    path = tmp_path / "run.jsonl"
    path.write_text(text)
    with pytest.raises(RecordError, match=error):
        read(path)


def test_a_gzipped_run_cut_short_keeps_every_line_flushed_before_the_cut(tmp_path: Path
                                                                         ) -> None:
    """A .gz run killed while saving has no end-of-stream marker; what it flushed is kept."""
    path, cut = tmp_path / "run.jsonl.gz", tmp_path / "cut.jsonl.gz"
    out = open_text(path, "w")
    out.write(saved(3))
    out.flush()
    cut.write_bytes(path.read_bytes())  # as a kill -9 leaves it
    out.close()
    assert len(read(cut).rounds) == 3
