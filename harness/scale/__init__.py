"""CI scale jobs: a scenario's ramp of hollow shards against a running control plane, sampled
and judged by SLAs, with reports and the control plane's cost curve."""
