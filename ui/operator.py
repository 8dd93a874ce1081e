"""The war room's operator panel: speed, pause, incident drills, manual playbooks, ack/resolve."""

from __future__ import annotations

import streamlit as st

from omni_core.alerts.store import EDITABLE, AlertStore, apply_edits, editable_frame
from omni_core.live.engine import LiveEngine
from omni_core.live.incidents import KINDS
from omni_core.reference import DOMESTIC_CARRIERS
from ui import live
from ui.state import lang, tr, warehouse


def panel(eng: LiveEngine) -> None:
    """Sidebar controls; everything that changes the world needs an operator sign-in."""
    with st.sidebar:
        st.subheader(tr("操作员", "Operator"))
        live.sign_in_box()
        if not live.is_operator():
            return
        speed = st.select_slider(tr("时钟倍速", "Clock speed"), [1, 10, 30, 60, 120, 300, 600],
                                 value=int(eng.clock.speed) if eng.clock.speed in (1, 10, 30, 60, 120, 300, 600) else 60)  # fmt: skip
        if speed != eng.clock.speed:
            eng.clock.set_speed(speed)
        c1, c2 = st.columns(2)
        if c1.button(tr("暂停", "Pause"), disabled=eng.clock.paused):
            eng.clock.pause()
        if c2.button(tr("继续", "Resume"), disabled=not eng.clock.paused):
            eng.clock.resume()
        st.markdown(f"**{tr('故障演练', 'Incident drill')}**")
        with st.form("inject"):
            names = {k: v[0 if lang() == "zh" else 1] for k, v in KINDS.items()}
            kind = st.selectbox(tr("类型", "Kind"), list(KINDS), format_func=names.__getitem__)
            targets = ["total"] + [f"channel:{c}" for c in eng.channel_ids]
            targets += [f"province:{p}" for p in eng.geo[:31]] + [f"sku:{s}" for s in eng.stock]
            target = st.selectbox(tr("目标", "Target"), targets, index=1)
            mag = st.number_input(tr("幅度（流失比例或倍数）", "Magnitude (fraction lost or extra multiple)"),
                                  min_value=0.05, max_value=50.0, value=0.8, step=0.05)  # fmt: skip
            dur = st.number_input(tr("持续（模拟分钟，0=直到清除）", "Duration (sim minutes, 0 = until cleared)"),
                                  min_value=0, max_value=1440, value=30)  # fmt: skip
            if st.form_submit_button(tr("注入", "Inject"), type="primary"):
                try:
                    eng.inject(kind, target, float(mag), float(dur) or None)
                    st.success(tr("已注入", "Injected"))
                except ValueError as e:
                    st.error(str(e))
        if st.button(tr("清除全部故障", "Clear all incidents")):
            eng.clear_incidents()
        st.markdown(f"**{tr('人工预案', 'Manual playbooks')}**")
        note = st.text_input(tr("说明", "Note"), max_chars=200, key="pb_note")
        if st.button(tr("舆情危机 (1h/4h/24h)", "PR crisis (1 h / 4 h / 24 h)")):
            eng.declare("pr_crisis", "brand", note)
        carrier = st.selectbox(
            tr("异常快递", "Disrupted carrier"), [c[0] for c in DOMESTIC_CARRIERS]
        )
        if st.button(tr("物流异常 → 备用快递", "Logistics disruption → backup carriers")):
            eng.declare("logistics", carrier, note)


def ack_buttons(eng: LiveEngine, alerts: list) -> None:
    """Acknowledge / resolve buttons for the active alerts (operators only)."""
    if not live.is_operator() or not alerts:
        return
    who = st.session_state.get("operator_name", "operator")
    for a in alerts[:6]:
        c1, c2 = st.columns(2)
        if a.state == "firing" and c1.button(f"{tr('确认', 'Ack')} #{a.id}", key=f"ack{a.id}"):
            eng.alerts.ack(a.id, who, eng.t)
        if c2.button(f"{tr('恢复', 'Resolve')} #{a.id}", key=f"res{a.id}"):
            eng.alerts.resolve(a.id, who, eng.t)


def rules_editor(dataset: str) -> None:
    """The war room's alert rules of a dataset: listed for everyone, edited by operators.

    Saved in the warehouse's state store; a war-room engine running on the dataset in this
    server takes the new rules at once.
    """
    try:
        store = AlertStore(warehouse(), dataset)
        rules = store.rules()
    except Exception as e:  # read-only warehouse without the tables, an engine without state
        st.error(tr(f"无法读取告警规则：{e}", f"Cannot read the alert rules: {e}"))
        return
    running = [e for e in live.running_engines() if e.dataset == dataset]
    url = live.webhook_url()
    st.caption(
        tr("通知：", "Notifier: ")
        + (tr("Webhook 已配置", "webhook configured") + (" (WeCom)" if url and "qyapi.weixin.qq.com"
           in url else " (JSON)") if url else tr("未配置 Webhook（OMNI_WEBHOOK_URL 或 secrets 的 webhook_url）",
                                                 "no webhook (OMNI_WEBHOOK_URL or webhook_url in secrets)"))
        + " · " + (tr("作战大屏引擎运行中：保存后立即生效", "war-room engine running: saved rules apply at once")
                   if running else tr("作战大屏引擎未运行：下次启动时生效", "war-room engine not running: rules apply when it starts"))
    )  # fmt: skip
    live.sign_in_box()
    operator = live.is_operator()
    frame = editable_frame(rules)
    locked = [c for c in frame.columns if c not in EDITABLE or not operator]
    edited = st.data_editor(frame, hide_index=True, width="stretch", disabled=locked,
                            num_rows="fixed", key=f"rules_{dataset}")  # fmt: skip
    if not operator:
        st.caption(tr("只读：登录操作员后可编辑阈值、待定期、冷却与通知。",
                      "Read-only: sign in as an operator to edit thresholds, pending, cooldown "
                      "and notification."))  # fmt: skip
        return
    if st.button(tr("保存规则", "Save rules"), type="primary", key="save_rules"):
        try:
            new = apply_edits(rules, edited)
        except ValueError as e:
            st.error(str(e))
            return
        for eng in running:
            eng.set_rules(new)
        store.save_rules(new)
        st.success(tr(f"已保存 {len(new)} 条规则", f"Saved {len(new)} rules"))
