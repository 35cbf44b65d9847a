"""What runs inside a component under test: mode switch, external operations, effects, guards.

Imports only the standard library and kombu, never `harness`.

- `mode`: `current_mode()` -> `Mode.PRODUCTION | RECORD | SHADOW` from `HARNESS_MODE`
  (default production; anything else raises `ModeError`).
- `external`: `@external(kind, target, method=None, stand_in=...)`, `perform(...)` (mode and
  recorder given explicitly, for processes hosting several shards or sides) and
  `call_external(kind, target, method, fn, *args, stand_in=..., **kwargs)`: production runs
  it, record runs and records it (real=True), shadow records it (real=False) and returns the
  stand-in (a value, or a callable given the same arguments); no stand-in raises ShadowBlocked.
- `causes`: `with handling(caused_by, request_id):` ties every effect recorded inside to the
  triggering message (harness.bus servers do this for each message they dispatch).
- `effects.Effect`: session, shard, side, real, seq, ts, request_id, caused_by, kind, target,
  method, version, payload. `recorder.Recorder(session, shard, side, sinks)`,
  `use_recorder(r)`, `current_recorder()`.
- `sinks`: `MemorySink`, `JsonlSink(path)`, `BusSink(url, exchange="harness.effects")`.
- `guard`: `install_guard(allow=["127.0.0.1:5672", ...])`: an audit hook that, in shadow
  mode, blocks sockets to other addresses and every new process, recording a `violation`.
"""
