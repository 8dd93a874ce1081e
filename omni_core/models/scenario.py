"""Promo scenario simulation: phases, discount mechanics, channel budgets and stock, day by day
(hour by hour for stock and peak days), calibrated on a dataset's history.

The model
---------
For channel ``c`` and day ``t`` of the scenario window:

* **Market size** ``E_t = F_t (1 + g)``: ``F_t`` is the behaviour model's mean session intensity
  of the day (hour-of-day x weekday x promo-phase traffic x hour peaks; ``omni_core.world.
  behaviour.Behaviour.minute_intensity`` on a calendar built from the scenario's phases), ``g``
  the planner's growth assumption over the history's run-rate.
* **Organic visits** ``o_c E_t`` with ``o_c`` the calibrated ordinary-day run-rate.
* **Paid visits** from the channel budget ``b_c`` flighted over the days (``x_t = b_c w_t``),
  carried over by a normalised geometric adstock (Broadbent 1979; Jin et al. 2017, eq. 1)

  .. math:: a_t = \\lambda a_{t-1} + (1 - \\lambda) x_t, \\qquad a_{-1} = \\bar x_c (1 + g),

  and saturating through a Hill curve applied per unit of market (the perspective of the curve,
  so a day with three times the shoppers has three times the ad inventory; Jin et al. 2017,
  eq. 3):

  .. math:: y_t = E_t\\, H(a_t / E_t), \\qquad H(r) = V \\frac{r^{\\alpha}}{r^{\\alpha} + K^{\\alpha}},
            \\quad K = \\kappa \\bar x_c, \\quad V = \\bar v_c (1 + \\kappa^{\\alpha}).

  The anchor makes the curve pass through the history: spending the run-rate ``x̄`` buys the
  run-rate ``v̄`` paid visits. With ``alpha <= 1`` the curve is concave (diminishing returns
  everywhere), which the budget optimizer relies on.
* **Conversion** (orders per visit) ``cr_c K_t ((1 - d_t) / (1 - d_ref,t))^{-eps}``: ``K_t`` is the
  phase's cart x order multiplier from the behaviour model, ``d_ref`` the discount depth that
  multiplier was observed with (history's everyday depth plus the phase's platform discount),
  ``d_t`` the scenario's perceived discount depth (below) and ``eps`` the promotional price
  elasticity (fitted on the history when it identifies it, else -2.62, the mean of Bijmolt,
  van Heerde & Pieters 2005).
* **Mechanics** add discount depth on the days they run: cross-store threshold (跨店满减, "every
  ``T`` yuan, ``O`` off") on sale days with ``O E[floor(A/T)] / E[A]`` for a lognormal basket
  ``A`` fitted to the history (plus top-ups of baskets just below a tier, which lift AOV);
  deposit inflation (定金膨胀, pay ``d`` get ``D`` off) on pre-sale days for the pre-sale share of
  orders, paid on the first sale day, ``rho`` of them completed, ``theta`` of the extra pre-sale
  demand pulled forward from the harvest days; Tuesday/Thursday flash sales (doc ch.12) with
  depth on a share of baskets and 1.5x visits in the 10:00 and 20:00 rounds (whenever a flash
  share is planned); big-promotion coupons (value x coverage) on the main selling days (opening,
  carnival and festival phases; every sale day if none). Shares stack additively, capped at 80%.
* **Money**: GMV is the paid value net of discounts, recognised when paid (deposit orders on the
  payment day); contribution = GMV (1 - r) + forfeited deposits - list value x COGS ratio x
  (1 - r) - parcel cost x shipped orders - ad spend, with the refund rate ``r``.
* **Stock**: hourly demand units meet the stock plan with lost sales; the lost amount is the
  Skorokhod reflection of supply minus demand, ``L_h = max(0, max_{k<=h} (D_k - S_k))`` for
  cumulative demand ``D`` and supply ``S`` (exact for lost sales in discrete time).
* **Risk band**: ``n_sims`` seeded paths with lognormal day factors on traffic and conversion
  (day-to-day dispersion measured on the history) give P10/P50/P90 and the stock-out chance.
* **Playbook alerts** (doc ch.12) on the hourly plan: UV conversion more than 15% below the
  everyday baseline (backup creatives and service scripts); sell-through above plan by 10% and
  stock-outs (inventory circuit breaker: pre-sale, related products); channel ROAS below target.

Identical inputs and seed give identical numbers. More budget never lowers traffic (adstock is
linear with non-negative weights and H increasing). A deeper discount never lowers any day's
conversion when there is no deposit pre-sale; with one, part of the extra pre-sale demand is
taken from the harvest days by design, so it never lowers the event's (nor a pre-sale day's)
conversion.

References
----------
- Broadbent, S. (1979). One way TV advertisements work. *J. Market Research Society* 21(3).
- Jin, Y., Wang, Y., Sun, Y., Chan, D. & Koehler, J. (2017). Bayesian methods for media mix
  modeling with carryover and shape effects. Google Inc.
- Bijmolt, T. H. A., van Heerde, H. J. & Pieters, R. G. M. (2005). New empirical generalizations
  on the determinants of price elasticity. *J. Marketing Research* 42(2), 141-156.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtr

from omni_core.reference import CHANNEL_BY_ID, CHANNELS
from omni_core.world.behaviour import Behaviour
from omni_core.world.params import DEFAULT_CALENDAR, PromoPhase, WorldParams

__all__ = [
    "EVENTS",
    "PHASE_KINDS",
    "Calibration",
    "Mechanics",
    "Phase",
    "Plan",
    "Scenario",
    "ScenarioError",
    "ScenarioResult",
    "adstock",
    "fit_calibration",
    "hill",
    "hill_derivative",
    "paid_visits",
    "prepare",
    "simulate",
    "template",
    "threshold_effect",
]

# ---------------------------------------------------------------- constants (sources in notes)
DOC_CONV_DROP = 0.15  # doc ch.12: UV conversion drops more than 15% -> backup creatives/scripts
BREAKER_MARGIN = 0.10  # sell-through this far above plan triggers the breaker (assumption)
LIT_ELASTICITY = 2.62  # Bijmolt, van Heerde & Pieters (2005): mean price elasticity -2.62
HILL_KAPPA = 2.0  # half saturation at kappa x historical daily spend (assumption)
HILL_SHAPE = 1.0  # Hill exponent alpha (<= 1 keeps the curve concave)
DEPOSIT_COMPLETION = 0.90  # share of deposits whose balance is paid (assumption)
PULL_FORWARD = 0.30  # share of extra pre-sale orders taken from the payment day (assumption)
TOPUP_WINDOW = 0.20  # baskets within 20% below a threshold tier may top up ...
TOPUP_PROB = 0.50  # ... with this probability (assumption)
FLASH_HOURS = (10, 20)  # flash-sale rounds (assumption)
FLASH_HOUR_BOOST = 1.5  # visit multiplier of a flash hour (assumption)
FLASH_WEEKDAYS = (1, 3)  # Tuesday, Thursday (doc ch.12)
MAX_DISCOUNT = 0.80
WORLD_BASE_DISCOUNT = 0.03  # the behaviour model's everyday platform discount
ADSTOCK_BY_TYPE = {"shelf": 0.3, "interest": 0.5, "seeding": 0.7, "crossborder": 0.4}
MAX_WINDOW_DAYS = 120

_EVENT_LABELS = {
    "double11": ("双11", "Double 11"), "618": ("618", "618"),
    "newyear": ("年货节", "New Year festival"), "double12": ("双12", "Double 12"),
    "category_day": ("超级品类日", "Super category day"),
}  # fmt: skip
# Events of the behaviour model's calendar (whatever it holds) plus the category-day template.
_ORDER = ("double11", "618", "newyear", "double12")
EVENTS: dict[str, tuple[str, str]] = {
    e: _EVENT_LABELS.get(e, (e, e))
    for e in sorted(
        {p.event for p in DEFAULT_CALENDAR},
        key=lambda e: (_ORDER.index(e) if e in _ORDER else len(_ORDER), e),
    )
}
EVENTS["category_day"] = _EVENT_LABELS["category_day"]
PHASE_KINDS: dict[str, tuple[str, str]] = {
    "presale": ("预售种草", "pre-sale / seeding"),
    "opening": ("开门红", "opening"),
    "category": ("品类日/蓄水", "category days / warm-up"),
    "peak": ("狂欢日", "carnival day"),
    "return": ("返场", "encore"),
    "festival": ("节日大促", "festival"),
}
# The behaviour model's calendar phases by kind (doc ch.12: Double 11 = October seeding +
# November harvest; 618 = opening -> category days -> carnival day; New Year festival).
_KIND_OF = {
    "年货节": "festival", "618 开门红": "opening", "618 品类日": "category",
    "618 狂欢日": "peak", "双11 种草期": "presale", "双11 第一波": "opening",
    "双11 返场蓄水": "category", "双11 狂欢日": "peak", "双11 返场": "return",
}  # fmt: skip


def phase_kind(p: PromoPhase) -> str:
    """The kind of a calendar phase: by name when known, else from its multipliers (shoppers
    carting but waiting = pre-sale; a midnight peak = carnival day; an event's only long phase =
    festival; otherwise opening)."""
    if p.name in _KIND_OF:
        return _KIND_OF[p.name]
    if p.cart > 1 and p.order < 1:
        return "presale"
    if any(h == 0 and m > 1 for h, m in p.hour_peaks):
        return "peak"
    alone = sum(q.event == p.event for q in DEFAULT_CALENDAR) == 1
    days = (dt.date(2001, *p.end) - dt.date(2001, *p.start)).days + 1
    return "festival" if alone and days > 3 else "opening"


class ScenarioError(ValueError):
    """A scenario input problem, with the message in both languages (``str`` is English)."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en


def _fail(zh: str, en: str) -> None:
    raise ScenarioError(zh, en)


# ---------------------------------------------------------------- scenario definition
@dataclass(frozen=True)
class Phase:
    """A phase of an event: dates (inclusive), kind and its day traffic multiplier."""

    name: str
    kind: str
    start: dt.date
    end: dt.date
    traffic: float

    @property
    def days(self) -> int:
        """Number of days (inclusive range)."""
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class Mechanics:
    """Discount mechanics (yuan amounts and shares of baskets).

    ``deposit``/``deposit_value``: 定金膨胀, pay ``deposit`` in the pre-sale, it counts as
    ``deposit_value`` off at the final payment, for ``presale_share`` of pre-sale demand.
    ``threshold``/``threshold_off``: 跨店满减, every ``threshold`` yuan of basket -> ``threshold_off``
    off. ``flash_depth``/``flash_share``: Tuesday/Thursday flash sales, discount on the share of
    baskets holding flash SKUs. ``coupon_rate``/``coupon_coverage``: big-promotion coupon value as
    a share of the basket and the share of orders using one, valid on the main selling days
    (opening, carnival, festival phases; on every sale day when there is none), on top of
    everyday coupons.
    """

    deposit: float = 0.0
    deposit_value: float = 0.0
    presale_share: float = 0.3
    threshold: float = 0.0
    threshold_off: float = 0.0
    flash_depth: float = 0.0
    flash_share: float = 0.0
    coupon_rate: float = 0.0
    coupon_coverage: float = 0.0

    @property
    def has_deposit(self) -> bool:
        return self.deposit_value > 0

    @property
    def has_threshold(self) -> bool:
        return self.threshold > 0 and self.threshold_off > 0

    @property
    def has_flash(self) -> bool:
        """Flash rounds run whenever baskets are planned for them (the depth sets the discount)."""
        return self.flash_share > 0


@dataclass(frozen=True)
class Scenario:
    """Everything a manager decides for one event (JSON round-trips through ``to_json``).

    ``budgets`` are yuan per channel over the window; ``bounds`` are (min share, max share) of the
    total budget per channel for the optimizer; ``stock_units`` 0 means no stock limit.
    """

    name: str
    event: str
    phases: tuple[Phase, ...]
    mechanics: Mechanics = field(default_factory=Mechanics)
    budgets: tuple[tuple[str, float], ...] = ()
    bounds: tuple[tuple[str, float, float], ...] = ()
    stock_units: float = 0.0
    restock_units: float = 0.0
    restock_date: dt.date | None = None
    target_gmv: float = 0.0
    target_roas: float = 0.0
    growth: float = 0.0
    flighting: str = "traffic"
    seed: int = 2025
    n_sims: int = 200

    @property
    def start(self) -> dt.date:
        return min(p.start for p in self.phases)

    @property
    def end(self) -> dt.date:
        return max(p.end for p in self.phases)

    @property
    def total_budget(self) -> float:
        return float(sum(b for _, b in self.budgets))

    def budget_of(self) -> dict[str, float]:
        return {c: float(b) for c, b in self.budgets}

    def with_(self, **changes: Any) -> Scenario:
        """A validated copy with some fields changed."""
        return replace(self, **changes).validate()

    def with_budgets(self, budgets: Mapping[str, float]) -> Scenario:
        """A copy with new channel budgets (same channel order)."""
        return self.with_(budgets=tuple((c, float(budgets.get(c, 0.0))) for c, _ in self.budgets))

    def validate(self, channels: Sequence[str] | None = None) -> Scenario:
        """Check every input; raise ``ScenarioError`` (both languages) on the first problem."""
        name = (self.name or "").strip()
        if not name or len(name) > 60:
            _fail("情景名称需为 1–60 个字符", "the scenario name must have 1-60 characters")
        if self.event not in EVENTS:
            _fail(f"未知活动 {self.event!r}", f"unknown event {self.event!r}")
        if not self.phases:
            _fail("至少需要一个阶段", "a scenario needs at least one phase")
        ordered = sorted(self.phases, key=lambda p: p.start)
        for p in ordered:
            if not (p.name or "").strip():
                _fail("每个阶段都需要名称", "every phase needs a name")
            if p.kind not in PHASE_KINDS:
                _fail(
                    f"阶段 {p.name}: 未知类型 {p.kind!r}",
                    f"phase {p.name}: unknown kind {p.kind!r}",
                )
            if p.end < p.start:
                _fail(f"阶段 {p.name}: 结束早于开始", f"phase {p.name}: ends before it starts")
            if p.start.year != p.end.year:
                _fail(f"阶段 {p.name} 跨年：请在 12-31 拆分",
                      f"phase {p.name} crosses the year end: split it at Dec 31")  # fmt: skip
            if not 0.2 <= p.traffic <= 10:
                _fail(
                    f"阶段 {p.name}: 流量倍数需在 0.2–10",
                    f"phase {p.name}: traffic x must be 0.2-10",
                )
        for a, b in zip(ordered, ordered[1:], strict=False):
            if b.start <= a.end:
                _fail(
                    f"阶段 {a.name} 与 {b.name} 日期重叠", f"phases {a.name} and {b.name} overlap"
                )
        if (self.end - self.start).days + 1 > MAX_WINDOW_DAYS:
            _fail(
                f"活动窗口最长 {MAX_WINDOW_DAYS} 天",
                f"the window may span at most {MAX_WINDOW_DAYS} days",
            )
        m = self.mechanics
        checks = [
            (m.deposit, 0, 1e5, "定金", "deposit"), (m.deposit_value, 0, 1e5, "膨胀金额", "deposit value"),
            (m.presale_share, 0, 1, "预售占比", "pre-sale share"),
            (m.threshold, 0, 1e6, "满减门槛", "threshold"), (m.threshold_off, 0, 1e6, "满减金额", "threshold off"),
            (m.flash_depth, 0, 0.9, "秒杀折扣", "flash depth"), (m.flash_share, 0, 1, "秒杀覆盖", "flash share"),
            (m.coupon_rate, 0, 0.5, "券面额比例", "coupon rate"), (m.coupon_coverage, 0, 1, "用券比例", "coupon coverage"),
        ]  # fmt: skip
        for v, lo, hi, zh, en in checks:
            if not (isinstance(v, int | float) and math.isfinite(v) and lo <= v <= hi):
                _fail(f"{zh} 需在 {lo}–{hi}", f"{en} must be within {lo}-{hi}")
        if m.deposit_value > 0 and m.deposit_value < m.deposit:
            _fail("膨胀金额不能低于定金", "the inflated value must be at least the deposit")
        if m.has_deposit and not any(p.kind == "presale" for p in self.phases):
            _fail("定金膨胀需要一个预售阶段", "deposit inflation needs a pre-sale phase")
        if m.has_deposit and ordered[-1].kind == "presale":
            _fail(
                "预售阶段之后需要一个付尾款的售卖阶段",
                "a sale phase must follow the pre-sale (final payment)",
            )
        if m.threshold_off > 0 and m.threshold_off >= m.threshold:
            _fail("满减金额需低于门槛", "the amount off must be below the threshold")
        seen = set()
        for c, b in self.budgets:
            if c in seen:
                _fail(f"渠道 {c} 重复", f"channel {c} listed twice")
            seen.add(c)
            if channels is not None and c not in channels:
                _fail(f"未知渠道 {c}", f"unknown channel {c}")
            if not (math.isfinite(b) and 0 <= b <= 1e10):
                _fail(f"渠道 {c} 预算需在 0–1e10", f"budget of {c} must be within 0-1e10")
        for c, lo, hi in self.bounds:
            if not (0 <= lo <= hi <= 1):
                _fail(f"渠道 {c} 的上下限需满足 0 ≤ 下限 ≤ 上限 ≤ 100%",
                      f"bounds of {c} must satisfy 0 <= min <= max <= 100%")  # fmt: skip
        for v, lo, hi, zh, en in [
            (self.stock_units, 0, 1e9, "库存", "stock"), (self.restock_units, 0, 1e9, "补货", "restock"),
            (self.target_gmv, 0, 1e12, "目标 GMV", "target GMV"), (self.target_roas, 0, 100, "目标 ROAS", "target ROAS"),
            (self.growth, -0.9, 5, "增长假设", "growth"),
        ]:  # fmt: skip
            if not (math.isfinite(v) and lo <= v <= hi):
                _fail(f"{zh} 需在 {lo}–{hi}", f"{en} must be within {lo}-{hi}")
        if self.flighting not in ("traffic", "even"):
            _fail("投放节奏需为 traffic 或 even", "flighting must be 'traffic' or 'even'")
        if not (isinstance(self.seed, int) and 0 <= self.seed < 2**32):
            _fail("随机种子需在 0–2^32", "seed must be within 0-2^32")
        if not (isinstance(self.n_sims, int) and 0 <= self.n_sims <= 2000):
            _fail("模拟次数需在 0–2000", "n_sims must be within 0-2000")
        return replace(self, name=name, phases=tuple(ordered))

    # ---------------------------------------------------------------- JSON
    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dict (dates as ISO strings)."""
        d = asdict(self)
        d["phases"] = [
            {**asdict(p), "start": p.start.isoformat(), "end": p.end.isoformat()}
            for p in self.phases
        ]
        d["budgets"] = [[c, b] for c, b in self.budgets]
        d["bounds"] = [[c, lo, hi] for c, lo, hi in self.bounds]
        d["restock_date"] = self.restock_date.isoformat() if self.restock_date else None
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    @staticmethod
    def from_dict(d: Mapping[str, Any]) -> Scenario:
        """Inverse of ``to_dict`` (missing optional fields take their defaults)."""
        known = {f for f in Scenario.__dataclass_fields__}
        kw = {k: v for k, v in d.items() if k in known}
        kw["phases"] = tuple(
            Phase(p["name"], p["kind"], dt.date.fromisoformat(p["start"]),
                  dt.date.fromisoformat(p["end"]), float(p["traffic"]))
            for p in d["phases"]
        )  # fmt: skip
        mk = {k: float(v) for k, v in (d.get("mechanics") or {}).items()
              if k in Mechanics.__dataclass_fields__}  # fmt: skip
        kw["mechanics"] = Mechanics(**mk)
        kw["budgets"] = tuple((str(c), float(b)) for c, b in d.get("budgets", []))
        kw["bounds"] = tuple((str(c), float(lo), float(hi)) for c, lo, hi in d.get("bounds", []))
        rd = d.get("restock_date")
        kw["restock_date"] = dt.date.fromisoformat(rd) if rd else None
        for k in ("stock_units", "restock_units", "target_gmv", "target_roas", "growth"):
            if k in kw:
                kw[k] = float(kw[k])
        for k in ("seed", "n_sims"):
            if k in kw:
                kw[k] = int(kw[k])
        return Scenario(**kw)

    @staticmethod
    def from_json(text: str) -> Scenario:
        return Scenario.from_dict(json.loads(text))


# ---------------------------------------------------------------- templates
def phase_template(event: str, kind: str) -> PromoPhase:
    """The behaviour model's calendar phase for an event and kind (another event's phase of
    that kind when the event has none; Double 11 preferred)."""
    pool = [p for p in DEFAULT_CALENDAR if phase_kind(p) == kind]
    if not pool:
        raise ValueError(f"no calendar phase of kind {kind!r}")
    own = [p for p in pool if p.event == event]
    d11 = [p for p in pool if p.event == "double11"]
    return (own or d11 or pool)[0]


def next_category_day(after: dt.date) -> dt.date:
    """The first 'super category day' after a date: the third Saturday of a month (convention)."""
    y, m = after.year, after.month
    for _ in range(14):
        first = dt.date(y, m, 1)
        third_sat = first + dt.timedelta(days=(5 - first.weekday()) % 7 + 14)
        if third_sat > after:
            return third_sat
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    raise AssertionError("unreachable")


def template(event: str, after: dt.date, *, name: str | None = None, lang: str = "zh") -> Scenario:
    """Default phases of an event at its next occurrence after ``after`` (no budget yet); phase
    names are the calendar's in Chinese, "<event> · <kind>" in English."""
    if event not in EVENTS:
        raise ScenarioError(f"未知活动 {event!r}", f"unknown event {event!r}")
    ev_en = EVENTS[event][1]

    def label(zh: str, kind: str) -> str:
        return zh if lang != "en" else f"{ev_en} · {PHASE_KINDS[kind][1]}"

    if event == "category_day":
        day = next_category_day(after)
        pre = phase_template("category_day", "presale")
        cat = phase_template("618", "category")
        phases = (
            Phase(label("品类日预热", "presale"), "presale", day - dt.timedelta(days=3),
                  day - dt.timedelta(days=1), pre.traffic),
            Phase(label("超级品类日", "category"), "category", day, day, cat.traffic),
        )  # fmt: skip
    else:
        cal = [p for p in DEFAULT_CALENDAR if p.event == event]
        year = after.year
        if dt.date(year, *cal[0].start) <= after:
            year += 1
        phases = tuple(
            Phase(label(p.name, phase_kind(p)), phase_kind(p), dt.date(year, *p.start),
                  dt.date(year, *p.end), p.traffic)
            for p in cal
        )  # fmt: skip
    ev = EVENTS[event][1 if lang == "en" else 0]
    return Scenario(name=name or f"{ev} {phases[0].start.year}", event=event, phases=phases)


# ---------------------------------------------------------------- response curves
def adstock(x: np.ndarray, decay: float, initial: float = 0.0) -> np.ndarray:
    """Normalised geometric adstock along the last axis (Broadbent 1979; Jin et al. 2017 eq. 1).

    ``a_t = decay * a_{t-1} + (1 - decay) * x_t`` with ``a_{-1} = initial``: a constant spend
    ``x`` has steady state ``x``, and a unit of spend keeps working ``decay^l`` of its weight
    ``l`` days later. Linear with non-negative weights, so more spend never lowers any ``a_t``.
    """
    if not 0 <= decay < 1:
        raise ValueError(f"decay must be within [0, 1), got {decay!r}")
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x)
    prev = np.broadcast_to(np.asarray(initial, dtype=float), x.shape[:-1]).copy()
    for t in range(x.shape[-1]):
        prev = decay * prev + (1 - decay) * x[..., t]
        out[..., t] = prev
    return out


def hill(r: np.ndarray, v_max: Any, half: Any, shape: float = 1.0) -> np.ndarray:
    """Hill saturation ``V r^a / (r^a + K^a)`` (Jin et al. 2017, eq. 3); concave for ``a <= 1``.

    ``v_max`` and ``half`` broadcast against ``r`` (e.g. one per channel row); ``half <= 0``
    means no response (0).
    """
    r = np.maximum(np.asarray(r, dtype=float), 0.0)
    half = np.asarray(half, dtype=float)
    ka = np.where(half > 0, np.maximum(half, 1e-300) ** shape, 1.0)
    ra = r**shape
    return np.where(half > 0, v_max * ra / (ra + ka), 0.0)


def hill_derivative(r: np.ndarray, v_max: Any, half: Any, shape: float = 1.0) -> np.ndarray:
    """``dH/dr = V a K^a r^(a-1) / (r^a + K^a)^2`` (finite at 0 for ``a = 1``)."""
    r = np.maximum(np.asarray(r, dtype=float), 1e-12)
    half = np.asarray(half, dtype=float)
    ka = np.where(half > 0, np.maximum(half, 1e-300) ** shape, 1.0)
    return np.where(half > 0, v_max * shape * ka * r ** (shape - 1) / (r**shape + ka) ** 2, 0.0)


def threshold_effect(
    mean_basket: float | np.ndarray,
    sigma: float,
    threshold: float,
    off: float,
    *,
    window: float = TOPUP_WINDOW,
    prob: float = TOPUP_PROB,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cross-store threshold discount ("every ``T`` yuan, ``O`` off") on a lognormal basket.

    With ``A ~ LogNormal(mu, sigma)``, ``E[A] = m``, ``P(A >= x) = Phi((mu - ln x) / sigma)``:

    - perceived depth ``O E[floor(A/T)] / E[A]`` with ``E[floor(A/T)] = sum_k P(A >= kT)``
      (drives conversion; decreasing in ``T``, increasing in ``O``);
    - top-ups: a basket in ``[kT - wT, kT)`` is topped up to ``kT`` with probability ``p``, so
      ``E[A'] = E[A] + p sum_k (kT P_k - E[A 1_k])`` with the lognormal partial expectation
      ``E[A 1{a<=A<b}] = m (Phi((ln b - mu - s^2)/s) - Phi((ln a - mu - s^2)/s))``;
    - realised depth ``O E[floor(A'/T)] / E[A']`` and basket lift ``E[A'] / E[A]``.

    Returns ``(perceived, realised, lift)`` arrays shaped like ``mean_basket``.
    """
    m = np.atleast_1d(np.asarray(mean_basket, dtype=float))
    if threshold <= 0 or off <= 0:
        z = np.zeros_like(m)
        return z, z.copy(), np.ones_like(m)
    s = max(float(sigma), 1e-6)
    mu = np.log(np.maximum(m, 1e-9)) - s * s / 2
    kmax = int(min(400, max(2, np.ceil(np.exp(np.log(m.max()) + 6 * s) / threshold) + 1)))
    k = np.arange(1, kmax + 1, dtype=float)[:, None]
    tiers = k * threshold
    surv = ndtr((mu - np.log(tiers)) / s)  # P(A >= kT)
    lo = np.maximum(tiers - window * threshold, 1e-9)
    p_band = ndtr((mu - np.log(lo)) / s) - surv
    part = m * (ndtr((np.log(tiers) - mu - s * s) / s) - ndtr((np.log(lo) - mu - s * s) / s))
    e_floor = surv.sum(0)
    e_top = m + prob * (tiers * p_band - part).sum(0)
    perceived = off * e_floor / m
    realised = off * (e_floor + prob * p_band.sum(0)) / e_top
    return perceived, realised, e_top / m


# ---------------------------------------------------------------- calibration
@dataclass
class Calibration:
    """Per-channel run-rates and global parameters fitted on a dataset's history.

    ``channels`` (index ``channel``): ``name_zh``, ``name_en``, ``channel_type``, ``organic``
    and ``paid`` (visits per ordinary day, weekday-neutral, at the end-of-history run-rate),
    ``spend`` (yuan per ordinary day), ``cpc`` (spend per paid visit), ``conv_organic``,
    ``conv_paid`` (orders per visit), ``aov_gross`` (list value per order), ``adstock``,
    ``paid_ok`` (the channel can buy traffic). ``scalars``: ``elasticity``, ``base_discount``,
    ``coupon_share``, ``basket_sigma``, ``cogs_ratio``, ``units_per_order``, ``refund_rate``,
    ``parcel_cost``, ``target_roas``, ``sigma_traffic``, ``sigma_conv``, ``hill_kappa``,
    ``hill_shape``. ``provenance``: one row per parameter with its source (``data``,
    ``behaviour``, ``literature``, ``assumption``) and a note in both languages.
    """

    channels: pd.DataFrame
    scalars: dict[str, float]
    provenance: pd.DataFrame
    history: dict[str, Any]
    daily: pd.DataFrame = field(default_factory=pd.DataFrame)
    spend_daily: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def paid_channels(self) -> list[str]:
        return [c for c in self.channels.index if bool(self.channels.at[c, "paid_ok"])]

    def baseline_conversion(self) -> float:
        """Orders per visit of an ordinary day at the run-rate channel mix."""
        org, paid = (self.channels[c].to_numpy(float) for c in ("organic", "paid"))
        co, cp = (self.channels[c].to_numpy(float) for c in ("conv_organic", "conv_paid"))
        v = float((org + paid).sum())
        return float((org * co + paid * cp).sum() / v) if v > 0 else 0.0


_GENERIC = {
    "conv": float(np.mean([c.p_cart * c.p_order * c.p_pay for c in CHANNELS if c.is_public])),
    "cpc": float(np.mean([c.cpc for c in CHANNELS if c.cpc > 0])),
    "paid_share": float(np.mean([c.paid_share for c in CHANNELS if c.paid_share > 0])),
}
_DEFAULTS = {  # used when the dataset cannot tell (assumptions)
    "cogs_ratio": 0.55, "units_per_order": 1.5, "refund_rate": 0.05, "parcel_cost": 8.0,
    "target_roas": 3.0, "sigma_traffic": 0.10, "sigma_conv": 0.06, "basket_sigma": 0.8,
}  # fmt: skip


def _ref(channel: str) -> dict[str, Any]:
    c = CHANNEL_BY_ID.get(channel)
    if c is None:
        return {"name_zh": channel, "name_en": channel, "channel_type": "shelf",
                "conv": _GENERIC["conv"], "cpc": _GENERIC["cpc"],
                "paid_share": _GENERIC["paid_share"], "known": False}  # fmt: skip
    return {"name_zh": c.name_zh, "name_en": c.name_en, "channel_type": c.channel_type,
            "conv": c.p_cart * c.p_order * c.p_pay, "cpc": c.cpc, "paid_share": c.paid_share,
            "known": True}  # fmt: skip


def history_calendar(start: dt.date, days: int) -> pd.DataFrame:
    """The behaviour model's view of history days: ``day``, ``factor`` (mean intensity),
    ``conv_mult`` (cart x order), ``discount`` (platform), ``phase``, ``ordinary``."""
    model = Behaviour(WorldParams())
    tab = model.day_table(start, days)
    factor = model.minute_intensity(start, days).reshape(days, -1).mean(1)
    return pd.DataFrame(
        {
            "day": pd.to_datetime(tab.dates),
            "factor": factor,
            "conv_mult": tab.cart * tab.order,
            "discount": tab.discount,
            "phase": tab.phase,
            "ordinary": [p == "" for p in tab.phase],
        }
    )


def fit_calibration(
    sales: pd.DataFrame,
    visits: pd.DataFrame | None = None,
    spend: pd.DataFrame | None = None,
    extras: Mapping[str, float | None] | None = None,
    names: pd.DataFrame | None = None,
) -> Calibration:
    """Fit the scenario model's inputs on history frames (see ``omni_core.metrics.planning``).

    ``sales``: day, channel, orders, gmv, gross, discount, coupon_orders, paid_orders.
    ``visits``: day, channel, visits, paid_visits (None for an orders-only dataset).
    ``spend``: day, channel, spend (None without ad spend). ``extras``: optional scalars
    ``basket_sigma``, ``cogs_ratio``, ``units_per_order``, ``refund_rate``, ``parcel_cost``,
    ``target_roas`` (None = not in the data). ``names``: channel_id, name_zh, name_en,
    channel_type.

    Method: ordinary days are those outside every calendar phase of the behaviour model
    (and not a member day); each day's values are divided by the model's day factor ``F_t``
    (weekday x hour profile), so the ordinary-day mean is weekday-neutral. A least-squares line
    through the total's ordinary days gives the end-of-history run-rate ``growth`` ratio applied
    to every channel. Conversion and AOV are credibility-weighted ratios of sums (200 pseudo-
    visits / 20 pseudo-orders toward the pooled value). The elasticity is the least-squares slope
    through the origin of ``ln(cr_t / cr_0)`` on ``-ln((1 - d_t) / (1 - d_0))`` over promo days,
    kept when it has at least 5 days, a t-ratio of 2 and lies in [0.3, 6].
    """
    extras = dict(extras or {})
    if sales is None or sales.empty or float(sales["orders"].sum()) <= 0:
        raise ScenarioError(
            "数据集没有已支付订单，无法校准", "the dataset has no paid orders to calibrate on"
        )
    sales = sales.copy()
    sales["day"] = pd.to_datetime(sales["day"]).dt.normalize()
    first, last = sales["day"].min(), sales["day"].max()
    n_days = int((last - first).days) + 1
    cal = history_calendar(first.date(), n_days)
    # Partial first/last days of an export would bias the run-rate: drop them when we can.
    keep = cal.iloc[1:-1] if n_days >= 10 else cal
    prov: list[dict[str, Any]] = []

    def note(param: str, value: Any, source: str, zh: str, en: str) -> None:
        prov.append({"parameter": param, "value": value, "source": source, "note_zh": zh,
                     "note_en": en})  # fmt: skip

    chans = sorted(sales["channel"].astype(str).unique())
    if visits is not None and not visits.empty:
        visits = visits.copy()
        visits["day"] = pd.to_datetime(visits["day"]).dt.normalize()
        chans = sorted(set(chans) | set(visits["channel"].astype(str)))
    has_traffic = visits is not None and not visits.empty
    has_spend = spend is not None and not spend.empty and float(spend["spend"].sum()) > 0

    def wide(df: pd.DataFrame | None, col: str) -> pd.DataFrame:
        if df is None or df.empty:
            return pd.DataFrame(0.0, index=cal["day"], columns=chans)
        w = df.assign(day=pd.to_datetime(df["day"]).dt.normalize()).pivot_table(
            index="day", columns="channel", values=col, aggfunc="sum", observed=True
        )
        return w.reindex(index=cal["day"], columns=chans).fillna(0.0).astype(float)

    orders = wide(sales, "orders")
    paid_orders = wide(sales, "paid_orders")
    gross = wide(sales, "gross")
    disc = wide(sales, "discount")
    coupons = wide(sales, "coupon_orders")
    vis = wide(visits, "visits")
    pvis = wide(visits, "paid_visits")
    spd = wide(spend.assign(day=pd.to_datetime(spend["day"]).dt.normalize()) if has_spend else None,
               "spend")  # fmt: skip
    fac = cal.set_index("day")["factor"]
    kept = pd.Series(cal["day"].isin(keep["day"]).to_numpy(), index=fac.index)
    ordinary = cal.set_index("day")["ordinary"] & kept
    if ordinary.sum() < 3:  # a history made only of promo days: use every day, factor-adjusted
        ordinary = kept
    ord_days = ordinary[ordinary].index
    idx = np.arange(len(cal), dtype=float)
    t_ord = idx[ordinary.to_numpy()]
    t_end = idx[-1]

    # Run-rate growth from the total (traffic if known, else orders), factor-adjusted.
    total = (vis.sum(axis=1) if has_traffic else orders.sum(axis=1)) / fac
    y = total[ordinary].to_numpy()
    growth, slope_rel = 1.0, 0.0
    if len(y) >= 14 and y.mean() > 0:
        b, a0 = np.polyfit(t_ord - t_end, y, 1)
        level_end = a0
        growth = float(np.clip(level_end / y.mean(), 0.5, 2.0))
        slope_rel = float(b / max(level_end, 1e-9))
        note("run_rate_growth", round(growth, 3), "data",
             f"普通日流量趋势：期末水平 / 平均水平（{len(y)} 个普通日最小二乘）",
             f"ordinary-day trend: end level / mean level (least squares on {len(y)} days)")  # fmt: skip
    trend = np.maximum(y.mean() * growth * (1 + slope_rel * (t_ord - t_end)), 1e-9)
    resid = np.log(np.maximum(y, 1e-9) / trend) if len(y) else np.array([])

    per_day = lambda w: (w.loc[ord_days].div(fac.loc[ord_days], axis=0)).mean(axis=0) * growth  # noqa: E731
    rows = []
    tot_o = float(orders.loc[ord_days].to_numpy().sum())
    tot_g = float(gross.loc[ord_days].to_numpy().sum())
    aov_pool = (
        tot_g / tot_o
        if tot_o > 0
        else float(gross.to_numpy().sum() / max(orders.to_numpy().sum(), 1))
    )
    if has_traffic:
        tot_v = float(vis.loc[ord_days].to_numpy().sum())
        conv_pool = tot_o / tot_v if tot_v > 0 else _GENERIC["conv"]
    for c in chans:
        ref = _ref(c)
        o_c = float(orders.loc[ord_days, c].sum())
        po_c = float(paid_orders.loc[ord_days, c].sum())
        g_c = float(gross.loc[ord_days, c].sum())
        aov = (g_c + 20 * aov_pool) / (o_c + 20)
        if has_traffic:
            v_c = float(vis.loc[ord_days, c].sum())
            pv_c = float(pvis.loc[ord_days, c].sum())
            conv_all = (o_c + 200 * conv_pool) / (v_c + 200)
            conv_p = (po_c + 200 * conv_all) / (pv_c + 200)
            conv_o = (o_c - po_c + 200 * conv_all) / (v_c - pv_c + 200)
            paid_rr = float(per_day(pvis[[c]]).iloc[0])
            org_rr = float(per_day(vis[[c]]).iloc[0]) - paid_rr
        else:
            conv_all = conv_p = conv_o = ref["conv"]
            vis_rr = float(per_day(orders[[c]]).iloc[0]) / max(conv_all, 1e-9)
            paid_rr = vis_rr * ref["paid_share"]
            org_rr = vis_rr - paid_rr
        if has_spend:
            s_rr = float(per_day(spd[[c]]).iloc[0])
            sp_all = float(spd.loc[ord_days, c].sum())
            cpc = sp_all / pv_c if has_traffic and pv_c > 0 else ref["cpc"]
            if not has_traffic and s_rr > 0:  # spend known, traffic not: visits = spend / CPC
                paid_rr = s_rr / max(cpc, 1e-9)
        else:
            cpc = ref["cpc"]
            s_rr = paid_rr * cpc
        paid_ok = s_rr > 0 and paid_rr > 0
        if not paid_ok:
            org_rr += paid_rr
            paid_rr, s_rr = 0.0, 0.0
        rows.append({
            "channel": c, "name_zh": ref["name_zh"], "name_en": ref["name_en"],
            "channel_type": ref["channel_type"], "organic": max(org_rr, 0.0), "paid": paid_rr,
            "spend": s_rr, "cpc": s_rr / paid_rr if paid_rr > 0 else cpc,
            "conv_organic": conv_o, "conv_paid": conv_p, "aov_gross": aov,
            "adstock": ADSTOCK_BY_TYPE.get(ref["channel_type"], 0.4), "paid_ok": paid_ok,
            "orders_hist": o_c,
        })  # fmt: skip
    ch = pd.DataFrame(rows).set_index("channel")
    if names is not None and not names.empty:
        nm = names.set_index("channel_id")
        for col in ("name_zh", "name_en", "channel_type"):
            if col in nm:
                ch[col] = [nm[col].get(c, ch.at[c, col]) for c in ch.index]
        ch["adstock"] = [ADSTOCK_BY_TYPE.get(t, 0.4) for t in ch["channel_type"]]
    ch = ch[(ch["organic"] + ch["paid"]) > 0]
    if ch.empty:
        raise ScenarioError("历史中没有可用的普通日数据", "no usable ordinary days in the history")

    src_t = "data" if has_traffic else "behaviour"
    note("organic / paid visits", "per channel", src_t,
         "普通日访问（含页面浏览的会话），除以行为模型的日强度" if has_traffic else
         "仅有订单：访问 = 订单 / 行为模型各渠道转化率，付费占比取行为模型默认值",
         "ordinary-day visits (sessions with a page view) over the behaviour model's day factor"
         if has_traffic else "orders only: visits = orders / the behaviour model's channel "
         "conversion; paid share from its defaults")  # fmt: skip
    note("conversion", "per channel", src_t,
         "订单/访问，按 200 个伪访问向整体收缩" if has_traffic else "行为模型默认漏斗转化率",
         "orders per visit, shrunk toward the pool with 200 pseudo-visits" if has_traffic
         else "the behaviour model's default funnel conversion")  # fmt: skip
    note(
        "aov_gross",
        "per channel",
        "data",
        "普通日原价客单价（gross_amount / 订单）",
        "ordinary-day list-value AOV (gross_amount / orders)",
    )
    note("spend / CPC", "per channel", "data" if has_spend else "behaviour",
         "普通日广告花费与每付费访问成本" if has_spend else "无广告花费表：CPC 取行为模型默认值",
         "ordinary-day ad spend and cost per paid visit" if has_spend else
         "no ad spend table: CPC from the behaviour model's defaults")  # fmt: skip

    # Global scalars.
    sc: dict[str, float] = {}
    g_all = float(gross.loc[ord_days].to_numpy().sum())
    sc["base_discount"] = float(disc.loc[ord_days].to_numpy().sum() / g_all) if g_all > 0 else 0.0
    sc["coupon_share"] = float(coupons.loc[ord_days].to_numpy().sum() / max(tot_o, 1.0))
    note(
        "base_discount",
        round(sc["base_discount"], 4),
        "data",
        "普通日实际折扣深度（折扣/原价）",
        "ordinary-day realised discount depth (discount / gross)",
    )
    for key, zh, en in [
        (
            "basket_sigma",
            "订单原价对数标准差（对数正态篮子）",
            "log-sd of basket value (lognormal)",
        ),
        ("cogs_ratio", "商品成本 / 原价行金额", "cost of goods / gross line value"),
        ("units_per_order", "每单件数", "units per order"),
        ("refund_rate", "退款额 / GMV", "refunded / GMV"),
        ("parcel_cost", "每单履约成本（承运商）", "carrier cost per order"),
        ("target_roas", "活动目标 ROAS（按预算加权）", "budget-weighted campaign target ROAS"),
    ]:
        v = extras.get(key)
        ok = v is not None and math.isfinite(float(v)) and float(v) > 0
        sc[key] = float(v) if ok else _DEFAULTS[key]
        note(key, round(sc[key], 4), "data" if ok else "assumption", zh + ("" if ok else "（缺数据，默认值）"),
             en + ("" if ok else " (not in the data: default)"))  # fmt: skip

    # Elasticity from promo days (traffic needed to separate conversion from traffic).
    eps, eps_src = LIT_ELASTICITY, "literature"
    if has_traffic:
        d_o = orders.sum(axis=1)
        d_v = vis.sum(axis=1)
        d_g = gross.sum(axis=1)
        d_d = disc.sum(axis=1)
        cr0 = tot_o / max(float(vis.loc[ord_days].to_numpy().sum()), 1.0)
        promo = (~cal.set_index("day")["ordinary"]) & (d_v > 0) & (d_g > 0) & (d_o > 0)
        x = -np.log((1 - d_d[promo] / d_g[promo]) / (1 - sc["base_discount"]))
        yy = np.log((d_o[promo] / d_v[promo]) / cr0)
        sel = x > 0.005
        x, yy = x[sel].to_numpy(), yy[sel].to_numpy()
        if len(x) >= 5:
            est = float((x * yy).sum() / (x * x).sum())
            se = float(np.sqrt(((yy - est * x) ** 2).sum() / (len(x) - 1) / (x * x).sum()))
            if 0.3 <= est <= 6 and est / max(se, 1e-9) >= 2:
                eps, eps_src = est, "data"
        resid_c = np.log(np.maximum(d_o[ord_days] / d_v[ord_days].clip(lower=1), 1e-9) / cr0)
        sc["sigma_conv"] = (
            float(np.clip(np.std(resid_c, ddof=1), 0.02, 0.4))
            if len(resid_c) > 4
            else _DEFAULTS["sigma_conv"]
        )
    else:
        sc["sigma_conv"] = 0.0
    sc["elasticity"] = eps
    note("elasticity", round(eps, 3), eps_src,
         "促销日转化对折扣深度的弹性（历史最小二乘）" if eps_src == "data" else
         "历史无法识别：取 Bijmolt 等 (2005) 价格弹性均值 2.62",
         "conversion elasticity to discount depth on promo days (least squares)" if eps_src ==
         "data" else "not identified by the history: mean price elasticity 2.62 of Bijmolt et al. "
         "(2005)")  # fmt: skip
    sc["sigma_traffic"] = (
        float(np.clip(np.std(resid, ddof=1), 0.02, 0.4))
        if len(resid) > 4
        else _DEFAULTS["sigma_traffic"]
    )
    note(
        "sigma_traffic / sigma_conv",
        f"{sc['sigma_traffic']:.3f} / {sc['sigma_conv']:.3f}",
        "data" if len(resid) > 4 else "assumption",
        "普通日流量与转化的日间对数离散度（风险区间）",
        "day-to-day log dispersion of traffic and conversion on ordinary days (risk band)",
    )
    sc["hill_kappa"], sc["hill_shape"] = HILL_KAPPA, HILL_SHAPE
    note("hill κ, α", f"{HILL_KAPPA}, {HILL_SHAPE}", "assumption",
         "半饱和点 = κ × 历史日花费；历史花费随需求同步变化，无法识别饱和（Jin 等 2017 形状）",
         "half saturation = κ x historical daily spend; history's spend moved with demand, so "
         "saturation is not identified (Jin et al. 2017 shape)")  # fmt: skip
    note("adstock λ", "shelf .3 / interest .5 / seeding .7", "assumption",
         "几何衰减（Broadbent 1979）：搜索收割短、种草内容长", "geometric carry-over "
         "(Broadbent 1979): search harvests briefly, seeding content lasts")  # fmt: skip
    note("phase multipliers, hour shape", "calendar", "behaviour",
         "阶段流量/转化倍数与小时曲线取自行为模型日历", "phase traffic/conversion multipliers and "
         "the hourly shape come from the behaviour model's calendar")  # fmt: skip
    note(
        "deposit completion ρ, pull-forward θ",
        f"{DEPOSIT_COMPLETION}, {PULL_FORWARD}",
        "assumption",
        "尾款支付率；预售增量中从尾款日提前的比例",
        "balance payment rate; share of extra pre-sale demand taken from the payment day",
    )
    note(
        "top-up window, probability",
        f"{TOPUP_WINDOW}, {TOPUP_PROB}",
        "assumption",
        "门槛下方 20% 内的订单以 50% 概率凑单",
        "baskets within 20% below a tier top up with 50%",
    )
    note("flash hours, boost", f"{FLASH_HOURS}, x{FLASH_HOUR_BOOST}", "assumption",
         "周二/周四秒杀（文档）场次与流量放大", "Tuesday/Thursday flash sales (doc): rounds and "
         "visit boost")  # fmt: skip
    note("conversion drop alert", f"{DOC_CONV_DROP:.0%}", "doc",
         "UV 转化率下降超过 15% → 切换备用素材与话术", "UV conversion drops more than 15% → "
         "backup creatives and service scripts")  # fmt: skip
    note("sell-through margin", f"{BREAKER_MARGIN:.0%}", "assumption",
         "动销超计划该比例触发库存熔断（文档规则，阈值为假设）",
         "sell-through this far above plan triggers the inventory breaker (doc rule, assumed "
         "threshold)")  # fmt: skip
    history = {
        "start": first.date().isoformat(), "end": last.date().isoformat(), "days": n_days,
        "ordinary_days": int(len(ord_days)), "growth": growth, "slope_rel": slope_rel,
        "has_traffic": bool(has_traffic), "has_spend": bool(has_spend),
    }  # fmt: skip
    daily = pd.DataFrame({
        "day": cal["day"].to_numpy(), "factor": fac.to_numpy(), "phase": cal["phase"].to_numpy(),
        "ordinary": cal["ordinary"].to_numpy(), "orders": orders.sum(axis=1).to_numpy(),
        "gmv": wide(sales, "gmv").sum(axis=1).to_numpy(),
        "visits": vis.sum(axis=1).to_numpy() if has_traffic else np.nan,
    })  # fmt: skip
    return Calibration(ch, sc, pd.DataFrame(prov), history, daily, spd[list(ch.index)])


# ---------------------------------------------------------------- plan (budget-independent)
@dataclass
class Plan:
    """Budget-independent arrays of a scenario on a calibration (shapes: C channels, T days).

    ``value_gmv``/``value_margin`` (C, T) are the GMV / contribution per *paid visit* bought on
    day t (pull-forward included), so a channel's event GMV from ads is
    ``sum_t value_gmv[c, t] * paid_visits[c, t]``: the optimizer's objective.
    """

    scenario: Scenario
    calib: Calibration
    dates: list[dt.date]
    channels: list[str]
    phase: list[str]
    kind: list[str]
    is_peak: np.ndarray
    is_flash: np.ndarray
    pay_day: int | None
    market: np.ndarray  # (T,) E_t
    boost: np.ndarray  # (T,) flash visit multiplier of the day
    hour_share: np.ndarray  # (T, 24)
    organic: np.ndarray  # (C, T)
    conv_o: np.ndarray  # (C,)
    conv_p: np.ndarray  # (C,)
    mult: np.ndarray  # (C, T) conversion multiplier
    mult_nodep: np.ndarray  # (C, T) without deposit demand
    discount: np.ndarray  # (C, T) perceived depth
    dep_share: np.ndarray  # (T,) share of orders that are deposits
    rev: np.ndarray  # (C, T) recognised goods revenue per demand order
    rev_dep: np.ndarray  # (C, T) part of ``rev`` recognised on the payment day
    ship: np.ndarray  # (T,) shipped orders per demand order
    gross_ship: np.ndarray  # (C, T) list value shipped per demand order
    forfeit: np.ndarray  # (T,) forfeited deposit income per demand order
    margin_order: np.ndarray  # (C, T) contribution per demand order (before ad spend)
    pull: np.ndarray  # (C, T) where pulled-forward pre-sale demand is taken from (rows sum to 1)
    flight: np.ndarray  # (C, T) spend weights (rows sum to 1)
    kernel: np.ndarray  # (C, T) adstock per unit of budget
    carry: np.ndarray  # (C, T) adstock carried in from before the window
    v_max: np.ndarray  # (C,)
    half: np.ndarray  # (C,)
    shape: float
    paid_ok: np.ndarray  # (C,) bool
    value_gmv: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    value_margin: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))


def _promo_phases(sc: Scenario) -> tuple[PromoPhase, ...]:
    out = []
    for p in sc.phases:
        tp = phase_template(sc.event, p.kind)
        out.append(PromoPhase(sc.event, p.name, (p.start.month, p.start.day),
                              (p.end.month, p.end.day), traffic=p.traffic, cart=tp.cart,
                              order=tp.order, discount=tp.discount, hour_peaks=tp.hour_peaks))  # fmt: skip
    return tuple(out)


def prepare(
    scenario: Scenario,
    calib: Calibration,
    *,
    as_history: bool = False,
    market_scale: np.ndarray | None = None,
) -> Plan:
    """Budget-independent arrays of the model (module docstring).

    ``as_history`` replays the behaviour model's own discounts (no mechanics; the backtest);
    ``market_scale`` (T,) multiplies the market size (the backtest's history trend).
    """
    sc = scenario.validate(list(calib.channels.index))
    ch = calib.channels
    s = calib.scalars
    chans = list(ch.index)
    start, T = sc.start, (sc.end - sc.start).days + 1
    dates = [start + dt.timedelta(days=i) for i in range(T)]
    model = Behaviour(WorldParams(calendar=_promo_phases(sc)))
    tab = model.day_table(start, T)
    inten = model.minute_intensity(start, T).reshape(T, 24, 60).mean(2)
    F = inten.mean(1)
    kinds = [""] * T
    phase_names = [""] * T
    for p in sc.phases:
        for i in range((p.start - start).days, (p.end - start).days + 1):
            kinds[i], phase_names[i] = p.kind, p.name
    in_phase = np.array([k != "" for k in kinds])
    presale = np.array([k == "presale" for k in kinds])
    sale = in_phase & ~presale
    is_peak = np.array([bool(tab.hour_peak[i].max() > 1.0) for i in range(T)])
    m = sc.mechanics
    weekday = np.array([d.weekday() for d in dates])
    is_flash = in_phase & np.isin(weekday, FLASH_WEEKDAYS) & m.has_flash
    boosted = inten.copy()
    if is_flash.any():
        boosted[np.ix_(is_flash, list(FLASH_HOURS))] *= FLASH_HOUR_BOOST
    boost = boosted.mean(1) / F
    hour_share = boosted / boosted.sum(1, keepdims=True)
    scale = np.ones(T) if market_scale is None else np.asarray(market_scale, float)
    market = F * (1 + sc.growth) * scale

    pay_day = None
    if m.has_deposit:
        last_pre = max(i for i in range(T) if presale[i])
        after = [i for i in range(last_pre + 1, T) if sale[i]]
        pay_day = after[0] if after else None
    # Discount depth per channel and day.
    G = ch["aov_gross"].to_numpy()[:, None]
    base = s["base_discount"]
    ref = base + (tab.discount - WORLD_BASE_DISCOUNT) * in_phase  # (T,)
    main = np.array([k in ("opening", "peak", "festival") for k in kinds])
    coupon = m.coupon_rate * m.coupon_coverage * (main if main.any() else sale)
    flash = m.flash_depth * m.flash_share * is_flash
    thr_p, thr_r, lift = threshold_effect(G[:, 0], s["basket_sigma"], m.threshold, m.threshold_off)
    thr_p, thr_r, lift = thr_p[:, None], thr_r[:, None], lift[:, None]
    dep_share = np.where(presale & m.has_deposit, m.presale_share, 0.0)
    saving = (m.deposit_value - m.deposit) / G  # (C, 1) deposit saving per gross basket
    common = base + coupon + flash  # (T,)
    if as_history:
        perceived = np.broadcast_to(ref, (len(chans), T)).copy()
        nodep = perceived.copy()
        spot_val = G * (1 - perceived)
        dep_val = np.zeros_like(spot_val)
        lift_t = np.ones_like(spot_val)
        dep_share = np.zeros(T)
    else:
        perceived = common + thr_p * sale + dep_share * (thr_p + saving) * presale
        nodep = common + thr_p * sale
        lift_t = np.where(sale, lift, 1.0)
        spot_val = G * lift_t * (1 - np.minimum(common + thr_r * sale, MAX_DISCOUNT))
        pay_common = common[pay_day] - flash[pay_day] if pay_day is not None else base
        dep_val = np.maximum(
            G * lift * (1 - min(pay_common, MAX_DISCOUNT) - thr_r) - G * saving, 0.0
        )
        dep_val = np.broadcast_to(dep_val, spot_val.shape)
    perceived = np.minimum(perceived, MAX_DISCOUNT)
    nodep = np.minimum(nodep, MAX_DISCOUNT)
    eps = s["elasticity"]
    K = tab.cart * tab.order
    mult = K * ((1 - perceived) / (1 - ref)) ** (-eps)
    mult_nodep = K * ((1 - nodep) / (1 - ref)) ** (-eps)
    rho = DEPOSIT_COMPLETION
    rev_dep = dep_share * rho * dep_val
    rev = (1 - dep_share) * spot_val + rev_dep
    ship = (1 - dep_share) + dep_share * rho
    gross_ship = G * ((1 - dep_share) * lift_t + dep_share * rho * lift)
    forfeit = dep_share * (1 - rho) * m.deposit
    r = s["refund_rate"]
    margin_order = (
        rev * (1 - r) + forfeit - gross_ship * s["cogs_ratio"] * (1 - r) - ship * s["parcel_cost"]
    )

    # Harvest days the pre-sale pulls demand from: sale days after the pre-sale, weighted by
    # their organic demand (budget-independent, so the optimizer's objective stays separable).
    pull = np.zeros((len(chans), T))
    if pay_day is not None:
        harvest = sale & (np.arange(T) >= pay_day)
        pull = ch["organic"].to_numpy()[:, None] * market * boost * mult_nodep * harvest
        pull = pull / np.maximum(pull.sum(1, keepdims=True), 1e-12)

    # Spend flighting, adstock kernel and carry-over, Hill anchors.
    if sc.flighting == "even":
        w = np.full(T, 1.0 / T)
    else:
        w = F * scale / (F * scale).sum()
    C = len(chans)
    lam = ch["adstock"].to_numpy()
    flight = np.tile(w, (C, 1))
    kernel = np.vstack([adstock(w, lam[c]) for c in range(C)])
    xbar = ch["spend"].to_numpy() * (1 + sc.growth)
    carry = np.vstack([adstock(np.zeros(T), lam[c], xbar[c]) for c in range(C)])
    kappa, shape = s["hill_kappa"], s["hill_shape"]
    half = kappa * ch["spend"].to_numpy()
    v_max = ch["paid"].to_numpy() * (1 + kappa**shape)
    plan = Plan(
        scenario=sc, calib=calib, dates=dates, channels=chans, phase=phase_names, kind=kinds,
        is_peak=is_peak, is_flash=is_flash, pay_day=pay_day, market=market, boost=boost,
        hour_share=hour_share, organic=ch["organic"].to_numpy()[:, None] * market[None, :],
        conv_o=ch["conv_organic"].to_numpy(), conv_p=ch["conv_paid"].to_numpy(), mult=mult,
        mult_nodep=mult_nodep, discount=perceived, dep_share=dep_share, rev=rev,
        rev_dep=rev_dep, ship=ship, gross_ship=gross_ship, forfeit=forfeit,
        margin_order=margin_order, pull=pull, flight=flight, kernel=kernel, carry=carry, v_max=v_max,
        half=half, shape=shape, paid_ok=ch["paid_ok"].to_numpy().astype(bool),
    )  # fmt: skip
    plan.value_gmv = _value_per_paid_visit(plan, plan.rev)
    plan.value_margin = _value_per_paid_visit(plan, plan.margin_order)
    return plan


def _value_per_paid_visit(plan: Plan, per_order: np.ndarray) -> np.ndarray:
    """Value of one paid visit on each day: conversion x value, minus the pull-forward it causes
    (``theta`` x its extra pre-sale orders x the mean value of a harvest-day order, the harvest
    days weighted by ``pull``)."""
    conv = plan.conv_p[:, None] * plan.boost[None, :]
    out = conv * plan.mult * per_order
    if plan.pay_day is not None:
        extra = conv * (plan.mult - plan.mult_nodep)
        pulled_value = (plan.pull * per_order).sum(1, keepdims=True)
        out = out - PULL_FORWARD * extra * pulled_value
    return out


def paid_visits(plan: Plan, budgets: np.ndarray) -> np.ndarray:
    """Paid visits (C, T) for channel budgets (C,): ``E_t H((carry + b k_t) / E_t)``."""
    b = np.asarray(budgets, dtype=float).reshape(-1, 1)
    E = plan.market[None, :]
    a = plan.carry + b * plan.kernel
    half = np.where(plan.paid_ok, plan.half, 0.0)[:, None]
    return E * hill(a / E, plan.v_max[:, None], half, plan.shape)


def paid_visits_grad(plan: Plan, budgets: np.ndarray) -> np.ndarray:
    """``d paid_visits[c, t] / d b_c`` = ``k_t H'(a_t / E_t)`` (C, T)."""
    b = np.asarray(budgets, dtype=float).reshape(-1, 1)
    E = plan.market[None, :]
    a = plan.carry + b * plan.kernel
    half = np.where(plan.paid_ok, plan.half, 0.0)[:, None]
    return plan.kernel * hill_derivative(a / E, plan.v_max[:, None], half, plan.shape)


def budget_vector(plan: Plan, budgets: Mapping[str, float] | None = None) -> np.ndarray:
    """Channel budgets in plan order (the scenario's when ``budgets`` is None); channels that
    cannot buy traffic get 0."""
    src = plan.scenario.budget_of() if budgets is None else dict(budgets)
    b = np.array([float(src.get(c, 0.0)) for c in plan.channels])
    return np.where(plan.paid_ok, b, 0.0)


# ---------------------------------------------------------------- simulation
@dataclass
class ScenarioResult:
    """Frames of a simulated scenario (see ``simulate``)."""

    scenario: Scenario
    daily: pd.DataFrame
    hourly: pd.DataFrame
    channels: pd.DataFrame
    kpis: dict[str, float]
    alerts: pd.DataFrame
    risk: dict[str, float]


def _reflect(demand: np.ndarray, supply_cum: np.ndarray) -> np.ndarray:
    """Lost units per step (lost sales): ``L = max(0, cummax(cumsum(demand) - supply_cum))``."""
    d_cum = np.cumsum(demand, axis=-1)
    lost_cum = np.maximum.accumulate(np.maximum(d_cum - supply_cum, 0.0), axis=-1)
    return np.diff(lost_cum, axis=-1, prepend=0.0)


def _supply(plan: Plan, release: float) -> np.ndarray | None:
    sc = plan.scenario
    if sc.stock_units <= 0:
        return None
    T = len(plan.dates)
    add = np.zeros(T * 24)
    add[0] += sc.stock_units
    if sc.restock_units > 0 and sc.restock_date is not None:
        i = (sc.restock_date - plan.dates[0]).days
        if 0 <= i < T:
            add[i * 24] += sc.restock_units
    if plan.pay_day is not None and release > 0:
        add[plan.pay_day * 24] += release
    return np.cumsum(add)


def _demand_orders(plan: Plan, paid: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Demand orders (C, T) total and paid, plus visits (C, T), with the pull-forward applied."""
    visits = (plan.organic + paid) * plan.boost[None, :]
    org = plan.organic * plan.boost[None, :] * plan.conv_o[:, None] * plan.mult
    pd_ = paid * plan.boost[None, :] * plan.conv_p[:, None] * plan.mult
    if plan.pay_day is not None:
        ratio = 1 - plan.mult_nodep / np.maximum(plan.mult, 1e-12)
        extra = ((org + pd_) * ratio).sum(1, keepdims=True)
        tot = org + pd_
        new = np.maximum(tot - PULL_FORWARD * extra * plan.pull, 0.0)
        f = np.where(tot > 0, new / np.maximum(tot, 1e-12), 0.0)
        org, pd_ = org * f, pd_ * f
    return org + pd_, pd_, visits


def _fulfil(
    plan: Plan, units_day: np.ndarray, dep_units_day: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Fulfilled share per day and per hour for (S, T) demand units; deposits reserve stock at
    order time and forfeited ones are released on the payment day (two passes, causal)."""
    S, T = units_day.shape
    hourly = (units_day[:, :, None] * plan.hour_share[None]).reshape(S, T * 24)
    sup = _supply(plan, 0.0)
    if sup is None:
        return np.ones((S, T)), np.ones((S, T * 24))
    lost = _reflect(hourly, sup[None, :])
    if plan.pay_day is not None:
        phi = 1 - lost / np.maximum(hourly, 1e-12)
        f_day = (phi.reshape(S, T, 24) * plan.hour_share[None]).sum(2)
        rel = (dep_units_day * f_day)[:, : plan.pay_day].sum(1) * (1 - DEPOSIT_COMPLETION)
        sup_s = np.stack([_supply(plan, float(x)) for x in rel])
        lost = _reflect(hourly, sup_s)
    phi = np.where(hourly > 0, 1 - lost / np.maximum(hourly, 1e-12), 1.0)
    f_day = (phi.reshape(S, T, 24) * plan.hour_share[None]).sum(2)
    return np.clip(f_day, 0, 1), np.clip(phi, 0, 1)


def simulate(plan: Plan, budgets: Mapping[str, float] | None = None) -> ScenarioResult:
    """Simulate the plan for channel budgets (the scenario's by default): the deterministic
    expected path plus ``n_sims`` seeded lognormal paths for the risk band (module docstring)."""
    sc = plan.scenario
    cal = plan.calib
    s = cal.scalars
    T = len(plan.dates)
    b = budget_vector(plan, budgets)
    spend = b[:, None] * plan.flight
    paid = paid_visits(plan, b)
    demand, demand_paid, visits = _demand_orders(plan, paid)
    upo = s["units_per_order"]
    units = demand.sum(0) * upo
    dep_units = (demand * plan.dep_share[None, :]).sum(0) * upo

    # Deterministic path.
    f_day, phi = _fulfil(plan, units[None, :], dep_units[None, :])
    f = f_day[0]
    orders = demand * f
    paid_orders = demand_paid * f
    rev_spot = ((plan.rev - plan.rev_dep) * orders).sum(0)
    rev_dep_total = (plan.rev_dep * orders).sum(0)
    gmv_deposit = np.zeros(T)
    if plan.pay_day is not None:
        gmv_deposit[plan.pay_day] = rev_dep_total.sum()
    gmv = rev_spot + gmv_deposit
    gmv_order_time = (plan.rev * orders).sum(0)
    paid_gmv = (plan.rev * paid_orders).sum(0)
    margin_day = (plan.margin_order * orders).sum(0) - spend.sum(0)
    lost_orders = demand.sum(0) * (1 - f)
    lost_gmv = (plan.rev * demand).sum(0) * (1 - f)
    tot_visits = visits.sum(0)
    conv_demand = np.where(tot_visits > 0, demand.sum(0) / np.maximum(tot_visits, 1e-12), 0.0)

    # Stock path and sell-through plan.
    release = (float((dep_units * f)[: plan.pay_day].sum() * (1 - DEPOSIT_COMPLETION))
               if plan.pay_day is not None else 0.0)  # fmt: skip
    sup = _supply(plan, release)
    hourly_units = (units[:, None] * plan.hour_share).ravel()
    sold_cum_h = np.cumsum(hourly_units * phi[0])  # reserved or shipped
    if plan.pay_day is not None:  # forfeited deposits come back on the payment day: net them
        sold_cum_h = sold_cum_h - release * (np.arange(T * 24) >= plan.pay_day * 24)
    if sup is not None:
        stock_h = _supply(plan, 0.0) - sold_cum_h  # = supply incl. the release - gross reserved
        stock_end = stock_h.reshape(T, 24)[:, -1]
        sell_through = sold_cum_h.reshape(T, 24)[:, -1] / max(
            sc.stock_units + sc.restock_units, 1e-9
        )
    else:
        stock_h = np.full(T * 24, np.nan)
        stock_end = np.full(T, np.nan)
        sell_through = np.full(T, np.nan)
    demand_gmv_total = float((plan.rev * demand).sum())
    cum_units_demand = np.cumsum(units)
    plan_units = (sc.target_gmv * cum_units_demand / demand_gmv_total
                  if sc.target_gmv > 0 and demand_gmv_total > 0 else np.full(T, np.nan))  # fmt: skip
    sold_cum_day = sold_cum_h.reshape(T, 24)[:, -1]

    # Risk band: seeded lognormal day factors on traffic and conversion (common to channels).
    rng = np.random.default_rng(sc.seed)
    n = sc.n_sims
    st, sconv = s["sigma_traffic"], s["sigma_conv"]
    z = rng.standard_normal((n, 2, T))
    mult = np.exp(st * z[:, 0] - st * st / 2) * np.exp(sconv * z[:, 1] - sconv * sconv / 2)
    risk: dict[str, float] = {}
    if n > 0:
        f_s, phi_s = _fulfil(plan, units[None, :] * mult, dep_units[None, :] * mult)
        per = (plan.rev - plan.rev_dep) * demand
        spot_s = mult * f_s * per.sum(0)[None, :]
        dep_s = (mult * f_s * (plan.rev_dep * demand).sum(0)[None, :]).sum(1)
        gmv_s = spot_s.copy()
        if plan.pay_day is not None:
            gmv_s[:, plan.pay_day] += dep_s
        tot_s = gmv_s.sum(1)
        hourly_s = (units[None, :, None] * mult[:, :, None] * plan.hour_share[None]).reshape(n, -1)
        lost_units_s = (hourly_s * (1 - phi_s)).sum(1)
        q = np.percentile(gmv_s, [10, 50, 90], axis=0)
        risk = {
            "gmv_p10": float(np.percentile(tot_s, 10)), "gmv_p50": float(np.percentile(tot_s, 50)),
            "gmv_p90": float(np.percentile(tot_s, 90)),
            "stockout_prob": float((lost_units_s > 0.5).mean()) if sc.stock_units > 0 else 0.0,
            "target_prob": float((tot_s >= sc.target_gmv).mean()) if sc.target_gmv > 0 else float("nan"),
        }  # fmt: skip
        band_lo, band_mid, band_hi = q
    else:
        band_lo = band_mid = band_hi = gmv

    base_conv = cal.baseline_conversion()
    daily = pd.DataFrame({
        "date": pd.to_datetime(plan.dates), "phase": plan.phase, "kind": plan.kind,
        "peak": plan.is_peak, "flash": plan.is_flash, "visits": tot_visits,
        "paid_visits": (paid * plan.boost[None, :]).sum(0), "spend": spend.sum(0),
        "demand_orders": demand.sum(0), "orders": orders.sum(0), "lost_orders": lost_orders,
        "gmv": gmv, "gmv_deposit": gmv_deposit, "gmv_order_time": gmv_order_time, "paid_gmv": paid_gmv, "margin": margin_day,
        "lost_gmv": lost_gmv, "conversion": conv_demand,
        "conversion_realized": np.where(tot_visits > 0, orders.sum(0) / np.maximum(tot_visits, 1e-12), 0.0),
        "baseline_conversion": base_conv,
        "discount": (plan.discount * demand).sum(0) / np.maximum(demand.sum(0), 1e-12),
        "stock_end": stock_end, "sell_through": sell_through, "units_sold_cum": sold_cum_day,
        "plan_units_cum": plan_units, "gmv_p10": band_lo, "gmv_p50": band_mid, "gmv_p90": band_hi,
    })  # fmt: skip
    daily["gmv_cum"] = daily["gmv"].cumsum()
    if sc.target_gmv > 0 and demand_gmv_total > 0:
        share = np.cumsum((plan.rev * demand).sum(0)) / demand_gmv_total
        daily["target_cum"] = sc.target_gmv * share
    else:
        daily["target_cum"] = np.nan

    # Hourly path (every hour; the page shows peak days).
    ts = pd.to_datetime(plan.dates[0]) + pd.to_timedelta(np.arange(T * 24), unit="h")
    v_h = (tot_visits[:, None] * plan.hour_share).ravel()
    dem_h = (demand.sum(0)[:, None] * plan.hour_share).ravel()
    gmv_h = ((plan.rev * demand).sum(0)[:, None] * plan.hour_share).ravel() * phi[0]
    hourly = pd.DataFrame({
        "ts": ts, "day": np.repeat(np.arange(T), 24), "peak": np.repeat(plan.is_peak, 24),
        "visits": v_h, "demand_orders": dem_h, "orders": dem_h * phi[0],
        "gmv_order_time": gmv_h, "conversion_realized": np.where(v_h > 0, dem_h * phi[0] / np.maximum(v_h, 1e-12), 0.0),
        "fulfilled": phi[0], "stock": stock_h,
    })  # fmt: skip

    # Per channel.
    r = s["refund_rate"]
    ch_orders = orders.sum(1)
    ch_gmv = (plan.rev * orders).sum(1)
    ch_paid_gmv = (plan.rev * paid_orders).sum(1)
    ch_spend = spend.sum(1)
    grad = paid_visits_grad(plan, b)
    mroas = (plan.value_gmv * grad).sum(1)
    channels = pd.DataFrame({
        "channel": plan.channels, "name_zh": cal.channels["name_zh"].to_numpy(),
        "name_en": cal.channels["name_en"].to_numpy(), "paid_ok": plan.paid_ok, "budget": b,
        "visits": visits.sum(1), "paid_visits": (paid * plan.boost[None, :]).sum(1),
        "orders": ch_orders, "gmv": ch_gmv, "paid_gmv": ch_paid_gmv, "spend": ch_spend,
        "roas": np.where(ch_spend > 0, ch_paid_gmv / np.maximum(ch_spend, 1e-12), np.nan),
        "marginal_roas": np.where(plan.paid_ok, mroas, np.nan),
        "margin": (plan.margin_order * orders).sum(1) - ch_spend,
    })  # fmt: skip

    tot_spend = float(spend.sum())
    tot_gmv = float(gmv.sum())
    kpis = {
        "gmv": tot_gmv, "orders": float(orders.sum()), "visits": float(tot_visits.sum()),
        "conversion": float(orders.sum() / max(tot_visits.sum(), 1e-12)),
        "aov": tot_gmv / max(float(orders.sum()), 1e-12), "spend": tot_spend,
        "roas": float(paid_gmv.sum() / tot_spend) if tot_spend > 1e-6 else float("nan"),
        "margin": float(margin_day.sum()),
        "margin_rate": float(margin_day.sum() / tot_gmv) if tot_gmv > 0 else float("nan"),
        "target_gmv": sc.target_gmv,
        "attainment": tot_gmv / sc.target_gmv if sc.target_gmv > 0 else float("nan"),
        "units_sold": float(sold_cum_day[-1]), "lost_orders": float(lost_orders.sum()),
        "lost_gmv": float(lost_gmv.sum()),
        "sell_through": float(sell_through[-1]) if sup is not None else float("nan"),
        "stock_units": sc.stock_units + sc.restock_units, "days": T,
        "refund_rate": r, "base_conversion": base_conv,
    }  # fmt: skip
    lost_h = hourly_units * (1 - phi[0])
    first = np.flatnonzero(lost_h > 1e-6)
    kpis["stockout_at"] = ts[first[0]] if len(first) else None
    alerts = _alerts(plan, daily, hourly, channels, kpis, lost_h)
    return ScenarioResult(sc, daily, hourly, channels, kpis, alerts, risk)


# ---------------------------------------------------------------- playbook alerts
ALERT_TEXT = {
    "conversion_drop": (
        "UV 转化率较基线下降超过 15%",
        "UV conversion more than 15% below baseline",
        "切换备用素材与客服话术（文档）",
        "switch to backup creatives and service scripts (doc)",
    ),
    "sell_through": (
        "动销超计划",
        "sell-through above plan",
        "库存熔断：切换预售并推荐关联商品（文档）",
        "inventory circuit breaker: switch to pre-sale and recommend related products (doc)",
    ),
    "stockout": (
        "缺货",
        "stock-out",
        "库存熔断：切换预售、推荐关联商品并加急补货（文档）",
        "inventory circuit breaker: pre-sale, related products, expedite restock (doc)",
    ),
    "roas": (
        "渠道 ROAS 低于目标",
        "channel ROAS below target",
        "下调该渠道预算或更换素材（见预算优化）",
        "cut this channel's budget or refresh creatives (see optimizer)",
    ),
}


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, end exclusive) of each run of True."""
    m = np.concatenate([[False], mask.astype(bool), [False]])
    d = np.diff(m.astype(int))
    return list(zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1), strict=True))


def _alerts(
    plan: Plan,
    daily: pd.DataFrame,
    hourly: pd.DataFrame,
    channels: pd.DataFrame,
    kpis: dict[str, Any],
    lost_h: np.ndarray,
) -> pd.DataFrame:
    """The doc's playbook rules evaluated on the plan (hourly grid; runs merged into episodes)."""
    sc = plan.scenario
    rows: list[tuple[Any, ...]] = []
    base = kpis["base_conversion"]
    conv = hourly["conversion_realized"].to_numpy()
    fulfilled = hourly["fulfilled"].to_numpy()
    active = hourly["visits"].to_numpy() > 0
    t0 = pd.Timestamp(plan.dates[0])
    hour = pd.Timedelta(hours=1)
    day = pd.Timedelta(days=1)
    drop = active & (conv < (1 - DOC_CONV_DROP) * base)
    for a, b in _runs(drop):
        worst = float(1 - conv[a:b][active[a:b]].min() / base) if base > 0 else 0.0
        cause = "stockout" if (fulfilled[a:b] < 0.999).any() else "demand"
        rows.append(("conversion_drop", "high" if worst >= 0.30 else "medium", t0 + a * hour,
                     t0 + b * hour, b - a, worst, DOC_CONV_DROP, cause, "doc"))  # fmt: skip
    if sc.stock_units > 0 and sc.target_gmv > 0:
        sold = daily["units_sold_cum"].to_numpy()
        planned = daily["plan_units_cum"].to_numpy()
        for a, b in _runs(sold > (1 + BREAKER_MARGIN) * planned)[:1]:
            rows.append(("sell_through", "medium", t0 + a * day, t0 + b * day, 24 * (b - a),
                         float(sold[a] / max(planned[a], 1e-9) - 1), BREAKER_MARGIN, "plan", "doc"))  # fmt: skip
    for a, b in _runs(lost_h > 1e-6)[:3]:
        rows.append(("stockout", "high", t0 + a * hour, t0 + b * hour, b - a,
                     float(lost_h[a:b].sum()), 0.0, "stock", "doc"))  # fmt: skip
    target = sc.target_roas or plan.calib.scalars["target_roas"]
    T = len(plan.dates)
    spend, roas = channels["spend"].to_numpy(), channels["roas"].to_numpy()
    for c, s_c, r_c in zip(channels["channel"], spend, roas, strict=True):
        if s_c > 0 and r_c < target:
            rows.append(("roas", "medium" if r_c < 0.7 * target else "low", t0, t0 + T * day,
                         24 * T, float(r_c), target, c, "assumption"))  # fmt: skip
    cols = ["rule", "severity", "start", "end", "hours", "value", "threshold", "cause", "source"]
    return pd.DataFrame(rows, columns=cols)
