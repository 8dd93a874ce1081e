"""OneID: resolve the records of many source systems (CRM, Tmall, JD, Douyin, ...) into persons.

Records carry some of: phone, e-mail, device id, the source's own account id (``platform_uid``)
and a name. Resolution links records by rules, merges linked records with a union-find, and is
scored on record pairs against a ground truth when one exists.

Rules, in the order they are applied (each link is logged with its rule):

1. ``platform_uid`` (exact): the same account seen twice is one person.
2. ``phone`` (exact, normalised to digits without the +86 prefix) and ``email`` (exact,
   lower-cased): deterministic identifiers.
3. ``phone~`` fuzzy: two phones within edit distance 1 (one wrong, missing, extra or swapped digit)
   *and* corroborating evidence on the two records: the same device, the same e-mail, an e-mail
   within distance 1, or the same name. ``email~`` likewise for e-mails within distance 1,
   corroborated by device, phone or name. A typo alone never merges two persons.
4. ``device``: the clusters using a device are merged into its main user (the cluster with most
   records on it) when they do not conflict, i.e. do not both hold phones (or both hold e-mails)
   with no pair of values equal or one typo apart (a shared device then corroborates a typo). A
   cluster with neither phone nor e-mail joins only if the main user has strictly more records on
   the device than any conflicting cluster (a household device); devices used by more than
   ``max_device_persons`` conflicting clusters (a store terminal) are ignored. Devices are
   processed in sorted order, so the result is deterministic.

Candidate pairs for the fuzzy rules come from a deletion neighbourhood (SymSpell; Garbe 2012): every
string and its one-character deletions are keys, and two strings within optimal string alignment
distance 1 (substitution, insertion, deletion or adjacent transposition; Damerau 1964) share a key.
Union-find with path halving and union by size (Tarjan 1975, *J. ACM* 22(2), 215-225).

Scoring on record pairs (Christen 2012, *Data Matching*, ch. 7): with ``n_c`` records in a
resolved cluster, ``n_u`` records of a true person and ``n_cu`` in both,
``precision = sum C(n_cu, 2) / sum C(n_c, 2)`` and ``recall = sum C(n_cu, 2) / sum C(n_u, 2)``.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "Resolution",
    "UnionFind",
    "identity_graph",
    "linkable_recall",
    "merge_stats",
    "normalise_email",
    "normalise_phone",
    "osa_distance_le1",
    "pair_scores",
    "resolve",
]

_DIGITS = re.compile(r"\D")


class UnionFind:
    """Disjoint sets over ``0..n-1`` with path halving and union by size."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.size = [1] * n

    def find(self, i: int) -> int:
        """Root of ``i``'s set."""
        p = self.parent
        while p[i] != i:
            p[i] = p[p[i]]
            i = p[i]
        return i

    def union(self, a: int, b: int) -> int:
        """Merge the sets of ``a`` and ``b``; returns the new root."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return ra
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        return ra

    def labels(self) -> np.ndarray:
        """Root of every element."""
        return np.array([self.find(i) for i in range(len(self.parent))], dtype=np.int64)


def _positions(values: list) -> dict[str, list[int]]:
    """Positions of each non-null value, in order of first appearance."""
    out: dict[str, list[int]] = {}
    for i, v in enumerate(values):
        if v is not None:
            out.setdefault(v, []).append(i)
    return out


def normalise_phone(x: object) -> str | None:
    """Digits only, a leading 86/0086 country code dropped; None when fewer than 7 digits."""
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return None
    d = _DIGITS.sub("", str(x))
    if d.startswith("0086"):
        d = d[4:]
    elif d.startswith("86") and len(d) == 13:
        d = d[2:]
    return d if len(d) >= 7 else None


def normalise_email(x: object) -> str | None:
    """Trimmed and lower-cased; None unless it looks like ``local@domain``."""
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return None
    e = str(x).strip().lower()
    return e if e.count("@") == 1 and not e.startswith("@") and not e.endswith("@") else None


def osa_distance_le1(a: str, b: str) -> bool:
    """Whether the optimal string alignment distance of ``a`` and ``b`` is at most 1."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and (a[diff[1]] == b[diff[0]])
        )
    if la > lb:
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :]


def _fuzzy_pairs(values: list[str]) -> set[tuple[int, int]]:
    """Index pairs of distinct values within OSA distance 1 (deletion-neighbourhood blocking)."""
    buckets: dict[str, list[int]] = {}
    for i, v in enumerate(values):
        for key in {v, *(v[:k] + v[k + 1 :] for k in range(len(v)))}:
            b = buckets.get(key)
            if b is None:
                buckets[key] = [i]
            else:
                b.append(i)
    out: set[tuple[int, int]] = set()
    for idx in buckets.values():
        if len(idx) < 2 or len(idx) > 50:  # a key shared by very many values carries no signal
            continue
        for x in range(len(idx)):
            for y in range(x + 1, len(idx)):
                i, j = idx[x], idx[y]
                if i != j and values[i] != values[j] and osa_distance_le1(values[i], values[j]):
                    out.add((min(i, j), max(i, j)))
    return out


@dataclass
class Resolution:
    """Result of :func:`resolve`: a person id per record and the log of links that merged."""

    person: pd.Series  # indexed like the input records: resolved person id (0..P-1)
    links: pd.DataFrame  # a, b (record positions), rule


def _clean(records: pd.DataFrame) -> pd.DataFrame:
    need = {"phone", "email", "device_id"}
    miss = need - set(records.columns)
    if miss:
        raise ValueError(f"identity records need columns {sorted(miss)}")

    def obj(values: list) -> list:
        return [None if v is None or v != v else str(v) for v in values]

    cols = {
        "phone": [normalise_phone(x) for x in records["phone"].tolist()],
        "email": [normalise_email(x) for x in records["email"].tolist()],
        "device": obj(records["device_id"].tolist()),
    }
    for col in ("platform_uid", "name"):
        cols[col] = obj(records[col].tolist()) if col in records.columns else [None] * len(records)
    return pd.DataFrame(cols, dtype=object)


def resolve(
    records: pd.DataFrame,
    *,
    fuzzy: bool = True,
    device_links: bool = True,
    max_device_persons: int = 2,
) -> Resolution:
    """Resolve records into persons with the rules of the module docstring."""
    r = _clean(records)
    n = len(r)
    uf = UnionFind(n)
    links: list[tuple[int, int, str]] = []

    def link(a: int, b: int, rule: str) -> None:
        if uf.find(a) != uf.find(b):
            uf.union(a, b)
            links.append((a, b, rule))

    cols = {c: r[c].tolist() for c in ("platform_uid", "phone", "email", "device", "name")}
    for col in ("platform_uid", "phone", "email"):
        for idx in _positions(cols[col]).values():
            for j in idx[1:]:
                link(idx[0], j, col)

    if fuzzy:
        phones, emails, devices, names = (cols[c] for c in ("phone", "email", "device", "name"))

        def same(arr: list, i: int, j: int) -> bool:
            return arr[i] is not None and arr[i] == arr[j]

        for col, rule, other in (("phone", "phone~", "email"), ("email", "email~", "phone")):
            pos = _positions(cols[col])
            uniq = list(pos)
            oth = phones if other == "phone" else emails
            for a, b in sorted(_fuzzy_pairs(uniq)):
                for i in pos[uniq[a]]:
                    for j in pos[uniq[b]]:
                        near = (
                            other == "email"
                            and emails[i] is not None
                            and emails[j] is not None
                            and osa_distance_le1(emails[i], emails[j])
                        )
                        if same(devices, i, j) or same(oth, i, j) or same(names, i, j) or near:
                            link(int(i), int(j), rule)

    if device_links:
        _device_links(cols, uf, link, max_device_persons)

    lab = uf.labels()
    person = pd.Series(pd.factorize(lab)[0], index=records.index, name="person")
    log = pd.DataFrame(links, columns=["a", "b", "rule"])
    return Resolution(person, log)


def _device_links(cols: dict[str, list], uf: UnionFind, link, max_persons: int) -> None:
    """Merge clusters sharing a device unless their phones or e-mails conflict (see module)."""
    phones: dict[int, set[str]] = defaultdict(set)
    emails: dict[int, set[str]] = defaultdict(set)
    for i, (p, e) in enumerate(zip(cols["phone"], cols["email"], strict=True)):
        root = uf.find(i)
        if p is not None:
            phones[root].add(p)
        if e is not None:
            emails[root].add(e)

    def clash(x: set[str], y: set[str]) -> bool:
        # both clusters hold values and none of them is equal or one typo apart
        return bool(x and y and not any(osa_distance_le1(u, v) for u in x for v in y))

    def conflict(a: int, b: int) -> bool:
        return clash(phones[a], phones[b]) or clash(emails[a], emails[b])

    for _, idx in sorted(_positions(cols["device"]).items()):
        count = Counter(uf.find(i) for i in idx)  # records per cluster on this device
        if len(count) < 2:
            continue
        order = sorted(count, key=lambda x: (-count[x], x))
        owner, others = order[0], []
        for x in order[1:]:
            if conflict(owner, x):
                others.append(x)
        if len(others) + 1 > max_persons:  # a terminal shared by many people: no evidence
            continue
        rival = max((count[x] for x in others), default=0)
        for x in order[1:]:
            if x in others:
                continue
            floating = not phones[x] and not emails[x]
            if floating and count[owner] <= rival:
                continue  # cannot tell which of the device's people this record belongs to
            a_, b_ = uf.find(owner), uf.find(x)
            if a_ != b_ and not conflict(a_, b_):
                link(a_, b_, "device")
                new = uf.find(a_)
                phones[new] = phones.pop(a_, set()) | phones.pop(b_, set())
                emails[new] = emails.pop(a_, set()) | emails.pop(b_, set())
                owner = new


def _pairs(counts: np.ndarray) -> int:
    c = np.asarray(counts, dtype=np.int64)
    return int((c * (c - 1) // 2).sum())


def pair_scores(person: pd.Series | np.ndarray, truth: pd.Series | np.ndarray) -> dict[str, float]:
    """Pairwise precision, recall and F1 of a resolution against true person ids."""
    df = pd.DataFrame({"p": np.asarray(person), "t": np.asarray(truth)})
    both = _pairs(df.groupby(["p", "t"]).size().to_numpy())
    pred = _pairs(df.groupby("p").size().to_numpy())
    true = _pairs(df.groupby("t").size().to_numpy())
    precision = both / pred if pred else 1.0
    recall = both / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "true_pairs": true,
            "predicted_pairs": pred, "correct_pairs": both}  # fmt: skip


def linkable_recall(records: pd.DataFrame, truth: str = "user_id") -> float:
    """Recall ceiling: the pairwise recall of an oracle that knows the true person and links two
    of a person's records whenever they share a phone or e-mail (up to one typo) or a device.

    Records with no phone, no e-mail and a device no other record of the person uses cannot be
    linked by any rule, so no resolver can beat this without outside evidence.
    """
    r = _clean(records)
    uf = UnionFind(len(r))
    cols = {c: r[c].tolist() for c in ("phone", "email", "device")}
    for idx in pd.Series(np.arange(len(r))).groupby(records[truth].to_numpy()).groups.values():
        idx = [int(i) for i in idx]
        for a, i in enumerate(idx):
            for j in idx[a + 1 :]:
                for c, v in cols.items():
                    x, y = v[i], v[j]
                    if (
                        x is not None
                        and y is not None
                        and (x == y or (c != "device" and osa_distance_le1(x, y)))
                    ):
                        uf.union(i, j)
                        break
    return pair_scores(uf.labels(), records[truth])["recall"]


def merge_stats(records: pd.DataFrame, res: Resolution) -> dict[str, object]:
    """Records, persons, records per person, sources per person and links by rule."""
    size = res.person.value_counts()
    src = (
        records.assign(person=res.person).groupby("person")["source"].nunique()
        if "source" in records.columns
        else pd.Series(dtype=float)
    )
    return {
        "records": int(len(records)),
        "persons": int(res.person.nunique()),
        "merge_ratio": float(len(records) / max(res.person.nunique(), 1)),
        "size_hist": size.value_counts().sort_index(),
        "sources_per_person": float(src.mean()) if len(src) else float("nan"),
        "links_by_rule": res.links["rule"].value_counts(),
    }


def identity_graph(
    records: pd.DataFrame, res: Resolution, person: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Nodes and edges of one resolved person: records and the identifiers that link them.

    Nodes: one per record (``kind`` = its source) and one per distinct phone, e-mail and device;
    edges: record -> identifier it carries, plus the fuzzy/device links that merged the cluster.
    """
    r = _clean(records)
    pos = np.flatnonzero(res.person.to_numpy() == person)
    nodes, edges = [], []
    for i in pos:
        src = records["source"].iloc[i] if "source" in records.columns else "record"
        rid = records["record_id"].iloc[i] if "record_id" in records.columns else i
        nodes.append({"node": f"r{i}", "label": f"{src} #{rid}", "kind": "record"})
        for col in ("phone", "email", "device"):
            v = r.at[i, col]
            if v is not None and not pd.isna(v):
                edges.append({"a": f"r{i}", "b": f"{col}:{v}", "rule": col})
    ids = sorted({e["b"] for e in edges})
    nodes += [{"node": x, "label": _mask(x), "kind": x.split(":")[0]} for x in ids]
    inside = set(pos.tolist())
    for a, b, rule in res.links.itertuples(index=False):
        if rule in {"phone~", "email~", "device"} and a in inside and b in inside:
            edges.append({"a": f"r{a}", "b": f"r{b}", "rule": rule})
    return pd.DataFrame(nodes), pd.DataFrame(edges, columns=["a", "b", "rule"])


def _mask(node: str) -> str:
    """Display form of an identifier with the middle masked (privacy)."""
    kind, v = node.split(":", 1)
    if kind == "phone" and len(v) >= 7:
        return f"☎ {v[:3]}****{v[-4:]}"
    if kind == "email":
        local, _, dom = v.partition("@")
        return f"✉ {local[:2]}***@{dom}"
    return f"📱 {v}"
