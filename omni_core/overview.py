"""Dataset overview for the Data page: row counts, span, channels and daily GMV by channel type."""

from __future__ import annotations

from typing import Any

import pandas as pd

from omni_core.metrics import kpis, time_range
from omni_core.schema import TABLE_BY_NAME
from omni_core.warehouse import Warehouse


def dataset_overview(wh: Warehouse, dataset: str) -> dict[str, Any]:
    """Everything the Data page shows about one dataset (small frames and scalars)."""
    t = wh.tables(dataset)
    counts = wh.row_counts(dataset)
    tables = pd.DataFrame(
        {
            "table": list(counts),
            "rows": list(counts.values()),
            "kind": [TABLE_BY_NAME[n].kind if n in TABLE_BY_NAME else "extra" for n in counts],
            "grain": [TABLE_BY_NAME[n].grain if n in TABLE_BY_NAME else "" for n in counts],
        }
    ).sort_values(["kind", "table"], ignore_index=True)
    tr = wh.query(time_range(t)).iloc[0] if "events" in counts else None
    channels = wh.query(t.channels) if "channels" in counts else pd.DataFrame()
    daily = pd.DataFrame()
    if {"orders", "events", "returns", "ad_spend"} <= set(counts) and not channels.empty:
        k = wh.query(kpis(t, by=["channel"], bucket="day"))
        k = k.merge(channels[["channel_id", "channel_type"]], left_on="channel",
                    right_on="channel_id", how="left")  # fmt: skip
        daily = (
            k.groupby(["bucket", "channel_type"], as_index=False)["gmv"]
            .sum()
            .sort_values(["bucket", "channel_type"], ignore_index=True)
        )
    meta = wh.meta(dataset)
    return {
        "meta": {k: v for k, v in meta.items() if k != "truth"},
        "tables": tables,
        "first_event": None if tr is None else tr["first_ts"],
        "last_event": None if tr is None else tr["last_ts"],
        "events": int(counts.get("events", 0)),
        "channels": channels,
        "daily_gmv": daily,
    }
