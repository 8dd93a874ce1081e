"""User-facing labels in 中文 and English; terms of the trade (GMV, ROAS, 私域, GPM) kept."""

from __future__ import annotations

LANGS = ("zh", "en")

LABELS: dict[str, tuple[str, str]] = {
    "app_title": ("全域营销作战室", "Omni War Room"),
    "section_live": ("实时作战", "Live"),
    "section_data": ("数据", "Data"),
    "language": ("语言", "Language"),
    "dataset": ("数据集", "Dataset"),
    "data_title": ("数据中心", "Data"),
    "data_caption": (
        "仓库中的数据集：内置演示世界、生成的更大世界、导入的数据。",
        "Datasets in the warehouse: the bundled demo world, larger generated worlds, imports.",
    ),
    "tables": ("数据表", "Tables"),
    "rows": ("行数", "Rows"),
    "table": ("表", "Table"),
    "grain": ("粒度", "Grain"),
    "date_range": ("时间范围", "Date range"),
    "channels": ("渠道", "Channels"),
    "channel": ("渠道", "Channel"),
    "channel_type": ("渠道类型", "Channel type"),
    "kind": ("类型", "Kind"),
    "parameters": ("生成参数", "Parameters"),
    "daily_gmv": ("每日 GMV（按渠道类型）", "Daily GMV by channel type"),
    "build_title": ("生成更大的世界", "Build a bigger world"),
    "build_help": (
        "用同一个行为模型按种子确定性地模拟；写入新的数据集，不影响现有数据。",
        "Simulated deterministically from a seed with the same behaviour model; written as a "
        "new dataset without touching the others.",
    ),
    "users": ("用户数", "Users"),
    "days": ("天数", "Days"),
    "start": ("开始日期", "Start date"),
    "seed": ("随机种子", "Seed"),
    "new_dataset": ("新数据集名称", "New dataset name"),
    "build": ("生成", "Build"),
    "built": ("已生成", "Built"),
    "events": ("事件", "events"),
    "events_title": ("事件数", "Events"),
    "orders_title": ("订单数", "Orders"),
    "orders": ("订单", "orders"),
    "invalid": ("输入无效", "Invalid input"),
    "gmv": ("GMV", "GMV"),
    "buyers": ("买家数", "Buyers"),
    "uv": ("访客 UV", "UV"),
    "conversion": ("转化率", "Conversion"),
    "aov": ("客单价 AOV", "AOV"),
    "roas": ("ROAS", "ROAS"),
    "refund_rate": ("退款率", "Refund rate"),
    "spend": ("广告花费", "Ad spend"),
    "day": ("日期", "Day"),
    "shelf": ("货架电商", "Shelf e-commerce"),
    "interest": ("兴趣电商", "Interest e-commerce"),
    "seeding": ("种草平台", "Seeding"),
    "private": ("私域", "Private domain"),
    "offline": ("线下门店", "Offline"),
    "crossborder": ("跨境", "Cross-border"),
    "other": ("其他/导入", "Other / imported"),
    "no_dataset": ("仓库中还没有数据集。", "The warehouse has no dataset yet."),
}


def t(key: str, lang: str = "zh") -> str:
    """The label for ``key`` in ``lang`` (the key itself when unknown)."""
    pair = LABELS.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "en" else pair[0]
