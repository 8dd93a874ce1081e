"""Chapter 09 data platform and automation: OneID, tags and audiences, journeys, campaign tracking.

Sections and the tables each needs (a section whose tables are missing is reported by
``missing(...)`` and not computed):

- OneID: ``identity_records`` (scored against ``user_id`` when the column holds a ground truth);
- tags and audiences: ``orders`` (profile and behaviour tags also use ``users`` and ``events``);
- journeys: ``events``, ``orders``, ``users``, ``skus``;
- campaign tracking: ``campaigns``, ``ad_spend``, ``orders``, ``events``, ``order_lines``,
  ``skus``.

Campaign recommendation rule (evidence = the campaign's days so far, up to the as-of date):

- ROAS = attributed GMV / spend; its 95% interval by the delta method for a ratio of daily sums
  (Cochran 1977, *Sampling Techniques* 3rd ed., eq. 6.13:
  ``Var(R) ~ sum_d (g_d - R s_d)^2 / (n (n - 1) s_bar^2)``) and by a bootstrap of days
  (Efron & Tibshirani 1993, *An Introduction to the Bootstrap*, ch. 13; percentile interval);
- break-even ROAS = 1 / goods margin of the campaign's orders;
- ``learning`` while spend < ``min_spend`` or fewer than 3 days with spend; ``pause`` when the
  bootstrap upper bound is below break-even (losing money with 95% confidence); ``scale`` when
  the lower bound is above the campaign's target ROAS and spend is not ahead of pace
  (pacing <= 1.1); ``hold`` otherwise.
- Projected effect over the rest of each flight at the last 7 days' spend rate: a paused
  campaign saves its remaining spend and loses GMV at its ROAS; a scaled one adds ``scale`` x the
  remaining spend at ``marginal`` x its ROAS (diminishing returns; an assumption shown on screen).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from omni_core.analysis import missing_note  # noqa: F401 - re-exported for the page
from omni_core.metrics import automation as ma
from omni_core.metrics import campaigns as mc
from omni_core.models import journeys as jn
from omni_core.models import oneid
from omni_core.models import rfm_tags as rt
from omni_core.warehouse import Warehouse

NEEDS: dict[str, tuple[str, ...]] = {
    "oneid": ("identity_records",),
    "tags": ("orders",),
    "journeys": ("events", "orders", "users", "skus"),
    "campaigns": ("campaigns", "ad_spend", "orders", "events", "order_lines", "skus"),
}
DOC_TARGET = 0.95  # product target for OneID precision and recall


def missing(wh: Warehouse, dataset: str) -> dict[str, list[str]]:
    """Per section, the tables the dataset lacks (empty list = the section can be computed)."""
    have = set(wh.table_names(dataset))
    return {k: [t for t in v if t not in have] for k, v in NEEDS.items()}


# ---------------------------------------------------------------------- OneID
def oneid_view(wh: Warehouse, dataset: str) -> dict[str, Any]:
    """Resolve the identity records; merge statistics, rule ablation and per-noise scores."""
    rec = wh.query(wh.tables(dataset).identity_records)
    if rec.empty:
        raise ValueError("no identity records")
    full = oneid.resolve(rec)
    stats = oneid.merge_stats(rec, full)
    truth = "user_id" in rec.columns and rec["user_id"].notna().all()
    out: dict[str, Any] = {
        "records": rec,
        "person": full.person,
        "links": full.links,
        "stats": {k: v for k, v in stats.items() if k not in {"size_hist", "links_by_rule"}},
        "size_hist": stats["size_hist"].rename_axis("records").reset_index(name="persons"),
        "links_by_rule": stats["links_by_rule"].rename_axis("rule").reset_index(name="links"),
        "scores": None,
        "ablation": None,
        "noise": None,
    }
    if truth:
        rows = []
        for name, kw in (("exact", {"fuzzy": False, "device_links": False}),
                         ("exact+fuzzy", {"device_links": False}), ("all_rules", {})):  # fmt: skip
            res = full if name == "all_rules" else oneid.resolve(rec, **kw)
            rows.append({"rules": name, **oneid.pair_scores(res.person, rec["user_id"])})
        out["ablation"] = pd.DataFrame(rows)
        out["scores"] = {**rows[-1], "ceiling": oneid.linkable_recall(rec)}
        out["noise"] = noise_table(rec, full.person) if "noise" in rec.columns else None
    src = rec["source"] if "source" in rec.columns else pd.Series(0, index=rec.index)
    multi = src.groupby(full.person.to_numpy()).nunique()
    fuzzy = full.links[full.links["rule"].isin(["phone~", "email~"])]["a"]
    picks = list(dict.fromkeys(full.person.iloc[fuzzy].tolist()))[:5]
    picks += multi.sort_values(ascending=False, kind="stable").index[:10].tolist()
    out["examples"] = list(dict.fromkeys(int(p) for p in picks))
    return out


def noise_table(rec: pd.DataFrame, person: pd.Series) -> pd.DataFrame:
    """Per recorded noise type: records, share attached to their person's main cluster, and
    share sitting in a cluster that mixes persons (a false merge)."""
    df = pd.DataFrame({"p": person.to_numpy(), "u": rec["user_id"].to_numpy(),
                       "noise": rec["noise"].fillna("none").to_numpy()})  # fmt: skip
    main = df.groupby(["u", "p"]).size().reset_index(name="n")
    main = main.sort_values(["u", "n", "p"], ascending=[True, False, True]).drop_duplicates("u")
    df["attached"] = df["p"].to_numpy() == df["u"].map(main.set_index("u")["p"]).to_numpy()
    df["mixed"] = df["p"].map(df.groupby("p")["u"].nunique()).to_numpy() > 1
    size = df["u"].map(df.groupby("u").size())
    df = df[size > 1]  # a person's only record is trivially attached
    return (
        df.groupby("noise")
        .agg(records=("p", "size"), attached=("attached", "mean"), false_merge=("mixed", "mean"))
        .reset_index()
    )


def identity_graph(view: dict[str, Any], person: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Nodes and edges of one resolved person (records, identifiers, merging links)."""
    res = oneid.Resolution(view["person"], view["links"])
    return oneid.identity_graph(view["records"], res, int(person))


# ---------------------------------------------------------------------- tags
def features(wh: Warehouse, dataset: str) -> pd.DataFrame:
    """Per-user features: purchases (RFM inputs), coupon share, channels, carts, profile."""
    t = wh.tables(dataset)
    have = set(wh.table_names(dataset))
    full = {"users", "events", "skus"} <= have
    f = wh.query(ma.user_features(t) if full else ma.buyer_features(t))
    asof = f["last_epoch"].max()
    f["days_since_last"] = (asof - f["last_epoch"]) / 86400.0
    f["aov"] = np.where(f["orders"] > 0, f["monetary"] / f["orders"].clip(lower=1), np.nan)
    f["coupon_share"] = np.where(f["orders"] > 0, f["coupon_orders"] / f["orders"].clip(lower=1),
                                 np.nan)  # fmt: skip
    scores = rt.rfm_scores(f)
    return f.merge(scores, on="user_id", how="left")


def tags_view(wh: Warehouse, dataset: str) -> dict[str, Any]:
    """Tag definitions with holders and value, RFM grid and segment summary."""
    f = features(wh, dataset)
    tags = [tg for tg in rt.default_tags(f) if tg.column in f.columns]
    tagged = rt.apply_tags(f, tags)
    holders = tagged.sum().to_numpy()
    value = np.array([f.loc[tagged[tg.tag].to_numpy(), "monetary"].sum() for tg in tags])
    defs = pd.DataFrame({
        "tag": [tg.tag for tg in tags], "name_zh": [tg.name_zh for tg in tags],
        "name_en": [tg.name_en for tg in tags], "group": [tg.group for tg in tags],
        "rule": [tg.rule() for tg in tags], "holders": holders,
        "share": holders / max(len(f), 1), "value": value,
    })  # fmt: skip
    b = f[f["orders"] > 0]
    grid = b.groupby(["R", "F"]).agg(users=("user_id", "size"), monetary=("monetary", "mean"))
    seg = b.groupby("segment").agg(
        users=("user_id", "size"), value=("monetary", "sum"), recency=("days_since_last", "mean"),
        orders=("orders", "mean"),
    ).reset_index()  # fmt: skip
    seg["value_share"] = seg["value"] / max(seg["value"].sum(), 1e-9)
    names = {
        lang: dict(zip(defs["tag"], defs[f"name_{lang}"], strict=True)) for lang in ("zh", "en")
    }
    return {"features": f, "tags": tags, "tagged": tagged, "defs": defs, "names": names,
            "default_include": ["high_value"] if "high_value" in names["en"] else [],
            "grid": grid.reset_index(), "segments": seg, "users": len(f)}  # fmt: skip


def audience_package(
    view: dict[str, Any], include: list[str], exclude: list[str] | None = None
) -> dict[str, Any]:
    """An audience from tags: size, value and the CSV export (user id, RFM, segment, tags)."""
    if not include:
        raise ValueError("choose at least one tag to include")
    f, tagged = view["features"], view["tagged"]
    aud = rt.audience(f, tagged, include, exclude or [])
    cols = ["user_id", "orders", "monetary", "R", "F", "M", "rfm", "segment"]
    members = f.loc[aud["mask"], [c for c in cols if c in f.columns]].copy()
    held = tagged.loc[aud["mask"]]
    members["tags"] = [
        "|".join(c for c, v in zip(held.columns, row, strict=True) if v) for row in held.to_numpy()
    ]
    csv = members.to_csv(index=False).encode("utf-8-sig")  # BOM so Excel opens it as UTF-8
    name = "audience_" + "_".join(include) + ("_not_" + "_".join(exclude) if exclude else "")
    return {**{k: v for k, v in aud.items() if k != "mask"}, "preview": members.head(200),
            "csv": csv, "file_name": name[:120] + ".csv"}  # fmt: skip


# ---------------------------------------------------------------------- journeys
def journey_view(
    wh: Warehouse,
    dataset: str,
    *,
    cap: int = 2,
    window_h: float = 24.0,
    quiet_start: int = 22,
    quiet_end: int = 8,
    holdout: float = 0.1,
    high_value: float = 500.0,
    coupon_uplift: float = 0.04,
    sms_uplift: float = 0.015,
    call_uplift: float = 0.08,
    seed: int = 9,
) -> dict[str, Any]:
    """Simulate the default journeys over the dataset's cart abandons and unpaid orders."""
    t = wh.tables(dataset)
    ab = wh.query(ma.cart_abandons(t))
    up = wh.query(ma.unpaid_orders(t))
    pays = wh.query(ma.pay_times(t))
    trig = pd.concat([
        ab.rename(columns={"cart_ts": "ts"}).assign(kind="cart_abandon"),
        up.rename(columns={"order_ts": "ts"}).assign(kind="unpaid_order"),
    ], ignore_index=True)[["user_id", "kind", "ts", "value"]]  # fmt: skip
    if trig.empty:
        raise ValueError("no cart abandons or unpaid orders to trigger a journey")
    u = t.users
    private = wh.query(u.filter(u.private_join_ts.notnull()).select("user_id"))["user_id"]
    policy = jn.Policy(cap=int(cap), window_h=float(window_h), quiet_start=int(quiet_start),
                       quiet_end=int(quiet_end), holdout=float(holdout),
                       high_value=float(high_value),
                       uplift={"coupon": coupon_uplift, "sms": sms_uplift, "call": call_uplift})  # fmt: skip
    out = jn.simulate(trig, pays, private.tolist(), policy, np.random.default_rng(seed))
    msgs = out["messages"]
    by_status = msgs.groupby(["action", "channel", "status"]).size().reset_index(name="messages")
    sent = msgs[msgs["status"] == "sent"]
    hours = sent["send_ts"].dt.hour.value_counts().reindex(range(24), fill_value=0)
    return {
        "summary": out["summary"],
        "by_status": by_status,
        "by_hour": hours.rename_axis("hour").reset_index(name="messages"),
        "triggers": trig.groupby("kind").size().rename("triggers").reset_index(),
        "journeys": jn.DEFAULT_JOURNEYS,
        "policy": policy,
    }


# ---------------------------------------------------------------------- campaigns
def _ratio_ci(g: np.ndarray, s: np.ndarray, rng: np.random.Generator, b: int = 1000) -> tuple:
    """ROAS and its 95% intervals: delta method and day bootstrap (module docstring)."""
    n = len(s)
    tot_s = s.sum()
    if n < 2 or tot_s <= 0:
        return (g.sum() / tot_s if tot_s > 0 else np.nan, np.nan, np.nan, np.nan, np.nan)
    r = g.sum() / tot_s
    se = np.sqrt(np.sum((g - r * s) ** 2) / (n * (n - 1))) / (tot_s / n)
    idx = rng.integers(0, n, size=(b, n))
    bs = s[idx].sum(1)
    boot = np.where(bs > 0, g[idx].sum(1) / np.where(bs > 0, bs, 1), np.nan)
    lo, hi = np.nanpercentile(boot, [2.5, 97.5])
    return r, r - 1.96 * se, r + 1.96 * se, lo, hi


def campaign_view(
    wh: Warehouse,
    dataset: str,
    *,
    asof: dt.date | None = None,
    min_spend: float = 200.0,
    scale: float = 0.3,
    marginal: float = 0.7,
    seed: int = 5,
) -> dict[str, Any]:
    """Campaign tracking as of a date: chain, pacing, ROAS intervals, decisions, projection."""
    if not 0 <= scale <= 2 or not 0 <= marginal <= 1 or min_spend < 0:
        raise ValueError("scale must be in [0, 2], marginal in [0, 1], min spend >= 0")
    t = wh.tables(dataset)
    daily = wh.query(mc.campaign_daily(t))
    daily["day"] = pd.to_datetime(daily["day"]).dt.date
    first, last = daily["day"].min(), daily["day"].max()
    asof = last if asof is None else min(max(asof, first), last)
    camp = wh.query(t.campaigns)
    camp["start_date"] = pd.to_datetime(camp["start_date"]).dt.date
    camp["end_date"] = pd.to_datetime(camp["end_date"]).dt.date
    margin = wh.query(mc.campaign_margin(t)).set_index("campaign_id")["margin"]
    pooled = float(margin.median()) if len(margin) else 0.35
    past = daily[daily["day"] <= asof]
    after = daily[daily["day"] > asof]
    rng = np.random.default_rng(seed)
    rows = []
    for c in camp.itertuples(index=False):
        d = past[(past["campaign_id"] == c.campaign_id) & (past["spend"] > 0)]
        r, dlo, dhi, blo, bhi = _ratio_ci(d["gmv"].to_numpy(), d["spend"].to_numpy(), rng)
        flight = (c.end_date - c.start_date).days + 1
        elapsed = min(max((asof - c.start_date).days + 1, 0), flight)
        spend = float(d["spend"].sum())
        recent = d[d["day"] > asof - dt.timedelta(days=7)]
        rate = float(recent["spend"].sum()) / max(min(elapsed, 7), 1) if elapsed else 0.0
        m = float(margin.get(c.campaign_id, np.nan))
        m = pooled if not np.isfinite(m) or m <= 0 else m
        a = after[after["campaign_id"] == c.campaign_id]
        rows.append({
            "campaign_id": c.campaign_id, "name": c.name, "channel_id": c.channel_id,
            "event": c.event, "start": c.start_date, "end": c.end_date, "budget": c.budget,
            "target_roas": c.target_roas, "spend": spend, "gmv": float(d["gmv"].sum()),
            "conversions": float(d["conversions"].sum()), "impressions": float(d["impressions"].sum()),
            "ad_clicks": float(d["ad_clicks"].sum()), "days": len(d), "roas": r,
            "roas_lo_delta": dlo, "roas_hi_delta": dhi, "roas_lo": blo, "roas_hi": bhi,
            "breakeven_roas": 1.0 / m, "margin": m, "time_share": elapsed / flight,
            "spend_share": spend / c.budget if c.budget else np.nan,
            "remaining_days": max((c.end_date - asof).days, 0), "run_rate": rate,
            "after_spend": float(a["spend"].sum()), "after_gmv": float(a["gmv"].sum()),
        })  # fmt: skip
    cdf = pd.DataFrame(rows)
    cdf["pacing"] = cdf["spend_share"] / cdf["time_share"].where(cdf["time_share"] > 0)
    cdf["ctr"] = cdf["ad_clicks"] / cdf["impressions"].where(cdf["impressions"] > 0)
    cdf["cvr"] = cdf["conversions"] / cdf["ad_clicks"].where(cdf["ad_clicks"] > 0)
    cdf["cpa"] = cdf["spend"] / cdf["conversions"].where(cdf["conversions"] > 0)
    cdf["decision"] = _decide(cdf, min_spend)
    cdf = cdf[cdf["time_share"] > 0].reset_index(drop=True)  # not started yet: nothing to track
    proj = _project(cdf, scale, marginal)
    end = pd.Timestamp(asof) + pd.Timedelta(days=1)
    chain = wh.query(mc.creative_chain(t, end=end.to_pydatetime()))
    return {"asof": asof, "first": first, "last": last, "campaigns": cdf,
            "creatives": _creatives(chain, cdf), "projection": proj,
            "check": _check(cdf)}  # fmt: skip


def campaign_dates(wh: Warehouse, dataset: str) -> dict[str, dt.date]:
    """Range of the as-of control: a week in to the last day; default 19 days before the end."""
    a = wh.tables(dataset).ad_spend
    r = wh.query(a.agg(first=a.ts_hour.min(), last=a.ts_hour.max()))
    first, last = pd.Timestamp(r["first"][0]).date(), pd.Timestamp(r["last"][0]).date()
    lo = min(first + dt.timedelta(days=6), last)
    return {"min": lo, "max": last, "default": max(lo, last - dt.timedelta(days=19))}


def _decide(c: pd.DataFrame, min_spend: float) -> np.ndarray:
    learning = (c["spend"] < min_spend) | (c["days"] < 3) | c["roas_hi"].isna()
    pause = c["roas_hi"] < c["breakeven_roas"]
    scale = (c["roas_lo"] > c["target_roas"]) & (c["pacing"].fillna(0) <= 1.1)
    return np.select([learning, pause, scale], ["learning", "pause", "scale"], "hold")


def _project(c: pd.DataFrame, scale: float, marginal: float) -> dict[str, Any]:
    """Rest-of-flight spend and GMV at the run rate, before and after the recommendations."""
    live = c["remaining_days"] > 0
    base_spend = (c["run_rate"] * c["remaining_days"]).where(live, 0.0)
    roas = c["roas"].fillna(0.0)
    base_gmv = base_spend * roas
    d_spend = np.select([c["decision"] == "pause", c["decision"] == "scale"],
                        [-base_spend, scale * base_spend], 0.0)  # fmt: skip
    d_gmv = np.select([c["decision"] == "pause", c["decision"] == "scale"],
                      [-base_gmv, scale * base_spend * roas * marginal], 0.0)  # fmt: skip
    before = {"spend": float(base_spend.sum()), "gmv": float(base_gmv.sum()),
              "profit": float((base_gmv * c["margin"] - base_spend).sum())}  # fmt: skip
    after_s, after_g = base_spend + d_spend, base_gmv + d_gmv
    after = {"spend": float(after_s.sum()), "gmv": float(after_g.sum()),
             "profit": float((after_g * c["margin"] - after_s).sum())}  # fmt: skip
    for x in (before, after):
        x["roas"] = x["gmv"] / x["spend"] if x["spend"] > 0 else float("nan")
    return {"before": before, "after": after, "scale": scale, "marginal": marginal}


def _check(c: pd.DataFrame) -> pd.DataFrame:
    """What happened after the as-of date, by decision (realised spend, GMV and ROAS)."""
    g = c.groupby("decision").agg(
        campaigns=("campaign_id", "size"), roas_so_far=("roas", "median"),
        spend_after=("after_spend", "sum"), gmv_after=("after_gmv", "sum"),
    ).reset_index()  # fmt: skip
    g["roas_after"] = g["gmv_after"] / g["spend_after"].where(g["spend_after"] > 0)
    return g


def _creatives(chain: pd.DataFrame, c: pd.DataFrame) -> pd.DataFrame:
    """Creative chain with spend split by click share within its campaign."""
    ch = chain.merge(c[["campaign_id", "name", "spend"]], on="campaign_id", how="inner")
    clicks = ch.groupby("campaign_id")["clicks"].transform("sum")
    ch["spend_alloc"] = ch["spend"] * np.where(
        clicks > 0, ch["clicks"] / clicks.where(clicks > 0), 0
    )
    ch["ctr"] = ch["clicks"] / ch["exposures"].where(ch["exposures"] > 0)
    ch["cvr"] = ch["conversions"] / ch["clicks"].where(ch["clicks"] > 0)
    ch["repurchase_rate"] = ch["repurchasers"] / ch["buyers"].where(ch["buyers"] > 0)
    ch["cpa"] = ch["spend_alloc"] / ch["conversions"].where(ch["conversions"] > 0)
    ch["roas"] = ch["gmv"] / ch["spend_alloc"].where(ch["spend_alloc"] > 0)
    return ch.drop(columns=["spend"])


TABS = ("tab_oneid", "tab_tags", "tab_journeys", "tab_campaigns", "tab_rules")
TEXT: dict[str, tuple[str, str]] = {
    "title": ("09 数据中台与营销自动化", "09 Data platform & automation"),
    "caption": (
        "OneID 打通全渠道身份，标签工厂与人群包，行为触发的自动化旅程，投放实时追踪与调控。",
        "OneID across channels, a tag factory and audience packages, behaviour-triggered "
        "journeys, and campaign tracking with pause/hold/scale advice.",
    ),
    "tab_oneid": ("OneID 身份打通", "OneID"),
    "tab_tags": ("标签与人群包", "Tags & audiences"),
    "tab_journeys": ("自动化旅程", "Journeys"),
    "tab_campaigns": ("投放追踪", "Campaign tracking"),
    "tab_rules": ("告警规则", "Alert rules"),
    "doc_rules": (
        "文档：实时监控，及时发现问题并调控。作战大屏的告警规则（阈值、待定期、冷却、通知）在此查看与编辑，"
        "保存在仓库中。",
        "Document: monitor in real time, find problems early and act. The war room's alert rules "
        "(thresholds, pending period, cooldown, notification) are listed and edited here and saved "
        "in the warehouse.",
    ),
    "records": ("身份记录", "Identity records"),
    "persons": ("识别出的人", "Resolved persons"),
    "ratio": ("记录/人", "Records per person"),
    "precision": ("成对精确率", "Pairwise precision"),
    "recall": ("成对召回率", "Pairwise recall"),
    "vs_target": ("{d:+.1f} 个百分点 vs 95%", "{d:+.1f} pp vs 95%"),
    "ceiling": (
        "召回上限 {c:.2%}：没有手机号、没有邮箱、且设备不与本人其他记录共用的记录，任何规则都无法关联"
        "（用真实身份的“神谕”连接同一人共享标识的记录算得）。",
        "Recall ceiling {c:.2%}: records with no phone, no e-mail and a device no other record of "
        "the person uses cannot be linked by any rule (an oracle linking a person's records that "
        "share an identifier).",
    ),
    "no_truth": (
        "数据集没有真实身份列，无法计算精确率/召回率。",
        "The dataset holds no ground-truth person id: precision and recall cannot be computed.",
    ),
    "doc_oneid": (
        "规则：平台账号/手机号/邮箱精确匹配 → 手机号或邮箱编辑距离 1 且有佐证（同设备、同邮箱、"
        "同姓名）→ 设备关联（不与已有手机号/邮箱冲突，家庭共用设备按主用户归属）；并查集合并。"
        "按真实身份逐对计算精确率与召回率，目标均 ≥ 95%。",
        "Rules: exact account/phone/e-mail → phone or e-mail one edit apart with corroboration "
        "(same device, e-mail or name) → device links (no conflicting phone/e-mail; a shared "
        "household device goes to its main user); merged with a union-find. Scored on record "
        "pairs against the true person; target ≥ 95% for both.",
    ),
    "person": ("查看一个人的图谱", "Show one person's graph"),
    "noise": ("按噪声类型：归属正确率与误合并率", "By noise type: correctly attached and falsely merged"),
    "users": ("用户", "Users"),
    "include": ("包含标签（全部满足）", "Include tags (all of)"),
    "exclude": ("排除标签", "Exclude tags"),
    "aud_size": ("人群规模", "Audience size"),
    "aud_value": ("累计消费", "Spend so far"),
    "aud_per": ("人均消费", "Spend per user"),
    "aud_aov": ("客单价", "AOV"),
    "download": ("导出人群包 CSV", "Export audience CSV"),
    "defs": ("标签定义（规则即代码，可审计）", "Tag definitions (rules as data, auditable)"),
    "journey_defs": (
        "旅程：加购 1 小时未下单 → 普通用户发券（私域走企微，其余 App 推送）、高价值（加购金额 ≥ 阈值）"
        "→ 客服外呼；24 小时仍未支付 → 短信；下单未支付 24 小时 → 短信。任一时刻支付即退出旅程。",
        "Journeys: cart abandoned for 1 h → coupon (WeCom for private-domain users, app push "
        "otherwise), high value (cart ≥ threshold) → service call; still unpaid after 24 h → SMS; "
        "order unpaid for 24 h → SMS. Paying at any time exits the journey.",
    ),
    "cap": ("频控：每人最多条数", "Cap: messages per user"),
    "window": ("频控窗口（小时）", "Cap window (hours)"),
    "quiet": ("允许发送时段（其余为免打扰）", "Sending hours (the rest is quiet)"),
    "holdout": ("随机对照组比例", "Random holdout share"),
    "hv": ("高价值阈值（元）", "High value from (yuan)"),
    "u_coupon": ("券的转化增益 %（假设）", "Coupon uplift % (assumed)"),
    "u_sms": ("短信增益 %（假设）", "SMS uplift % (assumed)"),
    "u_call": ("外呼增益 %（假设）", "Call uplift % (assumed)"),
    "sim_note": (
        "世界历史中没有触达记录：消息效果按上面的假设增益模拟，自然转化来自世界真实订单。"
        "对照组估计的增量与区间展示的是这个规模的实验能测出什么。",
        "The world's history has no messages: their effect is simulated with the assumed uplifts "
        "above; organic conversions are the world's own orders. The holdout estimate and its "
        "interval show what an experiment of this size would measure.",
    ),
    "triggered": ("触发用户", "Triggered users"),
    "sent": ("发送消息", "Messages sent"),
    "suppressed": ("频控拦截", "Suppressed by cap"),
    "exited": ("已转化退出", "Exited (converted)"),
    "incremental": ("增量转化", "Incremental conversion"),
    "ci": (
        "**增量 {d:+.1%}**（95% 区间 {lo:+.1%} ~ {hi:+.1%}，p = {p:.3f}；模拟真值 {true:+.1%}）："
        "干预组 {nt:,} 人、对照组 {nh:,} 人。区间太宽时加大对照组比例或累积更多触发。",
        "**Uplift {d:+.1%}** (95% CI {lo:+.1%} to {hi:+.1%}, p = {p:.3f}; simulated truth "
        "{true:+.1%}): {nt:,} treated vs {nh:,} holdout users. If the interval is too wide, raise "
        "the holdout share or collect more triggers.",
    ),
    "asof": ("截至日期（回放）", "As of (replay)"),
    "min_spend": ("最少花费才判断（元）", "Min spend to judge (yuan)"),
    "scale": ("放量幅度", "Scale-up"),
    "marginal": ("放量边际 ROAS 系数（假设）", "Marginal ROAS factor (assumed)"),
    "spend": ("累计花费", "Spend to date"),
    "gmv": ("归因 GMV", "Attributed GMV"),
    "roas": ("ROAS", "ROAS"),
    "n_pause": ("建议暂停", "To pause"),
    "n_scale": ("建议放量", "To scale"),
    "doc_campaign": (
        "文档：实时追踪每个计划的 CTR 与 ROAS，快速止损低效投放，放大优质流量入口。"
        "判断：ROAS 按天自助法 95% 区间上界 < 盈亏平衡（1/毛利率）→ 暂停；下界 > 目标 ROAS 且未超速 → 放量。",
        "doc: track every campaign's CTR and ROAS in real time, stop inefficient spend quickly and "
        "scale the good entrances. Rule: upper 95% bound of ROAS (day bootstrap) below break-even "
        "(1/margin) → pause; lower bound above target ROAS and not ahead of pace → scale.",
    ),
    "check": (
        "事后检验：截至日期之后各组的实际 ROAS。", "Hindsight: realised ROAS after the as-of date, by decision."
    ),
    "creatives": ("创意链路：曝光 → 点击 → 转化 → 复购", "Creative chain: exposure → click → conversion → repurchase"),
}  # fmt: skip


def text(key: str, lang: str = "zh", **values: Any) -> str:
    """A chapter-09 label in a language, formatted with ``values``."""
    zh, en = TEXT[key]
    return (en if lang == "en" else zh).format(**values)


COLUMNS: dict[str, tuple[str, str]] = {
    "rules": ("规则", "Rules"), "precision": ("精确率", "Precision"), "recall": ("召回率", "Recall"),
    "f1": ("F1", "F1"), "true_pairs": ("真实同人对", "True pairs"),
    "predicted_pairs": ("合并对", "Merged pairs"), "correct_pairs": ("正确对", "Correct pairs"),
    "noise": ("噪声类型", "Noise"), "records": ("记录", "Records"),
    "attached": ("归属正确", "Attached"), "false_merge": ("误合并", "False merge"),
    "tag": ("标签", "Tag"), "name_zh": ("名称", "Name (zh)"), "name_en": ("英文名", "Name"),
    "group": ("类别", "Group"), "rule": ("规则", "Rule"), "holders": ("人数", "Holders"),
    "share": ("占比", "Share"), "value": ("累计消费", "Spend"),
    "name": ("计划", "Campaign"), "channel_id": ("渠道", "Channel"), "event": ("活动", "Event"),
    "budget": ("预算", "Budget"), "spend": ("花费", "Spend"), "gmv": ("GMV", "GMV"),
    "roas": ("ROAS", "ROAS"), "roas_lo": ("ROAS 下界", "ROAS low"),
    "roas_hi": ("ROAS 上界", "ROAS high"), "roas_lo_delta": ("下界(Delta)", "Low (delta)"),
    "roas_hi_delta": ("上界(Delta)", "High (delta)"), "breakeven_roas": ("盈亏平衡", "Break-even"),
    "target_roas": ("目标", "Target"), "pacing": ("节奏", "Pacing"), "ctr": ("CTR", "CTR"),
    "cvr": ("CVR", "CVR"), "cpa": ("CPA", "CPA"), "decision": ("建议", "Decision"),
    "days": ("投放天数", "Days"), "conversions": ("转化", "Conversions"),
    "campaigns": ("计划数", "Campaigns"), "roas_so_far": ("此前 ROAS 中位", "ROAS so far (median)"),
    "spend_after": ("之后花费", "Spend after"), "gmv_after": ("之后 GMV", "GMV after"),
    "roas_after": ("之后 ROAS", "ROAS after"), "creative_id": ("创意", "Creative"),
    "exposures": ("曝光", "Exposures"), "clicks": ("点击", "Clicks"), "buyers": ("买家", "Buyers"),
    "repurchasers": ("复购人数", "Repurchasers"), "repurchase_rate": ("复购率", "Repurchase rate"),
    "spend_alloc": ("分摊花费", "Spend (by clicks)"), "links": ("合并次数", "Links"),
    "ctr_pct": ("CTR %", "CTR %"), "cvr_pct": ("CVR %", "CVR %"),
    "repurchase_rate_pct": ("复购率 %", "Repurchase %"), "share_pct": ("占比 %", "Share %"),
    "attached_pct": ("归属正确 %", "Attached %"), "false_merge_pct": ("误合并 %", "False merge %"),
}  # fmt: skip
PERCENT = ("ctr", "cvr", "repurchase_rate", "share", "attached", "false_merge")
CAMPAIGN_COLUMNS = ["name", "channel_id", "event", "budget", "spend", "gmv", "ctr", "cvr", "cpa",
                    "roas", "roas_lo", "roas_hi", "roas_lo_delta", "roas_hi_delta",
                    "breakeven_roas", "target_roas", "pacing", "days", "decision"]  # fmt: skip
CREATIVE_COLUMNS = ["name", "creative_id", "exposures", "clicks", "conversions", "repurchasers",
                    "ctr", "cvr", "repurchase_rate", "spend_alloc", "cpa", "roas"]  # fmt: skip


def labelled(frame: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """A display copy with known columns renamed to the language."""
    i = 1 if lang == "en" else 0
    out = frame.copy()
    for c in PERCENT:
        if c in out.columns:
            out[c] = 100 * out[c]
            out = out.rename(columns={c: f"{c}_pct"})
    return out.rename(columns={k: v[i] for k, v in COLUMNS.items()})


def run(name: str, wh: Warehouse, dataset: str, **kw: Any) -> Any:
    """Dispatch a section by name (the screen caches each call)."""
    return globals()[name](wh, dataset, **kw)
