"""The pure parts of a real nova shadow: the candidate spec, which production messages are the
host's effects, its placement access log read as effects, and the taps' bindings."""

import json
import time
from pathlib import Path

import pytest

from harness.errors import UsageError
from harness.nova.control_conf import control_sections
from harness.nova.side import NovaSide
from harness.nova.wsgi import gunicorn_env
from harness.shadow.access_log import AccessLogTap, as_http_effect, names_any
from harness.shadow.nova_side import names_host, sent_by_a_compute
from harness.shadow.sources import ShardSource
from harness.shadow.tap import tap_queue

pytestmark = pytest.mark.unit
PROVIDER = "b6200053-e30f-5330-8eb1-ca33cc302ad0"


@pytest.mark.parametrize(("text", "build"), [("nova", "dev"), ("nova:", "dev"),
                                             ("nova:dev", "dev"), ("nova:/src/nova", "/src/nova")])
def test_nova_candidates_name_the_dev_venv_or_a_path(text: str, build: str) -> None:
    source = ShardSource.parse(text, "--candidate")
    assert (source.kind, source.value, source.launcher) == ("nova", build, "process")


def test_an_unknown_candidate_lists_the_nova_forms() -> None:
    with pytest.raises(UsageError, match="nova or nova:PATH"):
        ShardSource.parse("novaa", "--candidate")


def test_nova_apis_upstream_calls_are_not_the_hosts_effects_but_its_reschedules_are() -> None:
    assert not sent_by_a_compute({"namespace": "compute_task",
                                  "method": "schedule_and_build_instances"})
    assert sent_by_a_compute({"namespace": "compute_task", "method": "build_instances"})
    assert sent_by_a_compute({"method": "object_action"})


def test_periodic_work_in_production_is_the_hosts_when_its_arguments_name_it() -> None:
    mine = names_host("cmp-a")
    assert mine({"payload": {"objinst": {"nova_object.data": {"host": "cmp-a"}}}})
    assert mine({"payload": {"args": ["cmp-a", "cmp-a"]}})
    assert not mine({"payload": {"args": ["cmp-ab"]}})
    assert not mine({"payload": None})


AGENT = "nova-compute keystoneauth1/5.11.1 python-requests/2.32.5 CPython/3.11.2"


def test_an_access_log_line_is_a_placement_request_with_its_request_id() -> None:
    line = (f"[06/Dec/2026:09:01:22 +0000]\tGET\t/resource_providers/{PROVIDER}/allocations\t"
            f"\t200\treq-b492bfcb-7ad9-49c5-b559-78ab54421e6e\t{AGENT}\n")
    effect = as_http_effect(line, "s1", "candidate")
    assert effect is not None
    assert effect["method"] == "GET /resource_providers/{uuid}/allocations"
    assert (effect["kind"], effect["target"], effect["real"]) == ("http", "placement", False)
    assert effect["request_id"] == "req-b492bfcb-7ad9-49c5-b559-78ab54421e6e"
    assert effect["payload"] == {"query": "", "status": 200}
    assert effect["url"] == f"/resource_providers/{PROVIDER}/allocations"
    assert effect["agent"] == "nova-compute"


def test_uuids_in_the_query_are_noise_and_the_request_is_kept_beside() -> None:
    line = f"[t]\tGET\t/resource_providers\tin_tree={PROVIDER}\t200\treq-1\t{AGENT}\n"
    effect = as_http_effect(line, "s1", "production")
    assert effect is not None
    assert effect["payload"] == {"query": "in_tree={uuid}", "status": 200}
    assert effect["url"] == f"/resource_providers?in_tree={PROVIDER}"
    assert names_any([PROVIDER])(effect) and not names_any(["other"])(effect)


def test_a_line_of_another_shape_or_without_request_id() -> None:
    assert as_http_effect("127.0.0.1 - - GET / 200\n", "s1", "candidate") is None
    effect = as_http_effect(f"[t]\tPUT\t/x\tq=1\t204\t-\t{AGENT}\n", "s1", "production")
    assert effect is not None and effect["request_id"] is None and effect["real"] is True


def test_only_a_computes_requests_are_a_hosts(tmp_path: Path) -> None:
    tap = AccessLogTap(tmp_path / "a.log", "s1", "production", tmp_path / "out.jsonl",
                       lambda request_id: None, lambda effect: False)
    line = "[t]\tPUT\t/allocations/{0}\t\t204\treq-1\t{1} keystoneauth1/5.11.1\n"
    assert tap.effect(line.format(PROVIDER, "nova-compute")) is not None
    assert tap.effect(line.format(PROVIDER, "nova-scheduler")) is None


def test_a_log_is_read_from_where_it_ended_when_the_taps_were_declared(
        tmp_path: Path) -> None:
    log, out = tmp_path / "a.log", tmp_path / "out.jsonl"
    line = "[t]\tGET\t/allocations/{0}\t\t200\t{1}\t" + AGENT + "\n"
    log.write_text(line.format(PROVIDER, "req-before"))
    tap = AccessLogTap(log, "s1", "production", out, {"req-before": "m1", "req-after": "m2"}.get,
                       lambda effect: False)
    tap.declare()
    tap.start()
    with log.open("a") as more:
        more.write(line.format(PROVIDER, "req-after"))
    deadline = time.monotonic() + 10
    while (not out.is_file() or not out.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    tap.stop()
    assert [json.loads(row)["caused_by"] for row in out.read_text().splitlines()] == ["m2"]


def test_the_gunicorn_settings_log_requests_in_that_shape(tmp_path: Path) -> None:
    env = gunicorn_env(tmp_path / "g.py", "app:application", "127.0.0.1:1", tmp_path / "a.log")
    settings = (tmp_path / "g.py").read_text()
    assert env == {"GUNICORN_CMD_ARGS": f"--config {tmp_path / 'g.py'}"}
    assert "accesslog" in settings and "x-openstack-request-id" in settings
    assert settings.rstrip().endswith("%(a)s'")  # the User-Agent, last
    gunicorn_env(tmp_path / "h.py", "app:application", "127.0.0.1:1")
    assert "accesslog" not in (tmp_path / "h.py").read_text()


def test_a_real_nova_tap_also_binds_the_schedulers_fanout() -> None:
    queue = tap_queue("s1", "nova", ["conductor"], ["scheduler"])
    bound = {(b.exchange.name, b.exchange.type, b.routing_key) for b in queue.bindings}
    assert bound == {("nova", "topic", "conductor"), ("scheduler_fanout", "fanout", "")}


def test_a_sides_conductor_gets_its_cell_clone_only_and_its_own_placement(
        tmp_path: Path) -> None:
    side = NovaSide("abcd1234", "candidate", tmp_path, 41234, 41235, 41236)
    sections = control_sections(None, {"cell1": "mysql+pymysql://u:p@127.0.0.1/clone"},
                                side.endpoints, tmp_path, "shadow-candidate-conductor")
    assert "transport_url" not in sections["DEFAULT"]  # the shard's bundle names it
    assert "api_database" not in sections
    assert sections["conductor"]["workers"] == "1"  # a side serves one host
    assert sections["database"]["connection"].endswith("/clone")
    assert sections["placement"]["endpoint_override"] == "http://127.0.0.1:41234"
    assert sections["neutron"]["endpoint_override"] == "http://127.0.0.1:41236"  # not production's
    assert side.database("cell1") == "shadow_abcd1234_candidate_cell1"
