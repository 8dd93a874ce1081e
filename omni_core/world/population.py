"""Dimension tables and the latent traits of users (vectorised; Faker only for small tables)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from faker import Faker
from faker.providers.person.zh_CN import Provider as ZhPerson

from omni_core.reference import (
    AGE_BAND_WEIGHTS,
    AGE_BANDS,
    CATEGORIES,
    CATEGORY_AFFINITY,
    CHANNEL_BY_ID,
    CHANNELS,
    CITIES,
    DEVICE_TYPES,
    OCCUPATION_WEIGHTS,
    OCCUPATIONS,
    PROVINCES,
    STORE_CITIES,
    WAREHOUSES,
)
from omni_core.world.behaviour import MINUTES_PER_DAY, Behaviour
from omni_core.world.columns import LSTR, decode, join, str_column, vocab
from omni_core.world.params import WorldParams

# Overseas markets served by the cross-border channels: country, weight, channel weights.
OVERSEAS = (
    ("US", 0.30, {"amazon": 0.6, "tiktok_shop": 0.4}),
    ("GB", 0.10, {"amazon": 0.7, "tiktok_shop": 0.3}),
    ("DE", 0.10, {"amazon": 1.0}),
    ("JP", 0.10, {"amazon": 1.0}),
    ("SG", 0.08, {"shopee": 0.6, "tiktok_shop": 0.2, "amazon": 0.2}),
    ("MY", 0.08, {"shopee": 0.8, "tiktok_shop": 0.2}),
    ("TH", 0.08, {"shopee": 0.6, "tiktok_shop": 0.4}),
    ("ID", 0.08, {"shopee": 0.6, "tiktok_shop": 0.4}),
    ("PH", 0.04, {"shopee": 0.7, "tiktok_shop": 0.3}),
    ("VN", 0.04, {"shopee": 0.7, "tiktok_shop": 0.3}),
)
BRAND = "OMNI"


def geo_vocab() -> list[str]:
    """Province codes followed by the overseas country codes (the ``province`` column values)."""
    return [p[0] for p in PROVINCES] + [o[0] for o in OVERSEAS]


@dataclass
class Population:
    """Dimension frames plus the latent per-user arrays the behaviour model samples from."""

    tables: dict[str, pd.DataFrame]
    rate: np.ndarray  # sessions per ordinary day
    alive_from: np.ndarray  # minutes since world start (may be negative)
    alive_to: np.ndarray  # minutes since world start (death; may exceed the window)
    channel_cum: np.ndarray  # (users, channels) cumulative channel choice probabilities
    fav_category: np.ndarray  # category index
    coupon_affinity: np.ndarray  # 0..1
    is_member: np.ndarray
    is_overseas: np.ndarray
    young: np.ndarray  # age band 18-24 (Gen Z)
    senior: np.ndarray  # 35+
    province_idx: np.ndarray  # index into geo_vocab(): provinces, then overseas countries
    city_id: np.ndarray  # -1 for overseas
    devices: np.ndarray  # (users, 3) global device ids, -1 = none
    device_types: np.ndarray  # (users, 3) index into DEVICE_TYPES
    n_devices: np.ndarray
    sku_cat_start: np.ndarray  # per category: first sku index
    sku_cum: list[np.ndarray]  # per category: cumulative popularity of its SKUs
    category_channel_cum: np.ndarray  # (channels, categories) cumulative


def build_population(params: WorldParams, model: Behaviour, rng: np.random.Generator) -> Population:
    """Draw the dimension tables and user traits for a world."""
    faker = Faker("zh_CN")
    faker.seed_instance(int(rng.integers(0, 2**31 - 1)))
    tables: dict[str, pd.DataFrame] = {}

    tables["channels"] = pd.DataFrame(
        [
            (c.channel_id, c.name_zh, c.name_en, c.channel_type, c.lead, c.is_online, c.is_public)
            for c in CHANNELS
            if c.channel_id in params.channels
        ],
        columns=["channel_id", "name_zh", "name_en", "channel_type", "lead", "is_online",
                 "is_public"],
    )  # fmt: skip
    tables["provinces"] = pd.DataFrame(
        [(p[0], p[1], p[2], p[3]) for p in PROVINCES],
        columns=["province", "name_zh", "name_en", "region"],
    )
    cities = pd.DataFrame(CITIES, columns=["name_zh", "name_en", "province", "tier"])
    cities.insert(0, "city_id", np.arange(1, len(cities) + 1, dtype=np.int32))
    cities["tier"] = cities["tier"].astype(np.int8)
    tables["cities"] = cities
    tables["categories"] = pd.DataFrame(
        [(c[0], c[1], c[2]) for c in CATEGORIES], columns=["category_id", "name_zh", "name_en"]
    )

    # ---------------------------------------------------------------- SKUs
    n_cat = len(CATEGORIES)
    cat_w = np.array([c[7] for c in CATEGORIES])
    sku_cat = np.sort(rng.choice(n_cat, size=params.skus, p=cat_w / cat_w.sum()))
    # Every category gets at least one SKU.
    sku_cat[:n_cat] = np.arange(n_cat)
    sku_cat = np.sort(sku_cat)
    mean_price = np.array([c[3] for c in CATEGORIES])[sku_cat]
    sigma = np.array([c[4] for c in CATEGORIES])[sku_cat]
    price = np.round(mean_price * np.exp(rng.normal(-(sigma**2) / 2, sigma)), 0) - 0.1
    price = np.maximum(price, 9.9)
    cost_ratio = np.array([c[5] for c in CATEGORIES])[sku_cat] * rng.uniform(
        0.85, 1.15, params.skus
    )
    popularity = rng.pareto(1.2, params.skus) + 0.2
    is_hot = np.zeros(params.skus, dtype=bool)
    for k in range(n_cat):
        idx = np.flatnonzero(sku_cat == k)
        top = idx[np.argsort(-popularity[idx])[: max(1, len(idx) // 8)]]
        is_hot[top] = True
    words = ["经典款", "升级版", "限定款", "Pro", "轻奢款", "家庭装", "旅行装", "新品"]
    cat_names = [c[1] for c in CATEGORIES]
    tables["skus"] = pd.DataFrame(
        {
            "sku_id": np.arange(1, params.skus + 1, dtype=np.int32),
            "category_id": [CATEGORIES[k][0] for k in sku_cat],
            "name": [
                f"{BRAND} {cat_names[k]} {words[i % len(words)]} #{i + 1}"
                for i, k in enumerate(sku_cat)
            ],
            "price": price,
            "cost": np.round(price * cost_ratio, 2),
            "is_hot": is_hot,
        }
    )
    sku_cat_start = np.searchsorted(sku_cat, np.arange(n_cat))
    sku_cum = []
    for k in range(n_cat):
        w = popularity[sku_cat == k] * np.where(is_hot[sku_cat == k], 2.0, 1.0)
        sku_cum.append(np.cumsum(w) / w.sum())
    cat_ch = np.ones((model.n_channels, n_cat))
    for i, ch in enumerate(model.channel_ids):
        for k, c in enumerate(CATEGORIES):
            cat_ch[i, k] = c[7] * CATEGORY_AFFINITY.get(ch, {}).get(c[0], 1.0)
    category_channel_cum = np.cumsum(cat_ch / cat_ch.sum(1, keepdims=True), axis=1)

    # ---------------------------------------------------------------- locations
    city_by_name = dict(zip(cities["name_zh"], cities["city_id"], strict=True))
    prov_by_city = dict(zip(cities["city_id"], cities["province"], strict=True))
    locs = [(w[0], w[1], w[2], w[3], None, w[4]) for w in WAREHOUSES]
    for i, name in enumerate(STORE_CITIES[: params.stores]):
        cid = city_by_name[name]
        locs.append(
            (f"ST_{i + 1:02d}", "store", f"{name}旗舰店", prov_by_city[cid], cid, "offline")
        )
    loc = pd.DataFrame(locs, columns=["location_id", "kind", "name", "province", "city_id",
                                      "serves"])  # fmt: skip
    loc["city_id"] = loc["city_id"].astype("Int32")
    tables["locations"] = loc

    # ---------------------------------------------------------------- users
    n = params.users
    overseas = rng.random(n) < params.overseas_share
    prov_w = np.array([p[4] for p in PROVINCES])
    # City choice: province by weight, then a city of that province by tier weight.
    city_tier = cities["tier"].to_numpy()
    city_prov = cities["province"].to_numpy()
    prov_codes = np.array([p[0] for p in PROVINCES])
    city_w = np.zeros(len(cities))
    for j, code in enumerate(prov_codes):
        m = city_prov == code
        tw = 1.0 / city_tier[m] ** 0.8
        city_w[m] = prov_w[j] * tw / tw.sum()
    city_idx = rng.choice(len(cities), size=n, p=city_w / city_w.sum())
    city_id = cities["city_id"].to_numpy()[city_idx].astype(np.int32)
    prov_index = {code: j for j, code in enumerate(prov_codes)}
    city_prov_idx = np.array([prov_index[c] for c in city_prov])
    ctry_w = np.array([o[1] for o in OVERSEAS])
    ctry = rng.choice(len(OVERSEAS), size=n, p=ctry_w / ctry_w.sum())
    city_id = np.where(overseas, -1, city_id)
    # Geography code per user: index into PROVINCES, then the overseas countries after them.
    province_idx = np.where(overseas, len(PROVINCES) + ctry, city_prov_idx[city_idx])
    tier = np.where(overseas, 0, city_tier[city_idx]).astype(np.int8)

    age_idx = rng.choice(
        len(AGE_BANDS), size=n, p=np.array(AGE_BAND_WEIGHTS) / sum(AGE_BAND_WEIGHTS)
    )
    low = np.array([18, 25, 30, 35, 40, 50])[age_idx]
    high = np.array([24, 29, 34, 39, 49, 65])[age_idx]
    ref_year = params.start.year
    birth_year = (ref_year - rng.integers(low, high + 1)).astype(np.int16)
    male = rng.random(n) >= 0.62  # index into ("F", "M")
    occupation = rng.choice(
        len(OCCUPATIONS), size=n, p=np.array(OCCUPATION_WEIGHTS) / sum(OCCUPATION_WEIGHTS)
    )
    young = age_idx == 0
    senior = age_idx >= 3

    # Names: sampled from Faker's zh_CN lists with numpy (Faker's name() is ~40k/s).
    last = vocab(ZhPerson.last_names.keys())
    lw = np.array(list(ZhPerson.last_names.values()))
    first = vocab(ZhPerson.first_names)
    ln = last.take(pa.array(rng.choice(len(last), size=n, p=lw / lw.sum())))
    f1 = first.take(pa.array(rng.integers(0, len(first), n)))
    f2 = first.take(pa.array(rng.integers(0, len(first), n)))
    two = rng.random(n) < 0.7
    names = join(ln, f1, pc.if_else(pa.array(two), f2, pa.scalar("", LSTR)))
    if n <= 50_000:  # small worlds also get Faker's own generator for a share of names
        k = min(n, 2000)
        names = pa.concat_arrays([vocab([faker.name() for _ in range(k)]), names[k:]])

    # Activity, lifetime and registration (minutes relative to the world start).
    w_minutes = params.days * MINUTES_PER_DAY
    rate = rng.gamma(params.activity_shape, params.sessions_per_user_day / params.activity_shape, n)
    is_member = rng.random(n) < params.member_share
    is_new = rng.random(n) < params.new_user_share
    reg = np.where(
        is_new,
        rng.uniform(0, w_minutes, n),
        -rng.exponential(params.mean_lifetime_days * MINUTES_PER_DAY, n),
    )
    life = rng.exponential(
        (params.mean_lifetime_days + is_member * params.member_lifetime_bonus_days)
        * MINUTES_PER_DAY
    )
    alive_from = reg
    alive_to = reg + life
    # Pre-existing users must be alive at some point; those who churned before the start keep
    # no activity in the window, as in a real customer base.

    # Channel affinity: Dirichlet around the public channel shares; Gen Z spreads over more
    # platforms (doc ch.1: Gen Z touches 5.2 platforms before buying).
    shares = np.array([CHANNEL_BY_ID[c].share for c in model.channel_ids])
    is_cross = np.array([CHANNEL_BY_ID[c].channel_type == "crossborder" for c in model.channel_ids])
    dom_share = np.where(is_cross, 0.0, shares)
    conc = np.where(young, 6.0, np.where(senior, 1.5, 3.0))
    aff = np.zeros((n, model.n_channels))
    if dom_share.sum() > 0:
        g = rng.gamma(np.maximum(dom_share, 1e-9)[None, :] * conc[:, None], 1.0)
        aff = np.where(dom_share[None, :] > 0, g, 0.0)
    if is_cross.any():
        cross_w = np.zeros((len(OVERSEAS), model.n_channels))
        for j, (_, _, chw) in enumerate(OVERSEAS):
            for ch, w in chw.items():
                if ch in model.channel_ids:
                    cross_w[j, model.channel_ids.index(ch)] = w
        g = rng.gamma(np.maximum(cross_w[ctry], 1e-9) * 3.0, 1.0) * (cross_w[ctry] > 0)
        aff = np.where(overseas[:, None], g, aff)
    tot = aff.sum(1, keepdims=True)
    bad = tot[:, 0] <= 0
    if bad.any():  # users with no reachable channel get the plain shares
        base = np.where(shares > 0, shares, 1e-3)
        aff[bad] = base / base.sum()
        tot = aff.sum(1, keepdims=True)
    channel_cum = np.cumsum(aff / tot, axis=1).astype(np.float32)
    channel_cum[:, -1] = 1.0
    acq = np.argmax(aff, axis=1)  # index into model.channel_ids

    fav_category = rng.choice(n_cat, size=n, p=cat_w / cat_w.sum())
    coupon_affinity = rng.beta(1.5, 2.5, n)

    # Devices: 1-3 per person, types by age.
    n_dev = 1 + rng.binomial(2, np.where(young, 0.5, 0.3))
    n_dev = np.where(overseas, 1, n_dev)
    dev_type_p = np.array([0.38, 0.42, 0.08, 0.12, 0.0])
    dtypes = rng.choice(len(DEVICE_TYPES), size=(n, 3), p=dev_type_p)
    dev_ids = np.arange(n * 3, dtype=np.int64).reshape(n, 3) + 1
    dev_ids = np.where(np.arange(3)[None, :] < n_dev[:, None], dev_ids, -1)

    reg_ts = pd.Timestamp(params.start) + pd.to_timedelta(np.round(reg * 60), unit="s")
    users = pd.DataFrame(
        {
            "user_id": np.arange(1, n + 1, dtype=np.int64),
            "name": str_column(names),
            "gender": decode(male, ("F", "M")),
            "birth_year": birth_year,
            "age_band": decode(age_idx, AGE_BANDS),
            "city_id": pd.arrays.IntegerArray(
                np.where(city_id < 0, 1, city_id).astype(np.int32), city_id < 0
            ),
            "province": decode(province_idx, geo_vocab()),
            "city_tier": tier,
            "occupation": decode(occupation, OCCUPATIONS),
            "register_ts": reg_ts.astype("datetime64[us]"),
            "acquisition_channel": decode(acq, model.channel_ids),
            "is_member": is_member,
            "member_tier": decode(np.zeros(n, dtype=np.int8), ("none",)),
            "private_join_ts": pd.Series(pd.NaT, index=range(n), dtype="datetime64[us]"),
        },
        copy=False,
    )
    tables["users"] = users

    # ---------------------------------------------------------------- KOLs (doc: 1/20/79 %)
    kol_channels = [c for c in ("douyin", "kuaishou", "xiaohongshu", "tiktok_shop", "tmall")
                    if c in model.channel_ids] or list(model.channel_ids)  # fmt: skip
    nk = params.kols
    tier_draw = rng.choice(3, size=nk, p=[0.01, 0.20, 0.79])
    tier_draw[0] = 0  # at least one head account
    kol_ch = np.array(kol_channels, dtype=object)[rng.integers(0, len(kol_channels), nk)]
    followers = np.where(
        tier_draw == 0,
        rng.lognormal(np.log(5e6), 0.5, nk),
        np.where(
            tier_draw == 1, rng.lognormal(np.log(3e5), 0.6, nk), rng.lognormal(np.log(8e3), 0.8, nk)
        ),
    ).astype(np.int64)
    handles = [faker.user_name() for _ in range(nk)]
    kols = pd.DataFrame(
        {
            "kol_id": np.arange(1, nk + 1, dtype=np.int32),
            "channel_id": kol_ch,
            "handle": handles,
            "tier": np.array(["head", "mid", "tail"], dtype=object)[tier_draw],
            "followers": followers,
            "category_id": np.array([c[0] for c in CATEGORIES], dtype=object)[
                rng.choice(n_cat, size=nk, p=cat_w / cat_w.sum())
            ],
            "fee": np.round(followers * rng.uniform(0.004, 0.02, nk), -1),
            "fit": np.round(rng.beta(4, 3, nk), 3),
        }
    )
    # One brand self-broadcast account per live-capable channel.
    live_channels = [
        c for c in model.channel_ids if any(s == "live" for s, _ in CHANNEL_BY_ID[c].sources)
    ]
    brand = pd.DataFrame(
        {
            "kol_id": np.arange(nk + 1, nk + 1 + len(live_channels), dtype=np.int32),
            "channel_id": live_channels,
            "handle": [f"{BRAND}官方旗舰店-{c}" for c in live_channels],
            "tier": "brand",
            "followers": rng.lognormal(np.log(8e5), 0.4, len(live_channels)).astype(np.int64),
            "category_id": None,
            "fee": 0.0,
            "fit": 1.0,
        }
    )
    tables["kols"] = pd.concat([kols, brand], ignore_index=True)

    # ---------------------------------------------------------------- campaigns + creatives
    tables["campaigns"], tables["creatives"] = _campaigns(params, model, rng)
    tables["keywords"] = _keywords(model, rng)

    return Population(
        tables=tables,
        rate=rate,
        alive_from=alive_from,
        alive_to=alive_to,
        channel_cum=channel_cum,
        fav_category=fav_category,
        coupon_affinity=coupon_affinity,
        is_member=is_member,
        is_overseas=overseas,
        young=young,
        senior=senior,
        province_idx=province_idx,
        city_id=city_id,
        devices=dev_ids,
        device_types=dtypes,
        n_devices=n_dev,
        sku_cat_start=sku_cat_start,
        sku_cum=sku_cum,
        category_channel_cum=category_channel_cum,
    )


def _campaigns(
    params: WorldParams, model: Behaviour, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Campaigns per paid channel over the world's window, with 2-4 creatives each."""
    start, end = params.start, params.end - dt.timedelta(days=1)
    rows = []
    years = range(start.year, end.year + 1)
    for ch in model.channels:
        if ch.paid_share <= 0:
            continue
        cands = [("always_on", "常态投放", start, end, "conversion")]
        if ch.channel_type == "shelf" or ch.channel_id == "amazon":
            cands.append(("brand_search", "品牌专区", start, end, "brand_defense"))
        for y in years:
            cands += [
                ("double11", "双11 蓄水种草", dt.date(y, 10, 20), dt.date(y, 11, 10), "seeding"),
                ("double11", "双11 爆发收割", dt.date(y, 11, 1), dt.date(y, 11, 13), "conversion"),
                ("618", "618 大促", dt.date(y, 5, 25), dt.date(y, 6, 20), "conversion"),
                ("newyear", "年货节", dt.date(y, 1, 3), dt.date(y, 1, 22), "conversion"),
            ]
        launch_day = start + dt.timedelta(days=int(rng.integers(0, max(1, params.days - 14))))
        cands.append(
            ("launch", "新品首发", launch_day, launch_day + dt.timedelta(days=13), "launch")
        )
        for ev, label, s, e, obj in cands:
            s2, e2 = max(s, start), min(e, end)
            if s2 > e2:
                continue
            rows.append((ch.channel_id, ev, f"{ch.name_zh}·{label}", obj, s2, e2))
    camp = pd.DataFrame(rows, columns=["channel_id", "event", "name", "objective", "start_date",
                                       "end_date"])  # fmt: skip
    camp.insert(0, "campaign_id", np.arange(1, len(camp) + 1, dtype=np.int32))
    camp["budget"] = 0.0  # set from the simulated spend plan in build_world
    camp["target_roas"] = np.round(rng.uniform(2.5, 5.0, len(camp)), 1)
    camp = camp[["campaign_id", "name", "channel_id", "event", "objective", "start_date",
                 "end_date", "budget", "target_roas"]]  # fmt: skip
    cr = []
    cid = 1
    themes = ("price", "quality", "emotion", "kol")
    formats = ("video", "image", "live", "text")
    for c in camp.itertuples():
        k = int(rng.integers(2, 5))
        for j in range(k):
            cr.append((cid, c.campaign_id, "ABCD"[j], formats[int(rng.integers(0, 4))],
                       themes[int(rng.integers(0, 4))], float(np.round(rng.lognormal(0, 0.18), 3))))  # fmt: skip
            cid += 1
    creatives = pd.DataFrame(
        cr, columns=["creative_id", "campaign_id", "variant", "format", "theme", "sim_ctr_lift"]
    )
    creatives["creative_id"] = creatives["creative_id"].astype(np.int32)
    creatives["campaign_id"] = creatives["campaign_id"].astype(np.int32)
    return camp, creatives


def _keywords(model: Behaviour, rng: np.random.Generator) -> pd.DataFrame:
    """Search keywords of the search-capable channels: brand, generic and long-tail terms."""
    mods = ["推荐", "平价", "学生", "男士", "女士", "敏感肌", "官方旗舰店", "正品", "新款", "礼盒",
            "2025", "测评", "怎么选", "哪个牌子好", "便宜", "大容量", "套装", "同款"]  # fmt: skip
    rows = []
    kid = 1
    for ch in model.channels:
        if not any(s == "search" for s, _ in ch.sources):
            continue
        for c in CATEGORIES:
            terms = [
                (f"{BRAND}", "navigational", True, 1),
                (f"{BRAND} {c[1]}", "navigational", True, 2),
                (c[1], "transactional", False, 1),
                (f"{c[1]} {mods[int(rng.integers(0, 6))]}", "transactional", False, 2),
                (f"{c[1]} {mods[int(rng.integers(11, 14))]}", "informational", False, 2),
            ]
            for _ in range(3):
                a, b = rng.choice(len(mods), 2, replace=False)
                intent = (
                    "informational"
                    if mods[b] in ("测评", "怎么选", "哪个牌子好")
                    else "transactional"
                )
                terms.append((f"{c[1]} {mods[a]} {mods[b]}", intent, False, 3))
            for text, intent, brand, words in terms:
                if brand and text == BRAND and c[0] != CATEGORIES[0][0]:
                    continue
                rows.append((kid, text, ch.channel_id, None if text == BRAND else c[0], intent,
                             ("exact", "phrase", "broad")[min(words - 1, 2)], brand, words,
                             float(np.round(ch.cpc * rng.lognormal(0.2 if brand else 0, 0.3), 2))))  # fmt: skip
                kid += 1
    kw = pd.DataFrame(rows, columns=["keyword_id", "keyword", "channel_id", "category_id", "intent",
                                     "match_type", "is_brand", "words", "cpc"])  # fmt: skip
    kw["keyword_id"] = kw["keyword_id"].astype(np.int32)
    kw["words"] = kw["words"].astype(np.int8)
    return kw
