"""Alert rules: the statistical breach test and the document's playbook rules.

A metric rule compares the observed sum over a sliding window with the baseline's expectation.
The score is a signed normal quantile: for small expectations (< 20) the exact Poisson tail
probability of the observed count, otherwise ``(O - E) / sqrt(var)``. A breach needs both a
significant score (``|z| >= z``) and a material effect (``|O / E - 1| >= min_effect``), so that
big numbers do not alert on immaterial noise and small numbers do not alert on noise either.
Ratio rules (conversion = orders / visits, payment success = pays / orders) test the numerator
against ``denominator * expected ratio``.

Funnel rules (``steps``: add-to-cart, ordering, payment) use a sequential test instead
(:func:`evaluate_sequential`): every cohort of parents (the visits, carts or orders of one minute)
has produced ``k`` of its children so far, ``Binomial(n, rho * F(age))`` under the baseline
(:mod:`omni_core.live.cohorts`). The evidence for a relative drop ``seq_shift`` is the binomial
log-likelihood ratio summed over the rule's steps, accumulated over the cohorts by a
window-limited CUSUM (:mod:`omni_core.alerts.sequential`); the rule breaches when it reaches
``h = ln(streams * 1440 / seq_false_per_day)``, which bounds the expected false alarms of the
rule at ``seq_false_per_day`` a day over its ``streams`` groups (Ville's inequality, Lorden 1971).
A design drop ``d`` accumulates evidence only for larger drops than about ``1 - d / -ln(1 - d)`` of
a rare step's rate (16 % for ``d = 0.3``, the document's "conversion down more than 15 %"; a
common step turns earlier, 12 % at a 93 % payment success rate, and ``min_effect`` keeps alerts
material). Unlike a fixed window,
the CUSUM needs no choice of width: a large drop crosses ``h`` within a minute or two, a small one
after more cohorts, and young cohorts (whose carts or payments are still arriving) count with
their expected share ``F(age)`` instead of waiting for a lag. Alerts of funnel rules fire without
a pending period (the CUSUM already accumulates over minutes) and resolve when the statistic
falls below ``resolve_z / z`` of ``h`` (hysteresis).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
from scipy import special

from omni_core.alerts.sequential import binomial_llr, llr_threshold, window_cusum

SEVERITIES = ("minor", "major", "critical")


@dataclass(frozen=True)
class Rule:
    """One alert rule (thresholds editable on page 09)."""

    id: str
    name_zh: str
    name_en: str
    metric: str  # numerator metric (or the metric)
    direction: str  # drop | spike
    dims: tuple[str, ...] = ("total", "channel")
    denominator: str | None = None  # ratio rules
    lag: int = 0  # minutes the denominator leads the numerator (visits come before orders)
    window: int = 3  # minutes (the fast window)
    long_windows: tuple[int, ...] = (10, 30)  # slower windows catch what sparse data hides
    z: float = 4.5
    min_effect: float = 0.3
    min_expected: float = 3.0
    pending: int = 2  # consecutive breaching evaluations before firing
    resolve_z: float = 2.0
    resolve_after: int = 3  # consecutive calm evaluations before resolving
    cooldown: int = 15  # minutes before the same rule/dimension may fire again
    steps: tuple[str, ...] = ()  # funnel steps of the sequential test (cart, order, pay)
    seq_shift: float = 0.3  # design relative drop of the sequential test
    seq_false_per_day: float = 0.1  # false alarms a day allowed for the rule over its groups
    seq_window: int = 30  # cohorts (minutes) the window-limited CUSUM looks back
    playbook_zh: str = ""
    playbook_en: str = ""
    enabled: bool = True
    notify: bool = True

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form (stored in the warehouse)."""
        return asdict(self)

    @staticmethod
    def from_dict(d: dict[str, Any]) -> Rule:
        """Rebuild from ``to_dict`` with validation."""
        d = dict(d)
        d["dims"] = tuple(d.get("dims", ()))
        d["long_windows"] = tuple(int(w) for w in d.get("long_windows", ()))
        d["steps"] = tuple(str(x) for x in d.get("steps", ()))
        r = Rule(**d)
        validate(r)
        return r

    def with_(self, **kw: Any) -> Rule:
        """A validated copy with some fields changed."""
        r = replace(self, **kw)
        validate(r)
        return r


def validate(r: Rule) -> None:
    """Clear errors for nonsensical thresholds."""
    if r.direction not in ("drop", "spike"):
        raise ValueError(f"rule {r.id}: direction must be drop or spike")
    if not 1 <= r.window <= 240 or any(not r.window < w <= 240 for w in r.long_windows):
        raise ValueError(
            f"rule {r.id}: windows must be 1..240 minutes, long windows above the fast one"
        )
    if not 1.0 <= r.z <= 10.0:
        raise ValueError(f"rule {r.id}: z must be within [1, 10]")
    if not 0.0 <= r.min_effect <= 10.0:
        raise ValueError(f"rule {r.id}: min_effect must be within [0, 10]")
    if not 1 <= r.pending <= 30 or not 1 <= r.resolve_after <= 120:
        raise ValueError(f"rule {r.id}: pending must be 1..30 and resolve_after 1..120")
    if not 0 <= r.cooldown <= 24 * 60:
        raise ValueError(f"rule {r.id}: cooldown must be 0..1440 minutes")
    if not 0 < r.resolve_z < r.z:
        raise ValueError(f"rule {r.id}: resolve_z must be positive and below z (hysteresis)")
    bad = [d for d in r.dims if d not in ("total", "channel", "province", "category")]
    if bad:
        raise ValueError(f"rule {r.id}: unknown dimension(s) {bad}")
    bad = [s for s in r.steps if s not in ("cart", "order", "pay")]
    if bad:
        raise ValueError(f"rule {r.id}: unknown funnel step(s) {bad}; use cart, order, pay")
    if r.steps and r.direction != "drop":
        raise ValueError(f"rule {r.id}: funnel steps test drops only")
    if not 0.05 <= r.seq_shift <= 0.9:
        raise ValueError(f"rule {r.id}: seq_shift must be within [0.05, 0.9]")
    if not 0.001 <= r.seq_false_per_day <= 10:
        raise ValueError(f"rule {r.id}: seq_false_per_day must be within [0.001, 10]")
    if not 3 <= r.seq_window <= 60:
        raise ValueError(f"rule {r.id}: seq_window must be 3..60 minutes")


DEFAULT_RULES: tuple[Rule, ...] = (
    Rule("traffic_drop", "流量骤降", "Traffic drop", "exposures", "drop",
         ("total", "channel", "province"), window=3, z=4.5, min_effect=0.35, min_expected=8,
         playbook_zh="检查渠道投放与接口状态；切换备用流量入口，通知平台对接人",
         playbook_en="Check channel delivery and API status; switch to backup traffic entrances "
                     "and call the platform contact"),
    Rule("traffic_spike", "流量暴涨", "Traffic spike", "exposures", "spike", ("total", "channel"),
         window=3, z=5.0, min_effect=0.6, min_expected=8,
         playbook_zh="扩容客服与服务器；检查异常流量（刷单/爬虫）；确认爆品库存预占",
         playbook_en="Scale customer service and servers; check for abnormal traffic (bots, "
                     "order brushing); confirm hot-SKU stock reservations"),
    Rule("conversion_drop", "UV转化下滑", "UV conversion drop", "carts", "drop",
         ("total", "channel", "province"), denominator="visits", lag=1, window=3, z=4.5,
         min_effect=0.15, min_expected=4, pending=1, steps=("cart", "order"),
         seq_false_per_day=0.1,
         playbook_zh="文档规则：UV转化率下降超过15% → 启用备用素材与客服话术（加购与下单两步的序贯检验）",
         playbook_en="Doc rule: UV conversion down more than 15% → switch to backup creatives "
                     "and customer-service scripts (sequential test of add-to-cart and ordering)"),
    Rule("order_conversion_drop", "下单转化下滑", "Order conversion drop (cart → order)", "orders",
         "drop", ("total", "channel", "province"), denominator="carts", lag=2, window=5, z=4.5,
         min_effect=0.15, min_expected=4, pending=1, steps=("order",), seq_false_per_day=0.05,
         playbook_zh="文档规则：UV转化率下降超过15% → 检查下单页、价格与优惠券，启用备用客服话术",
         playbook_en="Doc rule: UV conversion down more than 15% → check the checkout page, prices "
                     "and coupons; switch to backup customer-service scripts"),
    Rule("payment_failure", "支付成功率下降", "Payment success drop", "pays", "drop",
         ("total", "channel"), denominator="orders", lag=1, window=3, z=4.5, min_effect=0.25,
         min_expected=4, pending=1, steps=("pay",), seq_false_per_day=0.05,
         playbook_zh="检查支付通道；切换备用支付方式并提示用户重试（本地化支付覆盖）",
         playbook_en="Check payment gateways; switch to backup payment methods and prompt "
                     "buyers to retry"),
    Rule("gmv_drop", "GMV低于预期", "GMV below plan", "gmv", "drop", ("total", "channel"),
         window=10, long_windows=(30,), z=4.5, min_effect=0.3, min_expected=8,
         playbook_zh="定位下滑渠道/品类；加推爆品与直播间福利，复核价格与优惠券",
         playbook_en="Locate the channel/category behind it; push hero SKUs and live-room "
                     "offers; re-check prices and coupons"),
    Rule("refund_surge", "退款激增", "Refund surge", "refunds", "spike", ("total", "channel"),
         window=3, z=4.5, min_effect=1.0, min_expected=0,
         playbook_zh="排查商品质量与物流问题；启动极速退款（文档：72小时→4小时）与舆情预案",
         playbook_en="Investigate quality and logistics issues; open the fast-refund lane "
                     "(doc: 72 h → 4 h) and the PR playbook"),
)  # fmt: skip

# Playbook rules that are not window statistics (evaluated by the alert engine directly).
STOCK_RULES = {
    "stock_out": ("爆品断货", "Hot SKU stock-out",
                  "库存熔断：切换预售并推荐关联商品；调拨其他仓库存",
                  "Inventory circuit breaker: switch to pre-sale and recommend related products; "
                  "transfer stock from other locations"),
    "circuit_breaker": ("售罄速度超计划", "Sell-through above plan",
                        "文档规则：售罄速度超计划 → 库存熔断，切换预售，推荐关联商品",
                        "Doc rule: sell-through above plan → inventory circuit breaker: switch to "
                        "pre-sale and recommend related products"),
}  # fmt: skip
MANUAL_RULES = {
    "pr_crisis": ("舆情危机", "PR crisis",
                  "文档：1小时响应、4小时方案、24小时闭环",
                  "Doc: respond within 1 h, plan within 4 h, close within 24 h"),
    "logistics": ("物流异常", "Logistics disruption",
                  "文档：启用3家备用快递（按成本与时效排序见下）",
                  "Doc: switch to the 3 backup carriers (ranked by cost and speed below)"),
}  # fmt: skip


@dataclass
class Evaluation:
    """Scores of one rule over all groups at one minute."""

    rule: Rule
    observed: np.ndarray
    expected: np.ndarray
    z: np.ndarray
    effect: np.ndarray  # observed / expected - 1
    breach: np.ndarray
    calm: np.ndarray
    evaluated: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    minutes: np.ndarray | None = None  # per group: the minutes the evidence spans (funnel rules)


AMOUNT_METRICS = {"gmv", "attributed_gmv", "spend", "refund_amount"}


def score(
    observed: np.ndarray, expected: np.ndarray, variance: np.ndarray, *, counts: bool = True
) -> np.ndarray:
    """Signed normal score of observed vs expected (exact Poisson tail below E = 20 for counts)."""
    observed = np.asarray(observed, float)
    expected = np.asarray(expected, float)
    z = (observed - expected) / np.sqrt(np.maximum(variance, 1e-12))
    small = (expected < 20) if counts else np.zeros(len(expected), bool)
    if small.any():
        o = np.round(observed[small])
        e = np.maximum(expected[small], 1e-9)
        # scipy.special directly (what scipy.stats.poisson/norm call, without their per-call
        # argument checking): P(X <= o), P(X >= o) = 1 for o = 0, and the normal quantile.
        low = special.pdtr(o, e)
        high = np.where(o > 0, special.pdtrc(np.maximum(o - 1, 0), e), 1.0)
        zs = np.where(
            o < e,
            special.ndtri(np.clip(low, 1e-300, 1)),
            -special.ndtri(np.clip(high, 1e-300, 1)),
        )
        zs = np.where(np.isclose(o, e), 0.0, zs)
        z[small] = np.clip(zs, -40, 40)
    return z


def evaluate(
    rule: Rule,
    observed: Any,
    expected: Any,
    variance_fn: Any,
    group_dims: np.ndarray,
    *,
    lagged: Any = None,
    phi: float = 1.3,
    rel_error: float = 0.05,
    window: int = 1,
) -> Evaluation:
    """Score one rule for every group.

    ``observed`` / ``expected``: (groups, metrics-dict) accessors: callables taking a metric
    name and returning per-group window sums; ``variance_fn(expected, metric)`` gives the
    variance; ``group_dims`` the dimension name of each group.
    """
    num_o = observed(rule.metric)
    if rule.denominator:
        den_o = lagged(rule.denominator) if lagged is not None else observed(rule.denominator)
        ratio_e = np.where(
            expected(rule.denominator) > 0,
            expected(rule.metric) / np.maximum(expected(rule.denominator), 1e-12),
            0.0,
        )
        num_e = den_o * ratio_e
        # Binomial noise given the denominator (a Poisson variance would drown a 93% pay rate),
        # plus the misalignment of the two windows (the numerator is not exactly a subset of the
        # lagged denominator: about two boundary minutes of Poisson noise), plus model error.
        r = np.clip(ratio_e, 0.0, 0.999)
        boundary = 2.0 * r**2 * den_o / max(window, 1)
        var = phi * den_o * r * (1 - r) + boundary + (rel_error * num_e) ** 2 + 1e-9
    else:
        num_e = expected(rule.metric)
        var = variance_fn(num_e, rule.metric, expected)
    amounts = rule.metric in AMOUNT_METRICS
    z = score(num_o, num_e, var, counts=not amounts)
    effect = np.where(num_e > 0, num_o / np.maximum(num_e, 1e-12) - 1, 0.0)
    in_dims = np.isin(group_dims, rule.dims)
    # Amount rules need enough expected orders behind them (min_expected counts paid orders).
    volume = expected("pays") if amounts else num_e
    evaluated = in_dims & (volume >= max(rule.min_expected, 1e-9)) & (num_e > 0)
    if rule.direction == "drop":
        breach = evaluated & (z <= -rule.z) & (effect <= -rule.min_effect)
    else:
        breach = evaluated & (z >= rule.z) & (effect >= rule.min_effect)
    calm = ~evaluated | (np.abs(z) < rule.resolve_z)
    return Evaluation(rule, num_o, num_e, z, effect, breach, calm, evaluated)


STEP_INDEX = {"cart": 0, "order": 1, "pay": 2}


def evaluate_sequential(
    rule: Rule,
    parents: np.ndarray,
    children: np.ndarray,
    p0: np.ndarray,
    group_dims: np.ndarray,
) -> Evaluation:
    """Score a funnel rule for every group with the window-limited binomial CUSUM.

    ``parents``, ``children`` and ``p0`` are (cohorts, groups, steps) arrays, oldest cohort
    first, steps ordered cart, order, pay; ``p0 = rho * F(age)`` is each cohort's expected share
    of children so far. For cohort ``j`` the evidence of a drop ``d = seq_shift`` is
    ``l_j = sum over the rule's steps of k ln(1 - d) + (n - k) ln((1 - (1 - d) p0) / (1 - p0))``
    and ``S = max(0, max_w sum of the last w l_j)`` over at most ``seq_window`` cohorts (see the
    module docstring for the threshold). Observed and expected are the children of the cohorts
    since the estimated change (the CUSUM's run); ``z = -sqrt(2 S)`` is the signed root of the
    likelihood-ratio statistic.
    """
    idx = [STEP_INDEX[x] for x in rule.steps]
    w = min(rule.seq_window, parents.shape[0])
    n, k, p = parents[-w:][:, :, idx], children[-w:][:, :, idx], p0[-w:][:, :, idx]
    llr = binomial_llr(k, n, p, rule.seq_shift).sum(-1)  # (cohorts, groups)
    stat, run = window_cusum(llr.T)
    in_dims = np.isin(group_dims, rule.dims)
    h = llr_threshold(rule.seq_false_per_day, max(int(in_dims.sum()), 1))
    span = np.where(run > 0, run, min(rule.window, w))
    recent = np.arange(w)[:, None] >= (w - span)[None, :]
    obs = (k.sum(-1) * recent).sum(0)
    exp = ((n * p).sum(-1) * recent).sum(0)
    effect = np.where(exp > 0, obs / np.maximum(exp, 1e-12) - 1, 0.0)
    volume = (n * p).sum((0, 2))
    evaluated = in_dims & (volume >= max(rule.min_expected, 1e-9))
    breach = evaluated & (stat >= h) & (effect <= -rule.min_effect)
    calm = ~evaluated | (stat < h * rule.resolve_z / rule.z)
    z = -np.sqrt(2.0 * stat)
    return Evaluation(rule, obs, exp, z, effect, breach, calm, evaluated, span)


def severity(effect: float, dim: str) -> str:
    """critical for large effects on the total or at least 50%; major from 30%; else minor."""
    e = abs(effect)
    if e >= 0.5 or (dim == "total" and e >= 0.3):
        return "critical"
    if e >= 0.3:
        return "major"
    return "minor"
