"""Chapter 11: drop replay on measured orders, ledger of the world's orders, page renders."""

from __future__ import annotations

import pandas as pd
import pytest

from omni_core.analysis import ch11
from omni_core.models import ledger as lg
from omni_core.models.collectibles import DropParams
from omni_core.warehouse import Warehouse

from .apputil import run_page


def test_drop_replays_the_last_days(wh, tables):
    res = ch11.drop(wh, "world", 7, DropParams(supply=100, attraction=0, trade_up_prob=0,
                                               share_rate=0), seed=1)  # fmt: skip
    o = tables["orders"]
    p = o[o["pay_ts"].notna()]
    last = p["pay_ts"].max().normalize()
    win = p[p["pay_ts"] >= last - pd.Timedelta(days=6)]
    assert res["totals"]["baseline_gmv"] == pytest.approx(win["amount"].sum())
    assert res["totals"]["uplift"] == 0.0
    assert res["totals"]["claims"] == min(100, int((win["amount"] >= 199).sum()))
    with pytest.raises(ValueError):
        ch11.drop(wh, "world", 0, DropParams(), seed=1)


def test_ledger_chains_orders_deliveries_returns(wh, tables):
    led = ch11.ledger(wh, "world", 300)
    assert led["verification"].ok
    o = tables["orders"]
    recent = o[o["pay_ts"].notna()].sort_values(["pay_ts", "order_id"]).tail(300)
    assert led["counts"]["order"] == 300
    assert led["counts"]["delivered"] == int(recent["delivered_ts"].notna().sum())
    r = tables["returns"]
    assert led["counts"].get("return", 0) == int(r["order_id"].isin(recent["order_id"]).sum())
    chain = led["chain"]
    blk = next(b for b in chain if b["kind"] == "order")
    amt = recent.set_index("order_id").loc[blk["ref"], "amount"]
    assert blk["data"]["amount_fen"] == round(amt * 100)
    demo = ch11.tamper_demo(chain, 10, 1.0, rehash=False)
    assert demo["links"].first_bad == 10
    demo = ch11.tamper_demo(chain, 10, 1.0, rehash=True)
    assert demo["links"].first_bad == 11
    assert demo["full_rewrite_links"].ok and demo["full_rewrite"].first_bad == len(chain) - 1
    assert set(ch11.trace(chain, int(blk["ref"]))["kind"]) >= {"order"}
    assert lg.verify_chain(chain).head_hash == chain[-1]["hash"]


def test_orders_only_import(tables):
    w = Warehouse("duckdb://:memory:")
    w.write_tables({"orders": tables["orders"]}, "imp", meta={"kind": "import"})
    led = ch11.ledger(w, "imp", 100)
    assert not led["has_returns"] and led["verification"].ok
    assert ch11.complaints(w, "imp") is None
    w.close()


@pytest.mark.usefixtures("app_warehouse")
@pytest.mark.parametrize(("lang", "title"), [("zh", "元宇宙"), ("en", "Web3")])
def test_page_renders(lang, title):
    at = run_page("ch11_web3.py", lang)
    assert not at.exception, at.exception
    assert any(title in m.value for m in at.markdown)
    assert len(at.metric) >= 8
