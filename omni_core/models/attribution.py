r"""Multi-touch attribution of conversions and conversion value to marketing channels.

Every model distributes, for each customer journey (a *path* of channel touches), the
journey's conversions and conversion value over the channels it touched, then sums over
journeys.  For every model the attributed totals equal the input totals:

.. math::

    \sum_c A^{conv}_c = \sum_p \mathrm{conv}_p, \qquad
    \sum_c A^{value}_c = \sum_p \mathrm{value}_p .

Models (``MODELS``): ``first_touch``, ``last_touch``, ``linear``, ``time_decay`` and
``position_based`` (rule-based heuristics, see Kannan, Reinartz & Verhoef 2016 and the
ChannelAttribution ``heuristic_models``), ``markov`` (removal effects of an absorbing
k-order Markov chain, Anderl et al. 2016, solved exactly with linear algebra) and
``shapley`` (exact Shapley value of a coalition game over channels, Shapley 1953;
Zhao, Mahboobi & Bagheri 2018).

Input frame ``paths`` (one row per distinct journey):

* ``path`` -- list/tuple/array of channel names in touch order, or a string
  ``"a > b > c"`` (ChannelAttribution's format; tokens are split on ``sep`` and stripped);
* ``conversions`` -- number of converting journeys with that path;
* ``value`` -- total conversion value of those journeys (optional, missing -> 0);
* ``nulls`` -- number of non-converting journeys with that path (optional, missing -> 0;
  only the Markov model and the ``conversion_rate`` Shapley game use it);
* ``times`` -- optional, per touch hours before conversion (``time_decay`` only).

Channel names are converted to ``str``; results have one row per channel, sorted by name.

References
----------
Anderl, E., Becker, I., von Wangenheim, F. & Schumann, J. H. (2016). Mapping the customer
journey: Lessons learned from graph-based online attribution modeling. *International
Journal of Research in Marketing* 33(3), 457-474.
Altomare, D. & Loris, D. ChannelAttribution: Markov model for online multi-channel
attribution (R / Python package, GPL-3).
Kannan, P. K., Reinartz, W. & Verhoef, P. C. (2016). The path to purchase and attribution
modeling: Introduction to special section. *IJRM* 33(3), 449-456.
Kemeny, J. G. & Snell, J. L. (1960). *Finite Markov Chains*. Van Nostrand (ch. III,
absorbing chains and the fundamental matrix).
Shapley, L. S. (1953). A value for n-person games. *Contributions to the Theory of Games*
II, 307-317.
Zhao, K., Mahboobi, S. H. & Bagheri, S. R. (2018). Shapley value methods for attribution
modeling in online advertising. arXiv:1804.05327.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.linalg import gmres, splu

__all__ = [
    "MODELS",
    "SHAPLEY_MAX_CHANNELS",
    "attribute",
    "compare",
    "markov_removal_effects",
    "transition_matrix",
]

MODELS: tuple[str, ...] = (
    "first_touch",
    "last_touch",
    "linear",
    "time_decay",
    "position_based",
    "markov",
    "shapley",
)
SHAPLEY_MAX_CHANNELS = 15
DEFAULT_HALF_LIFE_TOUCHES = 1.0
DEFAULT_HALF_LIFE_HOURS = 168.0  # 7 days, the Google Analytics time-decay default

START = "(start)"
CONVERSION = "(conversion)"
NULL = "(null)"

_MODEL_PARAMS: dict[str, frozenset[str]] = {
    "first_touch": frozenset({"sep"}),
    "last_touch": frozenset({"sep"}),
    "linear": frozenset({"sep"}),
    "time_decay": frozenset({"sep", "half_life", "use_times"}),
    "position_based": frozenset({"sep", "first", "last"}),
    "markov": frozenset({"sep", "order", "remove_loops", "pad_start", "value_method"}),
    "shapley": frozenset({"sep", "characteristic"}),
}
_ALIASES = {
    "first": "first_touch",
    "last": "last_touch",
    "linear_touch": "linear",
    "position": "position_based",
    "u_shaped": "position_based",
}
_DENSE_SOLVE_MAX = 200
_GMRES_RTOL = 1e-13


# --------------------------------------------------------------------------------------
# Input parsing
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Journeys:
    """Flattened journeys: per-touch channel codes plus per-path counts."""

    channels: np.ndarray  # sorted unique channel names (object)
    codes: np.ndarray  # int64, one per touch, index into channels
    lengths: np.ndarray  # int64, touches per path (>= 1)
    conversions: np.ndarray  # float64 per path
    nulls: np.ndarray  # float64 per path
    value: np.ndarray  # float64 per path
    has_nulls: bool
    times: np.ndarray | None = None  # float64 per touch (hours before conversion)

    @property
    def starts(self) -> np.ndarray:
        return np.concatenate(([0], np.cumsum(self.lengths)[:-1])).astype(np.int64)

    @property
    def path_id(self) -> np.ndarray:
        return np.repeat(np.arange(len(self.lengths), dtype=np.int64), self.lengths)

    @property
    def pos(self) -> np.ndarray:
        return np.arange(len(self.codes), dtype=np.int64) - np.repeat(self.starts, self.lengths)


def _tokens(p: object, sep: str, row: int) -> list[str]:
    if isinstance(p, str):
        toks = [t.strip() for t in p.split(sep)]
        toks = [t for t in toks if t]
    elif isinstance(p, list | tuple | np.ndarray | pd.Series):
        toks = []
        for t in p:
            if t is None or (isinstance(t, float) and math.isnan(t)):
                raise ValueError(f"paths row {row}: missing channel name inside path {p!r}")
            toks.append(t if isinstance(t, str) else str(t))
    else:
        raise ValueError(
            f"paths row {row}: 'path' must be a list/tuple of channel names or a "
            f"'{sep}'-separated string, got {type(p).__name__} {p!r}"
        )
    if not toks:
        raise ValueError(f"paths row {row}: empty path {p!r}")
    return toks


def _numeric(df: pd.DataFrame, name: str, *, required: bool) -> tuple[np.ndarray, bool]:
    if name not in df.columns:
        if required:
            raise ValueError(
                f"paths is missing the required column {name!r} (has {list(df.columns)})"
            )
        return np.zeros(len(df)), False
    raw = df[name]
    num = pd.to_numeric(raw, errors="coerce")
    bad = num.isna() & ~raw.isna()
    if bad.any():
        raise ValueError(f"column {name!r} has non-numeric entries, e.g. {raw[bad].iloc[0]!r}")
    arr = num.to_numpy(dtype=float, na_value=np.nan)
    if np.isnan(arr).any():
        if required:
            raise ValueError(f"column {name!r} has missing values")
        arr = np.nan_to_num(arr, nan=0.0)
    if not np.isfinite(arr).all():
        raise ValueError(f"column {name!r} has infinite values")
    if (arr < 0).any():
        i = int(np.flatnonzero(arr < 0)[0])
        raise ValueError(f"column {name!r} must be >= 0; row {i} has {arr[i]!r}")
    return arr, True


def _parse(paths: pd.DataFrame, sep: str = ">", *, want_times: bool | None = False) -> _Journeys:
    if not isinstance(paths, pd.DataFrame):
        raise TypeError(f"paths must be a pandas DataFrame, got {type(paths).__name__}")
    if "path" not in paths.columns:
        raise ValueError(f"paths is missing the required column 'path' (has {list(paths.columns)})")
    if "conversions" not in paths.columns:
        raise ValueError(
            f"paths is missing the required column 'conversions' (has {list(paths.columns)})"
        )
    if len(paths) == 0:
        raise ValueError("paths is empty: at least one journey is needed")
    if not isinstance(sep, str) or not sep:
        raise ValueError("sep must be a non-empty string")
    conv, _ = _numeric(paths, "conversions", required=True)
    nulls, has_nulls = _numeric(paths, "nulls", required=False)
    value, _ = _numeric(paths, "value", required=False)

    lengths = np.empty(len(paths), dtype=np.int64)
    flat: list[str] = []
    for i, p in enumerate(paths["path"].tolist()):
        toks = _tokens(p, sep, i)
        lengths[i] = len(toks)
        flat.extend(toks)
    codes, uniques = pd.factorize(np.asarray(flat, dtype=object), sort=True)

    times = None
    use = want_times if want_times is not None else ("times" in paths.columns)
    if use:
        if "times" not in paths.columns:
            raise ValueError("use_times=True but paths has no 'times' column")
        times = _parse_times(paths["times"].tolist(), lengths, sep)
    return _Journeys(
        channels=np.asarray(uniques, dtype=object),
        codes=codes.astype(np.int64),
        lengths=lengths,
        conversions=conv,
        nulls=nulls,
        value=value,
        has_nulls=has_nulls,
        times=times,
    )


def _parse_times(col: list, lengths: np.ndarray, sep: str) -> np.ndarray:
    out: list[float] = []
    for i, (t, n) in enumerate(zip(col, lengths, strict=True)):
        vals = [float(x) for x in t.split(sep)] if isinstance(t, str) else [float(x) for x in t]
        if len(vals) != n:
            raise ValueError(f"paths row {i}: 'times' has {len(vals)} entries but path has {n}")
        out.extend(vals)
    arr = np.asarray(out, dtype=float)
    if not np.isfinite(arr).all() or (arr < 0).any():
        raise ValueError("'times' must be finite hours-before-conversion >= 0")
    return arr


def _collapse_repeats(j: _Journeys) -> _Journeys:
    """Drop a touch when it repeats the previous touch's channel within the same path."""
    pid = j.path_id
    keep = np.ones(len(j.codes), dtype=bool)
    keep[1:] = (j.codes[1:] != j.codes[:-1]) | (pid[1:] != pid[:-1])
    lengths = np.bincount(pid[keep], minlength=len(j.lengths)).astype(np.int64)
    times = None if j.times is None else j.times[keep]
    return replace(j, codes=j.codes[keep], lengths=lengths, times=times)


def _frame(j: _Journeys, conv: np.ndarray, value: np.ndarray) -> pd.DataFrame:
    idx = pd.Index(j.channels.tolist(), name="channel")
    return pd.DataFrame(
        {"conversions": np.asarray(conv, dtype=float), "value": np.asarray(value, dtype=float)},
        index=idx,
    )


def _from_touch_weights(j: _Journeys, w: np.ndarray) -> pd.DataFrame:
    """Attribute with per-touch weights ``w`` that sum to one within every path."""
    pid = j.path_id
    n = len(j.channels)
    conv = np.bincount(j.codes, weights=w * j.conversions[pid], minlength=n)
    val = np.bincount(j.codes, weights=w * j.value[pid], minlength=n)
    return _frame(j, conv, val)


# --------------------------------------------------------------------------------------
# Rule-based models
# --------------------------------------------------------------------------------------


def _first_touch(j: _Journeys) -> pd.DataFrame:
    return _from_touch_weights(j, (j.pos == 0).astype(float))


def _last_touch(j: _Journeys) -> pd.DataFrame:
    return _from_touch_weights(j, (j.pos == j.lengths[j.path_id] - 1).astype(float))


def _linear(j: _Journeys) -> pd.DataFrame:
    return _from_touch_weights(j, 1.0 / j.lengths[j.path_id])


def _time_decay(
    j: _Journeys, half_life: float | None = None, use_times: bool | None = None
) -> pd.DataFrame:
    if use_times is False or j.times is None:
        if use_times:
            raise ValueError("use_times=True but paths has no 'times' column")
        age = (j.lengths[j.path_id] - 1 - j.pos).astype(float)  # touches before conversion
        default = DEFAULT_HALF_LIFE_TOUCHES
    else:
        age = j.times
        default = DEFAULT_HALF_LIFE_HOURS
    h = default if half_life is None else float(half_life)
    if not (np.isfinite(h) and h > 0):
        raise ValueError(f"half_life must be a positive number, got {half_life!r}")
    starts = j.starts
    # Shift by the youngest touch of each path so the largest weight is exactly 1.
    age = age - np.repeat(np.minimum.reduceat(age, starts), j.lengths)
    raw = np.exp2(-age / h)
    norm = np.bincount(j.path_id, weights=raw, minlength=len(j.lengths))
    return _from_touch_weights(j, raw / norm[j.path_id])


def _position_based(j: _Journeys, first: float = 0.4, last: float = 0.4) -> pd.DataFrame:
    first, last = float(first), float(last)
    if not (first >= 0 and last >= 0 and first + last <= 1 + 1e-12):
        raise ValueError(
            f"position_based needs first >= 0, last >= 0 and first + last <= 1; "
            f"got first={first}, last={last}"
        )
    length = j.lengths[j.path_id]
    pos = j.pos
    middle = max(0.0, 1.0 - first - last)
    w = np.where(length > 2, middle / np.maximum(length - 2, 1), 0.0)
    w = np.where(pos == 0, first, w)
    w = np.where(pos == length - 1, last, w)
    ends = first + last
    f2, l2 = (first / ends, last / ends) if ends > 0 else (0.5, 0.5)
    w = np.where(length == 2, np.where(pos == 0, f2, l2), w)
    w = np.where(length == 1, 1.0, w)
    return _from_touch_weights(j, w)


# --------------------------------------------------------------------------------------
# Markov chain model
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Chain:
    """Absorbing chain: transient states 0 (start) .. S, absorbing conversion and null."""

    digits: np.ndarray  # (S+1, order): channel code + 1 of each history slot, 0 = padding
    counts: sp.csr_matrix  # (S+1, S+1) weighted transient -> transient transition counts
    conv_counts: np.ndarray  # (S+1,) weighted transitions into (conversion)
    null_counts: np.ndarray  # (S+1,) weighted transitions into (null)
    value_per_conv: np.ndarray  # (S+1,) mean conversion value of conversions leaving s
    pad_start: bool

    @property
    def n_states(self) -> int:
        return self.digits.shape[0]

    @property
    def out(self) -> np.ndarray:
        return np.asarray(self.counts.sum(axis=1)).ravel() + self.conv_counts + self.null_counts

    @property
    def q(self) -> sp.csr_matrix:
        out = self.out
        inv = np.divide(1.0, out, out=np.zeros_like(out), where=out > 0)
        return sp.diags(inv) @ self.counts

    @property
    def r_conv(self) -> np.ndarray:
        out = self.out
        return np.divide(self.conv_counts, out, out=np.zeros_like(out), where=out > 0)

    @property
    def r_null(self) -> np.ndarray:
        out = self.out
        return np.divide(self.null_counts, out, out=np.zeros_like(out), where=out > 0)


def _check_order(order: object) -> int:
    if isinstance(order, bool) or not isinstance(order, int | np.integer) or order < 1:
        raise ValueError(f"order must be an integer >= 1, got {order!r}")
    return int(order)


def _build_chain(
    j: _Journeys, order: int = 1, pad_start: bool = True, remove_loops: bool = False
) -> _Chain | None:
    order = _check_order(order)
    if remove_loops:
        j = _collapse_repeats(j)
    w_path = j.conversions + j.nulls
    pid = j.path_id
    pos = j.pos
    lengths = j.lengths
    n_touch = len(j.codes)
    # History digits: column order-1 is the current channel, column order-1-d is d touches ago.
    digits = np.zeros((n_touch, order), dtype=np.int64)
    idx = np.arange(n_touch)
    for d in range(order):
        ok = pos >= d
        digits[ok, order - 1 - d] = j.codes[idx[ok] - d] + 1
    sel = w_path[pid] > 0
    if not pad_start:
        # ChannelAttribution: sliding windows of `order` touches; a path shorter than the
        # order is a single state made of the whole path.
        length = lengths[pid]
        sel &= (pos >= order - 1) | ((length < order) & (pos == length - 1))
    if not sel.any():
        return None
    dsel = digits[sel]
    psel = pid[sel]
    base = len(j.channels) + 1
    if order * math.log2(base) < 62:
        keys = dsel @ (base ** np.arange(order - 1, -1, -1, dtype=np.int64))
        _, first_idx, inv = np.unique(keys, return_index=True, return_inverse=True)
    else:
        _, first_idx, inv = np.unique(dsel, axis=0, return_index=True, return_inverse=True)
    sid = inv.reshape(-1).astype(np.int64) + 1  # 0 is the start state
    state_digits = np.vstack([np.zeros((1, order), dtype=np.int64), dsel[first_idx]])
    if not pad_start:
        # ChannelAttribution drops a state identical to the previous one (a self-loop);
        # absorption probabilities do not depend on self-loops.
        dup = np.zeros(len(sid), dtype=bool)
        dup[1:] = (sid[1:] == sid[:-1]) & (psel[1:] == psel[:-1])
        sid, psel = sid[~dup], psel[~dup]
    new_path = np.ones(len(sid), dtype=bool)
    new_path[1:] = psel[1:] != psel[:-1]
    end_path = np.ones(len(sid), dtype=bool)
    end_path[:-1] = new_path[1:]
    prev = np.empty_like(sid)
    prev[0] = 0
    prev[1:] = sid[:-1]
    prev[new_path] = 0
    n_states = state_digits.shape[0]
    counts = sp.coo_matrix((w_path[psel], (prev, sid)), shape=(n_states, n_states)).tocsr()
    counts.sum_duplicates()
    last_state = sid[end_path]
    last_path = psel[end_path]
    conv = j.conversions[last_path]
    conv_counts = np.bincount(last_state, weights=conv, minlength=n_states)
    null_counts = np.bincount(last_state, weights=j.nulls[last_path], minlength=n_states)
    val_counts = np.bincount(
        last_state, weights=np.where(conv > 0, j.value[last_path], 0.0), minlength=n_states
    )
    vpc = np.divide(val_counts, conv_counts, out=np.zeros(n_states), where=conv_counts > 0)
    return _Chain(state_digits, counts, conv_counts, null_counts, vpc, pad_start)


def _expected_visits(q: sp.csr_matrix, keep: np.ndarray) -> np.ndarray:
    """Expected visits to each kept transient state from start: solve (I - Q_kk)^T x = e_0."""
    idx = np.flatnonzero(keep)
    qk = q[idx][:, idx]
    m = len(idx)
    rhs = np.zeros(m)
    rhs[0] = 1.0  # start state is always kept and is state 0
    if m <= _DENSE_SOLVE_MAX:
        a = np.eye(m) - qk.toarray()
        xk = np.linalg.solve(a.T, rhs)
    else:
        a = (sp.identity(m, format="csr") - qk).T.tocsr()
        xk, info = gmres(a, rhs, rtol=_GMRES_RTOL, atol=0.0, restart=min(m, 100), maxiter=200)
        if info != 0 or np.abs(a @ xk - rhs).max() > 10 * _GMRES_RTOL:
            # Slow Krylov convergence (very long expected journeys): direct sparse LU.
            xk = splu(a.tocsc()).solve(rhs)
    x = np.zeros(len(keep))
    x[idx] = xk
    return x


def _removal_effects(chain: _Chain, n_channels: int) -> tuple[np.ndarray, np.ndarray]:
    """Removal effects (conversion-based, value-based) for channel codes 0..n-1."""
    q = chain.q
    rc = chain.r_conv
    rv = rc * chain.value_per_conv
    keep_all = np.ones(chain.n_states, dtype=bool)
    x = _expected_visits(q, keep_all)
    p_conv = float(x @ rc)
    p_val = float(x @ rv)
    re_c = np.zeros(n_channels)
    re_v = np.zeros(n_channels)
    for c in range(n_channels):
        contains = (chain.digits == c + 1).any(axis=1)
        if not contains.any():
            continue
        xc = _expected_visits(q, ~contains)
        if p_conv > 0:
            re_c[c] = 1.0 - float(xc @ rc) / p_conv
        if p_val > 0:
            re_v[c] = 1.0 - float(xc @ rv) / p_val
    return np.clip(re_c, 0.0, 1.0), np.clip(re_v, 0.0, 1.0)


def _share(total: float, weights: np.ndarray) -> np.ndarray:
    s = float(weights.sum())
    if total == 0 or s <= 0:
        return np.zeros_like(weights, dtype=float)
    return total * weights / s


def _markov(
    j: _Journeys,
    order: int = 1,
    remove_loops: bool = False,
    pad_start: bool = True,
    value_method: str = "last_state",
) -> pd.DataFrame:
    if value_method not in ("last_state", "conversion_share"):
        raise ValueError(
            f"value_method must be 'last_state' or 'conversion_share', got {value_method!r}"
        )
    n = len(j.channels)
    chain = _build_chain(j, order=order, pad_start=pad_start, remove_loops=remove_loops)
    if chain is None:
        return _frame(j, np.zeros(n), np.zeros(n))
    re_c, re_v = _removal_effects(chain, n)
    conv = _share(float(j.conversions.sum()), re_c)
    total_value = float(j.value.sum())
    if value_method == "conversion_share" or re_v.sum() <= 0:
        value = _share(total_value, re_c)
    else:
        value = _share(total_value, re_v)
    return _frame(j, conv, value)


# --------------------------------------------------------------------------------------
# Shapley value
# --------------------------------------------------------------------------------------


def _subset_sum(f: np.ndarray, n: int) -> np.ndarray:
    """Zeta transform over the subset lattice: g[S] = sum_{T subset of S} f[T]."""
    g = np.array(f, dtype=float, copy=True)
    for i in range(n):
        g3 = g.reshape(-1, 2, 1 << i)
        g3[:, 1, :] += g3[:, 0, :]
    return g


def _shapley_from_game(v: np.ndarray, n: int) -> np.ndarray:
    """Exact Shapley values of the game v (indexed by bitmask) over n players."""
    size = 1 << n
    pop = np.bitwise_count(np.arange(size, dtype=np.uint32)).astype(np.int64)
    comb = np.array([math.comb(n - 1, s) for s in range(n)] + [1], dtype=float)
    weight = 1.0 / (n * comb[np.minimum(pop, n)])  # |S|!(n-|S|-1)!/n! for S without i
    phi = np.zeros(n)
    for i in range(n):
        v3 = v.reshape(-1, 2, 1 << i)
        w3 = weight.reshape(-1, 2, 1 << i)[:, 0, :]
        phi[i] = float(((v3[:, 1, :] - v3[:, 0, :]) * w3).sum())
    return phi


def _shapley(j: _Journeys, characteristic: str = "conversions") -> pd.DataFrame:
    if characteristic not in ("conversions", "conversion_rate"):
        raise ValueError(
            f"characteristic must be 'conversions' or 'conversion_rate', got {characteristic!r}"
        )
    n = len(j.channels)
    if n > SHAPLEY_MAX_CHANNELS:
        raise ValueError(
            f"exact Shapley attribution enumerates all 2^n channel subsets and is limited to "
            f"{SHAPLEY_MAX_CHANNELS} channels; these paths have {n}. Group rare channels "
            f"or use model='markov'."
        )
    masks = np.bitwise_or.reduceat(np.left_shift(1, j.codes), j.starts)
    size = 1 << n
    conv = _subset_sum(np.bincount(masks, weights=j.conversions, minlength=size), n)
    val = _subset_sum(np.bincount(masks, weights=j.value, minlength=size), n)
    if characteristic == "conversion_rate":
        journeys = conv + _subset_sum(np.bincount(masks, weights=j.nulls, minlength=size), n)
        pos = journeys > 0
        conv = np.divide(conv, journeys, out=np.zeros(size), where=pos)
        val = np.divide(val, journeys, out=np.zeros(size), where=pos)
    phi_c = _shapley_from_game(conv, n)
    phi_v = _shapley_from_game(val, n)
    # Efficiency: sum(phi) = v(N) - v(empty) = v(N); rescale to the observed totals.
    return _frame(
        j,
        _scale(float(j.conversions.sum()), phi_c, conv[-1]),
        _scale(float(j.value.sum()), phi_v, val[-1]),
    )


def _scale(total: float, phi: np.ndarray, grand: float) -> np.ndarray:
    if total == 0 or grand == 0:
        return np.zeros_like(phi)
    return total * phi / grand


# --------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------

_IMPL = {
    "first_touch": _first_touch,
    "last_touch": _last_touch,
    "linear": _linear,
    "time_decay": _time_decay,
    "position_based": _position_based,
    "markov": _markov,
    "shapley": _shapley,
}


def _model_name(model: object) -> str:
    if isinstance(model, str):
        key = model.strip().lower().replace("-", "_").replace(" ", "_")
        key = _ALIASES.get(key, key)
        if key in _IMPL:
            return key
    raise ValueError(f"unknown attribution model {model!r}; valid models: {', '.join(MODELS)}")


def _check_params(model: str, params: dict) -> None:
    unknown = sorted(set(params) - _MODEL_PARAMS[model])
    if unknown:
        raise ValueError(
            f"unknown parameter(s) {unknown} for model {model!r}; "
            f"valid: {sorted(_MODEL_PARAMS[model])}"
        )


def _run(model: str, j: _Journeys, params: dict) -> pd.DataFrame:
    kwargs = {k: v for k, v in params.items() if k != "sep"}
    return _IMPL[model](j, **kwargs)


def attribute(paths: pd.DataFrame, model: str = "markov", **params: object) -> pd.DataFrame:
    r"""Attribute conversions and conversion value to channels with one attribution model.

    For path :math:`p` with touches :math:`c_{p,1..L_p}`, conversions :math:`C_p` and value
    :math:`V_p`, rule-based models give touch :math:`t` a weight :math:`w_{p,t}` with
    :math:`\sum_t w_{p,t} = 1` and attribute
    :math:`A^{conv}_c = \sum_p C_p \sum_{t: c_{p,t}=c} w_{p,t}` (same for value):

    * ``first_touch``: :math:`w_{p,1} = 1`; ``last_touch``: :math:`w_{p,L_p} = 1`;
    * ``linear``: :math:`w_{p,t} = 1/L_p`, repeated channels credited per occurrence
      (ChannelAttribution ``linear_touch``);
    * ``time_decay``: :math:`w_{p,t} \propto 2^{-k_{p,t}/h}` with
      :math:`k_{p,t} = L_p - t` touches before conversion (last touch k = 0) and
      ``half_life`` h (default 1 touch). If ``paths`` has a ``times`` column (per-touch
      hours before conversion) it is used for k instead and h is in hours (default 168 h,
      the 7-day half-life of Google Analytics' time-decay model); ``use_times=False``
      ignores the column;
    * ``position_based`` (U-shaped, Google Analytics): first touch ``first`` (0.4), last
      touch ``last`` (0.4), the rest :math:`(1-first-last)/(L_p-2)` to each middle touch;
      :math:`L_p = 1` gets 1; :math:`L_p = 2` gets first/(first+last) and
      last/(first+last) (50/50 by default).

    ``markov`` (Anderl et al. 2016; ChannelAttribution): an absorbing Markov chain
    (start) -> states -> (conversion)/(null) estimated from transition counts weighted by
    :math:`C_p + N_p`; with :math:`x^T = e_{start}^T (I - Q)^{-1}` (expected visits,
    Kemeny & Snell 1960) :math:`P(conv) = x^T r`, removal effect
    :math:`RE_c = 1 - P(conv \mid c\ removed) / P(conv)` where removing c sends every
    transition into a state containing c to (null), and
    :math:`A^{conv}_c = \sum_p C_p \cdot RE_c / \sum_d RE_d`. See
    :func:`markov_removal_effects` for parameters (``order``, ``remove_loops``,
    ``pad_start``, ``value_method``). Value (``value_method="last_state"``, default) is
    split by ChannelAttribution's value removal effects, in which each conversion carries
    the mean value per conversion of the state it converts from; ``"conversion_share"``
    splits value like conversions. Removal effects need ``nulls`` to be meaningful: without
    them every walk converts, :math:`P(conv) = 1` and :math:`RE_c` reduces to the
    probability that a walk of the fitted chain visits c.

    ``shapley`` (Shapley 1953; Zhao, Mahboobi & Bagheri 2018): exact Shapley values
    :math:`\phi_i = \sum_{S \subseteq N \setminus i} \frac{|S|!(n-|S|-1)!}{n!}
    (v(S \cup i) - v(S))` by enumerating all :math:`2^n` channel subsets with bitmasks
    (at most ``SHAPLEY_MAX_CHANNELS`` = 15 channels, else ``ValueError``). Characteristic
    function ``characteristic="conversions"`` (default): :math:`v(S) = \sum_{p:
    set(p) \subseteq S} C_p` (the game is a sum of unanimity games, so each path's
    conversions are split equally over its distinct channels); ``"conversion_rate"``:
    :math:`v(S) = \sum C_p / \sum (C_p + N_p)` over those paths (can give negative
    credit). Values are rescaled :math:`A_c = C_{tot} \phi_c / v(N)`; value is attributed
    with the same game built on :math:`V_p` instead of :math:`C_p`.

    Parameters
    ----------
    paths : DataFrame
        Columns ``path``, ``conversions`` and optionally ``value``, ``nulls``, ``times``
        (see the module docstring).
    model : str
        One of ``MODELS``.
    **params
        Model parameters listed above; ``sep`` (default ``">"``) splits string paths.

    Returns
    -------
    DataFrame
        Index ``channel`` (every channel in ``paths``, sorted by name), float columns
        ``conversions`` and ``value`` summing to the input totals.

    Raises
    ------
    ValueError
        Missing ``path``/``conversions`` column, empty frame or empty path, negative,
        missing or non-numeric counts, unknown model or parameter, more than
        ``SHAPLEY_MAX_CHANNELS`` channels for ``shapley``.

    References
    ----------
    Kannan, Reinartz & Verhoef (2016), IJRM 33(3) 449-456 (rule-based models); Anderl,
    Becker, von Wangenheim & Schumann (2016), IJRM 33(3) 457-474 (Markov); Altomare & Loris,
    ChannelAttribution (heuristic_models, markov_model); Kemeny & Snell (1960), Finite
    Markov Chains; Shapley (1953); Zhao, Mahboobi & Bagheri (2018), arXiv:1804.05327.
    """
    name = _model_name(model)
    _check_params(name, params)
    want_times = params.get("use_times") if name == "time_decay" else False
    j = _parse(paths, str(params.get("sep", ">")), want_times=want_times)
    return _run(name, j, params)


def compare(
    paths: pd.DataFrame, models: Iterable[str] | None = None, **params: object
) -> pd.DataFrame:
    """Run several attribution models on the same paths and stack the results.

    Each model is the one of :func:`attribute` (same formulas and sources); ``params`` are
    routed to the models that accept them (e.g. ``half_life`` to ``time_decay``, ``order``
    to ``markov``) and a parameter no selected model accepts raises ``ValueError``. With
    ``models=None`` all of ``MODELS`` are run, except that ``shapley`` is skipped with a
    warning when there are more than ``SHAPLEY_MAX_CHANNELS`` channels (asking for it
    explicitly raises instead).

    Parameters
    ----------
    paths : DataFrame
        As for :func:`attribute`.
    models : iterable of str, optional
        Model names (default: all of ``MODELS``).
    **params
        Model parameters, each passed to every selected model that accepts it.

    Returns
    -------
    DataFrame
        Long frame with a ``(channel, model)`` MultiIndex (channels sorted by name, models in
        the requested order) and columns ``conversions`` and ``value``;
        ``result["conversions"].unstack("model")`` gives the side-by-side table. Within each
        model the columns sum to the input totals.

    References
    ----------
    As :func:`attribute`.
    """
    explicit = models is not None
    names = list(MODELS) if models is None else [_model_name(m) for m in models]
    if not names:
        raise ValueError(f"models is empty; valid models: {', '.join(MODELS)}")
    names = list(dict.fromkeys(names))
    accepted = frozenset().union(*(_MODEL_PARAMS[m] for m in names))
    unknown = sorted(set(params) - accepted)
    if unknown:
        raise ValueError(f"unknown parameter(s) {unknown} for models {names}")
    want_times = params.get("use_times") if "time_decay" in names else False
    j = _parse(paths, str(params.get("sep", ">")), want_times=want_times)
    if not explicit and len(j.channels) > SHAPLEY_MAX_CHANNELS:
        warnings.warn(
            f"skipping 'shapley': {len(j.channels)} channels > {SHAPLEY_MAX_CHANNELS}",
            stacklevel=2,
        )
        names.remove("shapley")
    frames = {
        m: _run(m, j, {k: v for k, v in params.items() if k in _MODEL_PARAMS[m]}) for m in names
    }
    long = pd.concat(frames, names=["model", "channel"]).swaplevel("model", "channel")
    order = pd.MultiIndex.from_product([j.channels.tolist(), names], names=["channel", "model"])
    return long.reindex(order)


def markov_removal_effects(
    paths: pd.DataFrame,
    order: int = 1,
    *,
    remove_loops: bool = False,
    pad_start: bool = True,
    kind: str = "conversions",
    sep: str = ">",
) -> pd.Series:
    r"""Removal effect of every channel in the k-order absorbing Markov chain of the paths.

    Transition probabilities are maximum-likelihood estimates from counts in which each path
    contributes :math:`C_p + N_p` times its transitions (start -> first state -> ... -> last
    state), then :math:`C_p` transitions last state -> (conversion) and :math:`N_p` -> (null)
    (Anderl et al. 2016). With transient-to-transient block Q, absorption vector r and
    expected visits :math:`x = (I - Q)^{-T} e_{start}` (fundamental matrix, Kemeny & Snell
    1960), :math:`P(conv) = x^T r`. Removing channel c deletes every state containing c
    (transitions into them go to (null)) and

    .. math:: RE_c = 1 - P(conv \mid c\ removed) / P(conv) = P(c\ visited \mid conv).

    Solved as a linear system, never by simulation: dense LU up to 200 states; above that
    restarted GMRES to a checked residual of 1e-13 (falling back to sparse LU).

    ``order`` k >= 1: states are the last k channels. ``pad_start=True`` (default) pads the
    history with (start) so the i-th touch is state (c_{i-k+1}, ..., c_i) with missing slots
    = (start); ``pad_start=False`` reproduces ChannelAttribution's states (sliding windows
    of k touches, the first being the first k channels; a path shorter than k is a single
    state; repeated consecutive states dropped). The two conventions give identical removal
    effects (the padded prefix states are entered once, right after (start), along exactly
    the journeys whose first touches they spell, and self-loops do not change absorption);
    only the states listed by :func:`transition_matrix` differ. ``remove_loops``
    collapses consecutive repeats of a channel before building the chain (at k = 1 this
    changes Q but not the removal effects, since self-loops do not change absorption).

    ``kind="value"`` returns ChannelAttribution's value removal effects: each conversion
    from state s carries the mean value per conversion of the observed paths ending in s,
    :math:`m_s = \sum_{p \to s} V_p / \sum_{p \to s} C_p`, and
    :math:`RE^V_c = 1 - \sum_s x^{(-c)}_s r_s m_s / \sum_s x_s r_s m_s`.

    Returns
    -------
    Series
        Indexed by ``channel`` (sorted, every channel in ``paths``; 0 for channels only in
        paths with no conversions and no nulls), named ``removal_effect``, values in [0, 1].
        Removal effects need ``nulls``: without them P(conv) = 1.

    References
    ----------
    Anderl, Becker, von Wangenheim & Schumann (2016), IJRM 33(3) 457-474; Kemeny & Snell
    (1960), Finite Markov Chains, ch. III; Altomare & Loris, ChannelAttribution
    (markov_model: removal effects and value attribution).
    """
    if kind not in ("conversions", "value"):
        raise ValueError(f"kind must be 'conversions' or 'value', got {kind!r}")
    j = _parse(paths, sep)
    n = len(j.channels)
    chain = _build_chain(j, order=order, pad_start=pad_start, remove_loops=remove_loops)
    if chain is None:
        re = np.zeros(n)
    else:
        re_c, re_v = _removal_effects(chain, n)
        re = re_c if kind == "conversions" else re_v
    return pd.Series(re, index=pd.Index(j.channels.tolist(), name="channel"), name="removal_effect")


def _state_labels(chain: _Chain, channels: np.ndarray) -> list[str]:
    labels = [START]
    for row in chain.digits[1:]:
        parts = [channels[d - 1] if d > 0 else START for d in row if d > 0 or chain.pad_start]
        labels.append(" > ".join(parts))
    return labels


def transition_matrix(
    paths: pd.DataFrame,
    order: int = 1,
    *,
    remove_loops: bool = False,
    pad_start: bool = True,
    layout: str = "wide",
    sep: str = ">",
) -> pd.DataFrame:
    r"""Estimated transition probabilities of the k-order absorbing Markov chain.

    :math:`P(s \to s') = n_{s s'} / \sum_{s''} n_{s s''}` where :math:`n_{s s'}` counts
    transitions weighted by each path's :math:`C_p + N_p` (transitions into (conversion)
    weighted by :math:`C_p`, into (null) by :math:`N_p`), as in Anderl et al. (2016) and
    ChannelAttribution's ``transition_matrix``. States as in :func:`markov_removal_effects`
    (higher-order states are labelled ``"a > b"``, with ``(start)`` for padded slots).

    ``layout="wide"`` returns the square row-stochastic matrix over (start), the states,
    (conversion) and (null) (absorbing states map to themselves; rows = from, columns =
    to). ``layout="long"`` returns the non-zero transitions out of non-absorbing states as
    columns ``from``, ``to``, ``probability`` (better for high orders).

    References
    ----------
    Anderl, Becker, von Wangenheim & Schumann (2016), IJRM 33(3) 457-474; Altomare & Loris,
    ChannelAttribution (transition_matrix).
    """
    if layout not in ("wide", "long"):
        raise ValueError(f"layout must be 'wide' or 'long', got {layout!r}")
    j = _parse(paths, sep)
    chain = _build_chain(j, order=order, pad_start=pad_start, remove_loops=remove_loops)
    if chain is None:
        raise ValueError("no journey has conversions + nulls > 0: the chain is empty")
    labels = _state_labels(chain, j.channels)
    s = chain.n_states
    full = sp.hstack(
        [chain.q, sp.csr_matrix(chain.r_conv[:, None]), sp.csr_matrix(chain.r_null[:, None])]
    ).tocoo()
    all_labels = [*labels, CONVERSION, NULL]
    if layout == "long":
        keep = full.data > 0
        names = np.asarray(all_labels, dtype=object)
        return pd.DataFrame(
            {
                "from": names[full.row[keep]],
                "to": names[full.col[keep]],
                "probability": full.data[keep],
            }
        )
    dense = np.zeros((s + 2, s + 2))
    dense[:s] = full.toarray()
    dense[s, s] = dense[s + 1, s + 1] = 1.0
    idx = pd.Index(all_labels, name="from")
    return pd.DataFrame(dense, index=idx, columns=pd.Index(all_labels, name="to"))
