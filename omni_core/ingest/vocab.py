"""Vocabularies that turn the words of real exports into the warehouse's codes: order statuses,
event types, devices, traffic sources, channels and provinces (Chinese and English)."""

from __future__ import annotations

import re

from omni_core.reference import CHANNEL_BY_ID, PROVINCES

STATUS_WORDS: dict[str, tuple[str, ...]] = {
    "unpaid": ("等待买家付款", "待付款", "未付款", "待支付", "未支付", "unpaid", "pending",
               "awaiting payment", "payment pending", "not paid"),
    "cancelled": ("交易关闭", "已关闭", "已取消", "取消", "关闭", "作废", "cancelled", "canceled",
                  "voided", "void", "closed", "expired"),
    "refunded": ("退款成功", "已退款", "退款完成", "全额退款", "退货", "退款", "售后",
                 "refunded", "partially refunded", "partially_refunded", "returned", "refund"),
    "paid": ("交易成功", "已付款", "买家已付款", "等待卖家发货", "卖家已发货", "已发货",
             "等待买家确认收货", "已完成", "已签收", "完成", "成功", "待发货", "已收货", "paid",
             "completed", "complete", "shipped", "delivered", "fulfilled", "success",
             "authorized", "processing"),
}  # fmt: skip

EVENT_WORDS: dict[str, tuple[str, ...]] = {
    "exposure": ("exposure", "impression", "impressions", "曝光", "展现", "展示", "view_item_list",
                 "show", "expose"),
    "click": ("click", "clicks", "点击", "ad_click", "select_item", "tap"),
    "page_view": ("page_view", "pageview", "pv", "view", "visit", "浏览", "访问", "view_item",
                  "detail", "商品浏览", "进店"),
    "favorite": ("favorite", "favourite", "fav", "wishlist", "add_to_wishlist", "收藏", "关注",
                 "like"),
    "cart": ("cart", "add_to_cart", "addtocart", "add to cart", "加购", "加入购物车", "购物车"),
    "order": ("order", "checkout", "begin_checkout", "place_order", "下单", "提交订单", "创建订单"),
    "pay": ("pay", "purchase", "paid", "payment", "transaction", "buy", "支付", "付款", "成交",
            "购买"),
}  # fmt: skip

DEVICE_WORDS: dict[str, tuple[str, ...]] = {
    "ios": ("ios", "iphone", "ipad", "apple", "苹果"),
    "android": ("android", "安卓", "huawei", "xiaomi", "华为", "小米"),
    "pc": ("pc", "desktop", "web", "电脑", "windows", "mac", "网页", "computer"),
    "mini_program": ("mini_program", "miniprogram", "mini program", "小程序", "wechat mini"),
    "store_pos": ("store_pos", "pos", "门店", "收银", "store"),
}  # fmt: skip

SOURCE_WORDS: dict[str, tuple[str, ...]] = {
    "search": ("search", "搜索", "sem", "seo", "cpc", "organic"),
    "recommend": ("recommend", "推荐", "feed", "信息流", "猜你喜欢"),
    "live": ("live", "直播"),
    "short_video": ("short_video", "短视频", "video", "视频"),
    "note": ("note", "笔记", "种草"),
    "message": ("message", "消息", "sms", "短信", "push", "email", "邮件"),
    "community": ("community", "社群", "群", "朋友圈", "social"),
    "store": ("store", "门店", "线下", "offline"),
}  # fmt: skip

CHANNEL_WORDS: dict[str, tuple[str, ...]] = {
    "tmall": ("tmall", "taobao", "天猫", "淘宝", "tb", "天猫/淘宝"),
    "jd": ("jd", "京东", "jingdong", "jd.com"),
    "douyin": ("douyin", "抖音", "抖店", "tiktok china"),
    "kuaishou": ("kuaishou", "快手"),
    "xiaohongshu": ("xiaohongshu", "小红书", "xhs", "red"),
    "wecom": ("wecom", "wechat", "weixin", "微信", "企业微信", "私域", "微信私域", "小程序", "有赞"),
    "offline": ("offline", "线下", "门店", "线下门店", "store", "pos"),
    "amazon": ("amazon", "亚马逊"),
    "shopee": ("shopee", "虾皮"),
    "tiktok_shop": ("tiktok shop", "tiktok_shop", "tiktok"),
}  # fmt: skip


def _norm(s: str) -> str:
    return re.sub(r"[\s_\-]+", " ", s.strip().lower())


def classify(value: str | None, words: dict[str, tuple[str, ...]]) -> str | None:
    """The vocabulary key whose word equals (or, failing that, is contained in) ``value``."""
    if value is None:
        return None
    v = _norm(value)
    for key, ws in words.items():
        if v in (_norm(w) for w in ws) or v == key:
            return key
    best, best_len = None, 0
    for key, ws in words.items():
        for w in ws:
            n = _norm(w)
            long_enough = len(n) >= 4 or (len(n) >= 2 and not n.isascii())
            if long_enough and n in v and len(n) > best_len:
                best, best_len = key, len(n)
    return best


def status_class(value: str | None) -> str | None:
    """paid | unpaid | cancelled | refunded, or None when unknown."""
    return classify(value, STATUS_WORDS)


def channel_for(value: str) -> tuple[str | None, str]:
    """``(world channel id when the value *is* that platform, channel type)`` of a channel name."""
    key = classify(value, CHANNEL_WORDS)
    if key is None:
        return None, "other"
    exact = _norm(value) in {_norm(w) for w in CHANNEL_WORDS[key]} or _norm(value) == key
    return (key if exact else None), CHANNEL_BY_ID[key].channel_type


_PROVINCE_NAMES: dict[str, str] = {}
for _code, _zh, _en, _region, _w in PROVINCES:
    _PROVINCE_NAMES[_zh] = _code
    _PROVINCE_NAMES[_en.lower()] = _code
    _PROVINCE_NAMES[_code.lower()] = _code
_SUFFIXES = ("省", "市", "壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "特别行政区")


def province_code(value: str) -> str:
    """The world's province code for a Chinese province name (广东省, 广东省深圳市, Guangdong);
    other values (countries, unknown regions) are kept as they are."""
    v = value.strip()
    if v in _PROVINCE_NAMES or v.lower() in _PROVINCE_NAMES:
        return _PROVINCE_NAMES.get(v, _PROVINCE_NAMES.get(v.lower(), v))
    for zh, code in ((p[1], p[0]) for p in PROVINCES):
        if v.startswith(zh):
            rest = v[len(zh) :]
            if not rest or rest.startswith(_SUFFIXES) or not rest[:1].isascii():
                return code
    return v
