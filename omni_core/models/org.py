"""Marketing team model: an illustrative org, the layer check, squads and skills coverage.

The warehouse holds no HR data, so :func:`generate_org` draws a deterministic, **illustrative**
team from the dataset's seed (users edit it in the UI). A member's layer is its depth in the
reporting tree (the head is layer 1); the document's rule (doc ch.13) is a flat organisation of at
most 3 layers. Skills are scored 1-5 and grouped into the document's three competency dimensions:
professional skills, business thinking and soft skills.

Squad coverage of a requirement ``{skill: level}``:

.. math:: \\text{coverage} = \\frac{1}{|R|} \\sum_{s \\in R}
          \\mathbb{1}\\big[\\max_{m \\in \\text{squad}} \\text{level}_{m,s} \\ge R_s\\big]

and the suggested squad is the greedy set cover (Chvatal 1979, *Math. of Operations Research*
4(3): a ln(n)-approximation), adding the member with the largest coverage gain (ties: required
role still missing, then member id) until full coverage or the size limit.

Sources: spans and layers — Bain & Company, *Decision Effectiveness* / organisational design
(span of control, layers); competency model — Spencer & Spencer (1993), *Competence at Work*.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
from faker import Faker

__all__ = [
    "DIMENSIONS",
    "MAX_LAYERS",
    "SKILLS",
    "SQUAD_ROLES",
    "generate_org",
    "squad_coverage",
    "suggest_squad",
    "validate_org",
]

MAX_LAYERS = 3  # doc ch.13
SQUAD_ROLES = ("operations", "design", "ads")  # doc ch.13: operations + design + ads
# skill key -> (dimension, Chinese, English)
SKILLS: dict[str, tuple[str, str, str]] = {
    "ops": ("professional", "电商运营", "E-commerce operations"),
    "design": ("professional", "视觉设计", "Visual design"),
    "ads": ("professional", "广告投放", "Paid media"),
    "content": ("professional", "内容与直播", "Content & live"),
    "data": ("professional", "数据分析", "Data analysis"),
    "business": ("business", "商业洞察", "Business acumen"),
    "customer": ("business", "用户思维", "Customer insight"),
    "collab": ("soft", "协作沟通", "Collaboration"),
    "pm": ("soft", "项目管理", "Project management"),
    "learning": ("soft", "学习创新", "Learning & innovation"),
}
DIMENSIONS = {"professional": ("专业技能", "Professional skills"),
              "business": ("商业思维", "Business thinking"),
              "soft": ("软技能", "Soft skills")}  # fmt: skip
# role -> (Chinese title, English title, main skills boosted)
ROLES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "head": ("营销总监", "Head of marketing", ("business", "pm", "customer")),
    "lead": ("组长", "Team lead", ("pm", "business", "collab")),
    "operations": ("运营", "Operations", ("ops", "data")),
    "design": ("设计", "Design", ("design", "content")),
    "ads": ("投放", "Paid media", ("ads", "data")),
    "content": ("内容/直播", "Content / live", ("content", "customer")),
    "data": ("数据分析", "Data analyst", ("data", "business")),
    "crm": ("私域/CRM", "Private domain / CRM", ("customer", "ops")),
}
TEAMS = (  # team key, Chinese, English, lead's specialism, member roles
    ("shelf", "货架电商组", "Shelf commerce", "operations", ("operations", "operations", "design", "ads", "data")),
    ("interest", "内容直播组", "Content & live", "content", ("content", "content", "design", "operations", "ads")),
    ("growth", "投放增长组", "Growth & media", "ads", ("ads", "ads", "design", "data")),
    ("private", "私域会员组", "Private domain", "crm", ("crm", "crm", "content", "data")),
)  # fmt: skip
SKILLS_OF = {"operations": "ops", "content": "content", "ads": "ads", "crm": "customer"}
COLUMNS = ["member_id", "name", "role", "team", "manager_id", "start_date", *SKILLS]


def generate_org(
    seed: int, start: dt.date, days: int, *, legacy_layers: bool = False
) -> pd.DataFrame:
    """A deterministic illustrative team for a dataset (``seed``, its window ``start``/``days``).

    Most members join before the window; a few join during it (promo-season hires), which moves
    headcount over time. ``legacy_layers=True`` inserts a middle-manager layer under every lead
    (a 4-layer hierarchy, to show the layer check failing).
    """
    if days < 1:
        raise ValueError("days must be >= 1")
    rng = np.random.default_rng(seed)
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    rows: list[dict[str, Any]] = []

    def add(role: str, team: str, manager: str | None, joined: dt.date) -> str:
        mid = f"M{len(rows) + 1:02d}"
        skills = np.clip(np.round(rng.normal(2.8, 0.7, len(SKILLS))), 1, 5)
        for k in ROLES[role][2]:
            skills[list(SKILLS).index(k)] = min(5, skills[list(SKILLS).index(k)] + 1.5)
        rows.append({"member_id": mid, "name": fake.name(), "role": role, "team": team,
                     "manager_id": manager, "start_date": joined,
                     **{k: int(round(v)) for k, v in zip(SKILLS, skills, strict=True)}})  # fmt: skip
        return mid

    before = start - dt.timedelta(days=180)
    head = add("head", "leadership", None, before)
    for team, _zh, _en, spec, members in TEAMS:
        lead = add("lead", team, head, before)
        rows[-1][SKILLS_OF[spec]] = 5
        boss = add("lead", team, lead, before) if legacy_layers else lead
        for role in members:
            late = rng.random() < 0.2
            joined = start + dt.timedelta(days=int(rng.integers(0, days))) if late else before
            add(role, team, boss, joined)
    return pd.DataFrame(rows, columns=COLUMNS)


def validate_org(org: pd.DataFrame, max_layers: int = MAX_LAYERS) -> dict[str, Any]:
    """Structure check: raises ValueError on a broken tree; reports layers and violations.

    Broken: missing columns, empty, blank or duplicate ids, unknown manager, not exactly one head
    (member without manager), a reporting cycle, skill levels outside 1-5, unknown role.
    Returns ``layers`` (max depth), ``depth`` per member, ``violations`` (members deeper than
    ``max_layers``), ``span`` (direct reports per manager) and ``ok``.
    """
    missing = [c for c in ("member_id", "manager_id", "role") if c not in org.columns]
    if missing:
        raise ValueError(f"org table misses columns {missing}")
    if org.empty:
        raise ValueError("the org is empty")
    ids = org["member_id"].astype("string").str.strip()
    if ids.isna().any() or (ids == "").any():
        raise ValueError("every member needs a member_id")
    dup = ids[ids.duplicated()].unique().tolist()
    if dup:
        raise ValueError(f"duplicate member_id {dup}")
    mgr = org["manager_id"].astype("string").str.strip().replace("", pd.NA)
    unknown = sorted(set(mgr.dropna()) - set(ids))
    if unknown:
        raise ValueError(f"manager_id not found among members: {unknown}")
    roots = ids[mgr.isna().to_numpy()].tolist()
    if len(roots) != 1:
        raise ValueError(
            f"the org needs exactly one head (no manager); found {len(roots)}: {roots}"
        )
    bad_roles = sorted(set(org["role"].dropna()) - set(ROLES))
    if bad_roles:
        raise ValueError(f"unknown role(s) {bad_roles}; use {', '.join(ROLES)}")
    for s in SKILLS:
        if s in org.columns:
            v = pd.to_numeric(org[s], errors="coerce")
            if v.isna().any() or ((v < 1) | (v > 5)).any():
                raise ValueError(f"skill {s!r} must be a number from 1 to 5 for every member")
    parent = dict(zip(ids, mgr, strict=True))
    depth: dict[str, int] = {}
    for m in ids:
        seen, cur, d = set(), m, 0
        while cur is not pd.NA and cur is not None and not pd.isna(cur):
            if cur in seen:
                raise ValueError(f"reporting cycle through {sorted(seen)}")
            if cur in depth:
                d += depth[cur]
                break
            seen.add(cur)
            d += 1
            cur = parent[cur]
        depth[m] = d
    dep = pd.Series(depth, name="layer")
    span = mgr.dropna().value_counts().rename("direct_reports")
    viol = dep[dep > max_layers]
    return {"layers": int(dep.max()), "depth": dep, "violations": viol.index.tolist(),
            "span": span, "ok": bool(len(viol) == 0), "max_layers": max_layers}  # fmt: skip


def squad_coverage(squad: pd.DataFrame, required: dict[str, int]) -> dict[str, Any]:
    """Skills coverage (module formula) and whether operations, design and ads are all present."""
    bad = [s for s in required if s not in SKILLS]
    if bad:
        raise ValueError(f"unknown skill(s) {bad}")
    if not required:
        raise ValueError("choose at least one required skill")
    best = {s: int(squad[s].max()) if len(squad) else 0 for s in required}
    met = {s: best[s] >= lvl for s, lvl in required.items()}
    roles = set(squad["role"]) if len(squad) else set()
    missing_roles = [r for r in SQUAD_ROLES if r not in roles]
    return {"coverage": sum(met.values()) / len(required), "best": best, "met": met,
            "missing_roles": missing_roles}  # fmt: skip


def suggest_squad(org: pd.DataFrame, required: dict[str, int], size: int) -> list[str]:
    """Greedy set cover of the required skills (module docstring) with at most ``size`` members."""
    if not 1 <= size <= len(org):
        raise ValueError(f"squad size must be within [1, {len(org)}], got {size}")
    pool = org[~org["role"].isin(["head"])].sort_values("member_id")
    chosen: list[str] = []
    covered: set[str] = set()
    while len(chosen) < size:
        roles = set(pool.loc[pool["member_id"].isin(chosen), "role"])
        best, best_key = None, None
        for r in pool[~pool["member_id"].isin(chosen)].itertuples(index=False):
            gain = sum(
                1 for s, lvl in required.items() if s not in covered and getattr(r, s) >= lvl
            )
            role_gain = int(r.role in SQUAD_ROLES and r.role not in roles)
            key = (gain, role_gain, sum(getattr(r, s) for s in required))
            if best_key is None or key > best_key:
                best, best_key = r, key
        if best is None or (best_key[0] == 0 and best_key[1] == 0):
            break
        chosen.append(best.member_id)
        covered |= {s for s, lvl in required.items() if getattr(best, s) >= lvl}
    return chosen


def competency(org: pd.DataFrame) -> pd.DataFrame:
    """Mean skill level per member and competency dimension (1-5)."""
    out = org[["member_id"]].copy()
    for dim in DIMENSIONS:
        cols = [s for s, v in SKILLS.items() if v[0] == dim]
        out[dim] = org[cols].astype(float).mean(axis=1)
    return out
