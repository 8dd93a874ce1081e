"""The import schema: the fields an order export or an event export can provide.

Each field has a kind (how its values are read), whether it is required, a bilingual label and the
column names (Chinese and English) that suggest it. ``ORDER_FIELDS`` describe an order export with
one row per order line (or per order); ``EVENT_FIELDS`` describe a traffic/behaviour log.

Required: an order export needs ``order_id``, ``order_ts`` and at least one of ``unit_price``,
``line_amount`` or ``order_amount``; an event export needs ``customer_id``, ``event_ts`` and
``event_type``. Everything else is optional and widens what the app can compute.
"""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("id", "text", "timestamp", "number")


@dataclass(frozen=True)
class Field:
    """One target field of the import schema."""

    name: str
    kind: str  # id | text | timestamp | number
    required: bool
    zh: str
    en: str
    doc: str
    synonyms: tuple[str, ...] = ()

    def label(self, lang: str = "zh") -> str:
        """Label in ``lang`` followed by the field name."""
        return f"{self.en if lang == 'en' else self.zh} ({self.name})"


ORDER_FIELDS: tuple[Field, ...] = (
    Field("order_id", "id", True, "订单号", "Order ID",
          "order (invoice) number; lines with the same number form one order; a cancel prefix "
          "(default 'C') marks a cancellation document",
          ("订单号", "订单编号", "订单id", "主订单编号", "订单单号", "单号", "交易号", "order id",
           "orderid", "order number", "order no", "order_no", "invoiceno", "invoice no",
           "invoice number", "invoice", "order")),
    Field("order_ts", "timestamp", True, "下单时间", "Order time",
          "when the order was placed (any common date format, e.g. 2024-11-11 00:05, "
          "2024/11/11, 11/11/2024 00:05, 2024年11月11日 00:05, epoch seconds, Excel dates)",
          ("下单时间", "订单创建时间", "创建时间", "成交时间", "订单时间", "下单日期", "订单日期",
           "交易时间", "日期", "时间", "invoicedate", "invoice date", "order date", "order time",
           "order_ts", "created at", "created", "date", "datetime", "timestamp", "time")),
    Field("pay_ts", "timestamp", False, "付款时间", "Payment time",
          "when it was paid; empty = not paid (default: the order time for paid orders)",
          ("付款时间", "支付时间", "订单付款时间", "买家付款时间", "付款日期", "paid at",
           "payment date", "payment time", "pay time", "paid time", "pay_ts")),
    Field("customer_id", "id", False, "买家ID", "Customer ID",
          "the buyer's id or account name; empty = guest order (its own anonymous buyer)",
          ("买家id", "买家会员名", "买家昵称", "买家账号", "会员id", "会员编号", "会员卡号",
           "客户id", "客户编号", "用户id", "顾客id", "customerid", "customer id", "customer",
           "buyer id", "buyer", "user id", "userid", "member id", "client id")),
    Field("sku_id", "id", False, "商品编码", "SKU / product code",
          "product code; without this column products are told apart by their name; rows "
          "with an empty code share one 'item without code' product",
          ("商品编码", "商家编码", "商品id", "宝贝id", "货号", "款号", "规格编码", "sku编码",
           "sku", "sku id", "skuid", "stockcode", "stock code", "product id", "product code",
           "item id", "item code", "lineitem sku", "article")),
    Field("sku_name", "text", False, "商品名称", "Product name",
          "product name or title",
          ("商品名称", "宝贝标题", "商品标题", "宝贝名称", "品名", "商品", "description",
           "product name", "product", "item name", "item", "title", "lineitem name")),
    Field("quantity", "number", False, "数量", "Quantity",
          "units on the line (default 1); negative = a return/cancellation line",
          ("数量", "购买数量", "商品数量", "件数", "销量", "quantity", "qty", "units",
           "lineitem quantity", "count")),
    Field("unit_price", "number", False, "单价", "Unit price",
          "price per unit; currency symbols (¥ $ £ €) and thousands separators are accepted",
          ("单价", "商品单价", "销售单价", "价格", "售价", "成交价", "unitprice", "unit price",
           "price", "lineitem price", "sale price")),
    Field("line_amount", "number", False, "金额", "Line amount",
          "amount of the line (default quantity × unit price)",
          ("金额", "商品金额", "小计", "行金额", "商品总价", "销售额", "line total",
           "line amount", "lineitem total", "amount", "sales", "revenue")),
    Field("order_amount", "number", False, "实付金额", "Order paid amount",
          "the order's paid total; the first non-empty value of an order is used (repeated on "
          "every line or only on the first line both work); default: sum of the lines",
          ("实付金额", "订单金额", "买家实际支付金额", "实际支付金额", "实收金额", "支付金额",
           "订单总金额", "总金额", "应付金额", "order amount", "order total", "paid amount",
           "amount paid", "total paid", "grand total", "total")),
    Field("refund_amount", "number", False, "退款金额", "Refund amount",
          "amount refunded on the order (creates a return)",
          ("退款金额", "退款", "已退款金额", "refund amount", "refunded amount", "refund",
           "refunded")),
    Field("status", "text", False, "订单状态", "Order status",
          "e.g. 交易成功 / 等待买家付款 / 交易关闭 / 退款成功 / paid / cancelled / refunded",
          ("订单状态", "交易状态", "状态", "status", "order status", "financial status")),
    Field("channel", "text", False, "渠道", "Channel",
          "platform, channel or shop (天猫, 京东, 抖音, Amazon...); default: one 'imported' "
          "channel",
          ("渠道", "平台", "店铺", "店铺名称", "销售渠道", "来源平台", "渠道名称", "channel",
           "platform", "sales channel", "store", "shop", "marketplace")),
    Field("province", "text", False, "省份", "Province / country",
          "province (广东, 广东省 → GD) or country of the buyer",
          ("省份", "省", "收货省份", "所在省份", "收货地区", "地区", "国家", "country",
           "province", "state", "region", "shipping province", "shipping country")),
    Field("category", "text", False, "类目", "Category",
          "product category; default: one 'uncategorized' category",
          ("类目", "商品类目", "品类", "分类", "一级类目", "商品分类", "category",
           "product category", "product type")),
)  # fmt: skip

EVENT_FIELDS: tuple[Field, ...] = (
    Field("customer_id", "id", True, "用户ID", "User / customer ID",
          "the visitor's id, in the same id space as the order export's customer id",
          ("用户id", "访客id", "买家id", "会员id", "客户id", "user id", "userid", "visitor id",
           "customer id", "customerid", "uid", "distinct id", "distinct_id", "member id")),
    Field("event_ts", "timestamp", True, "事件时间", "Event time",
          "when it happened (same date formats as orders)",
          ("事件时间", "发生时间", "行为时间", "时间", "日期", "event time", "event_ts",
           "timestamp", "time", "datetime", "ts", "date")),
    Field("event_type", "text", True, "事件类型", "Event type",
          "exposure/曝光, click/点击, page_view/浏览, favorite/收藏, cart/加购, order/下单, "
          "pay/支付 (and common synonyms)",
          ("事件类型", "行为类型", "事件", "行为", "event type", "event", "event name",
           "event_name", "action", "behavior", "behaviour", "type")),
    Field("session_id", "id", False, "会话ID", "Session ID",
          "visit id; default: a new session after 30 minutes without events",
          ("会话id", "会话", "访问id", "session id", "session", "visit id", "sessionid")),
    Field("channel", "text", False, "渠道", "Channel",
          "platform or channel of the visit (matched to the order export's channels)",
          ("渠道", "平台", "来源平台", "channel", "platform")),
    Field("sku_id", "id", False, "商品编码", "SKU / product code",
          "product viewed (same codes as the order export)",
          ("商品编码", "商品id", "宝贝id", "sku", "sku id", "product id", "item id",
           "stockcode")),
    Field("device_type", "text", False, "设备", "Device",
          "ios / android / pc / mini_program / store_pos (iPhone, 安卓, 电脑, 小程序...)",
          ("设备", "设备类型", "终端", "device", "device type", "os")),
    Field("source", "text", False, "流量来源", "Traffic source",
          "search / recommend / live / short_video / note / message / community / store "
          "(搜索, 推荐, 直播, 短视频...)",
          ("流量来源", "来源", "traffic source", "source", "medium", "utm_medium")),
    Field("province", "text", False, "省份", "Province / country",
          "province or country of the visitor",
          ("省份", "省", "地区", "province", "country", "region")),
    Field("dwell_s", "number", False, "停留时长(秒)", "Dwell seconds",
          "seconds on the page",
          ("停留时长", "停留时间", "浏览时长", "dwell", "dwell time", "duration",
           "time on page")),
)  # fmt: skip

FIELDS: dict[str, tuple[Field, ...]] = {"orders": ORDER_FIELDS, "events": EVENT_FIELDS}

# The fields' explanations in Chinese (``Field.doc`` is the English), keyed ``kind.name``.
DOC_ZH: dict[str, str] = {
    "orders.order_id": "订单（发票）号；同一单号的行组成一个订单；带取消前缀（默认 'C'）的单号为取消单",
    "orders.order_ts": "下单时间（常见日期格式均可，如 2024-11-11 00:05、2024/11/11、"
    "11/11/2024 00:05、2024年11月11日 00:05、Unix 秒、Excel 日期）",
    "orders.pay_ts": "付款时间；为空 = 未付款（默认：已付款订单取下单时间）",
    "orders.customer_id": "买家 ID 或账号名；为空 = 游客订单（各自为一个匿名买家）",
    "orders.sku_id": "商品编码；没有此列时按商品名称区分商品；编码为空的行归入同一个“无编码商品”",
    "orders.sku_name": "商品名称或标题",
    "orders.quantity": "本行件数（默认 1）；负数 = 退货/取消行",
    "orders.unit_price": "单价；可带货币符号（¥ $ £ €）和千位分隔符",
    "orders.line_amount": "本行金额（默认 数量 × 单价）",
    "orders.order_amount": "订单实付总额；取该订单第一个非空值（每行重复或只写在首行都可以）；"
    "默认：各行金额之和",
    "orders.refund_amount": "订单已退款金额（生成一条退款记录）",
    "orders.status": "如 交易成功 / 等待买家付款 / 交易关闭 / 退款成功 / paid / cancelled / refunded",
    "orders.channel": "平台、渠道或店铺（天猫、京东、抖音、Amazon……）；默认：统一为一个“导入”渠道",
    "orders.province": "买家所在省份（广东、广东省 → GD）或国家",
    "orders.category": "商品类目；默认：统一为“未分类”",
    "events.customer_id": "访客 ID，与订单导出的买家 ID 属同一编号体系",
    "events.event_ts": "发生时间（日期格式同订单）",
    "events.event_type": "exposure/曝光、click/点击、page_view/浏览、favorite/收藏、cart/加购、"
    "order/下单、pay/支付（及常见同义词）",
    "events.session_id": "访问 ID；默认：无事件超过 30 分钟即开始新会话",
    "events.channel": "访问所在平台或渠道（与订单导出的渠道对应）",
    "events.sku_id": "浏览的商品（编码同订单导出）",
    "events.device_type": "ios / android / pc / mini_program / store_pos（iPhone、安卓、电脑、小程序……）",
    "events.source": "search / recommend / live / short_video / note / message / community / store"
    "（搜索、推荐、直播、短视频……）",
    "events.province": "访客所在省份或国家",
    "events.dwell_s": "页面停留秒数",
}


def field_doc(kind: str, f: Field, lang: str = "en") -> str:
    """A field's explanation in ``lang`` (the English ``doc`` unless Chinese is asked for)."""
    return DOC_ZH[f"{kind}.{f.name}"] if lang != "en" else f.doc


AMOUNT_FIELDS = ("unit_price", "line_amount", "order_amount")


def fields(kind: str) -> tuple[Field, ...]:
    """The fields of an ``orders`` or ``events`` export."""
    try:
        return FIELDS[kind]
    except KeyError:
        raise ValueError(f"unknown export kind {kind!r}; choose orders or events") from None


def field(kind: str, name: str) -> Field:
    """One field by name."""
    for f in fields(kind):
        if f.name == name:
            return f
    raise ValueError(
        f"unknown {kind} field {name!r}; known: {', '.join(f.name for f in fields(kind))}"
    )


def missing_required(kind: str, mapped: set[str]) -> list[str]:
    """Required fields (or groups, written ``a|b|c``) that ``mapped`` does not cover."""
    out = [f.name for f in fields(kind) if f.required and f.name not in mapped]
    if kind == "orders" and not mapped & set(AMOUNT_FIELDS):
        out.append("|".join(AMOUNT_FIELDS))
    return out


def schema_markdown(lang: str = "en") -> str:
    """The import schema as Markdown tables (the README's and the Data page's reference)."""
    en = lang == "en"
    titles = (("orders", "Order export" if en else "订单导出"),
              ("events", "Event export (optional)" if en else "事件导出（可选）"))  # fmt: skip
    head = (
        "| field | required | meaning | suggested from columns like |"
        if en
        else "| 字段 | 必填 | 含义 | 自动识别的列名示例 |"
    )
    parts = []
    for kind, title in titles:
        parts.append(f"**{title}**\n\n{head}")
        parts.append("|---|---|---|---|")
        for f in fields(kind):
            if f.required:
                req = "yes" if en else "是"
            elif f.name in AMOUNT_FIELDS:
                req = "one of" if en else "三选一"
            else:
                req = ""
            cjk = [x for x in f.synonyms if not x.isascii()][:3]
            names = ", ".join(cjk + [x for x in f.synonyms if x.isascii()][:3])
            label, sep = (f.en, ": ") if en else (f.zh, "：")
            parts.append(
                f"| `{f.name}` | {req} | {label}{sep}{field_doc(kind, f, lang)} | {names} |"
            )
        parts.append("")
    return "\n".join(parts)
