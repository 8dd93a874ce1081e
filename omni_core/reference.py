"""Static reference data of the simulated world: channels, provinces, cities, categories, carriers.

These small tables are the vocabulary every other module shares. Figures that come from the source
document (电商全域营销创新布局) are marked ``(doc)``; the rest are plausible defaults chosen for the
simulation and documented as such.
"""

from __future__ import annotations

from dataclasses import dataclass

CHANNEL_TYPES = ("shelf", "interest", "seeding", "private", "offline", "crossborder")
SOURCES = ("search", "recommend", "live", "short_video", "note", "message", "community", "store")
DEVICE_TYPES = ("ios", "android", "pc", "mini_program", "store_pos")
EVENT_TYPES = ("exposure", "click", "page_view", "favorite", "cart", "order", "pay")
# Funnel stages in order; ``favorite`` is a side action and not a stage.
FUNNEL_STAGES = ("exposure", "click", "page_view", "cart", "order", "pay")


@dataclass(frozen=True)
class Channel:
    """One sales/traffic channel with its behaviour defaults.

    Rates are conditional stage probabilities of a session: ``p_click`` = P(click | exposure),
    ``p_visit`` = P(page view | click), ``p_cart`` = P(cart | page view),
    ``p_order`` = P(order | cart), ``p_pay`` = P(pay | order).
    """

    channel_id: str
    name_zh: str
    name_en: str
    channel_type: str
    lead: str  # "search" (people find goods) or "recommend" (goods find people) or other
    is_online: bool
    is_public: bool
    share: float  # share of public-domain sessions
    sources: tuple[tuple[str, float], ...]
    p_click: float
    p_visit: float
    p_cart: float
    p_order: float
    p_pay: float
    basket_lines: float  # mean extra order lines (Poisson)
    dwell_mean_s: float
    cpc: float  # yuan per simulated paid visit (the ad clicks it takes to make one engaged visit)
    ad_ctr: float  # simulated paid visits per ad impression (sets CPM = cpc * ad_ctr * 1000)
    paid_share: float  # share of sessions bought through a campaign
    private_join: float  # P(first buyer joins the WeCom community)


CHANNELS: tuple[Channel, ...] = (
    Channel("tmall", "天猫/淘宝", "Tmall/Taobao", "shelf", "search", True, True, 0.26,
            (("search", 0.55), ("recommend", 0.25), ("live", 0.20)),
            0.24, 0.92, 0.225, 0.50, 0.93, 0.45, 95, 11.0, 0.006, 0.45, 0.10),
    Channel("jd", "京东", "JD", "shelf", "search", True, True, 0.16,
            (("search", 0.65), ("recommend", 0.25), ("live", 0.10)),
            0.22, 0.93, 0.24, 0.52, 0.95, 0.40, 80, 13.0, 0.006, 0.45, 0.08),
    Channel("douyin", "抖音", "Douyin", "interest", "recommend", True, True, 0.22,
            (("short_video", 0.45), ("live", 0.45), ("search", 0.10)),
            0.16, 0.90, 0.165, 0.55, 0.92, 0.25, 140, 7.0, 0.008, 0.50, 0.15),
    Channel("kuaishou", "快手", "Kuaishou", "interest", "recommend", True, True, 0.10,
            (("live", 0.60), ("short_video", 0.35), ("search", 0.05)),
            0.15, 0.90, 0.158, 0.55, 0.91, 0.20, 150, 6.0, 0.008, 0.50, 0.14),
    Channel("xiaohongshu", "小红书", "Xiaohongshu", "seeding", "recommend", True, True, 0.10,
            (("note", 0.80), ("search", 0.15), ("live", 0.05)),
            0.20, 0.88, 0.09, 0.45, 0.92, 0.20, 170, 8.0, 0.007, 0.35, 0.10),
    Channel("wecom", "微信私域", "WeChat private domain", "private", "relationship", True, False, 0.0,
            (("message", 0.60), ("community", 0.40)),
            0.30, 0.95, 0.30, 0.60, 0.96, 0.50, 110, 0.0, 0.100, 0.0, 0.0),
    Channel("offline", "线下门店", "Offline stores", "offline", "store", False, True, 0.08,
            (("store", 1.0),),
            0.30, 0.95, 0.262, 0.60, 0.99, 0.60, 600, 0.0, 0.100, 0.0, 0.20),
    Channel("amazon", "亚马逊", "Amazon", "crossborder", "search", True, True, 0.04,
            (("search", 0.75), ("recommend", 0.25)),
            0.20, 0.92, 0.188, 0.50, 0.90, 0.30, 90, 14.0, 0.005, 0.45, 0.0),
    Channel("shopee", "Shopee", "Shopee", "crossborder", "search", True, True, 0.02,
            (("search", 0.60), ("recommend", 0.30), ("live", 0.10)),
            0.18, 0.90, 0.165, 0.48, 0.88, 0.20, 80, 6.0, 0.008, 0.40, 0.0),
    Channel("tiktok_shop", "TikTok Shop", "TikTok Shop", "crossborder", "recommend", True, True,
            0.02, (("short_video", 0.50), ("live", 0.40), ("search", 0.10)),
            0.15, 0.90, 0.15, 0.50, 0.88, 0.20, 130, 7.0, 0.008, 0.45, 0.0),
)  # fmt: skip

CHANNEL_BY_ID = {c.channel_id: c for c in CHANNELS}

# Conversion multiplier of the cart stage by traffic source within a channel type: shelf platforms
# convert best on search traffic, interest platforms on live and short video (doc ch.2). The world
# renormalises them per channel so the channel's mean conversion equals its configured rates.
SOURCE_CONVERSION = {
    "shelf": {"search": 1.35, "recommend": 0.65, "live": 1.0},
    "interest": {"live": 1.35, "short_video": 1.0, "search": 0.70},
    "seeding": {"note": 1.0, "search": 1.2, "live": 1.1},
    "crossborder": {"search": 1.2, "recommend": 0.8, "live": 1.1, "short_video": 1.0},
}

# Province: code, Chinese, English, region, relative e-commerce weight.
PROVINCES: tuple[tuple[str, str, str, str, float], ...] = (
    ("GD", "广东", "Guangdong", "华南", 11.0),
    ("ZJ", "浙江", "Zhejiang", "华东", 8.0),
    ("JS", "江苏", "Jiangsu", "华东", 8.0),
    ("SH", "上海", "Shanghai", "华东", 6.0),
    ("BJ", "北京", "Beijing", "华北", 5.5),
    ("SD", "山东", "Shandong", "华东", 5.5),
    ("FJ", "福建", "Fujian", "华东", 4.0),
    ("HEN", "河南", "Henan", "华中", 4.0),
    ("SC", "四川", "Sichuan", "西南", 4.0),
    ("HUB", "湖北", "Hubei", "华中", 3.5),
    ("HUN", "湖南", "Hunan", "华中", 3.0),
    ("HEB", "河北", "Hebei", "华北", 3.0),
    ("AH", "安徽", "Anhui", "华东", 2.8),
    ("SN", "陕西", "Shaanxi", "西北", 2.2),
    ("CQ", "重庆", "Chongqing", "西南", 2.0),
    ("TJ", "天津", "Tianjin", "华北", 1.8),
    ("LN", "辽宁", "Liaoning", "东北", 2.0),
    ("JX", "江西", "Jiangxi", "华东", 1.8),
    ("GX", "广西", "Guangxi", "华南", 1.8),
    ("YN", "云南", "Yunnan", "西南", 1.5),
    ("SX", "山西", "Shanxi", "华北", 1.3),
    ("HL", "黑龙江", "Heilongjiang", "东北", 1.2),
    ("JL", "吉林", "Jilin", "东北", 0.9),
    ("GZ", "贵州", "Guizhou", "西南", 1.1),
    ("NM", "内蒙古", "Inner Mongolia", "华北", 0.8),
    ("XJ", "新疆", "Xinjiang", "西北", 0.7),
    ("HI", "海南", "Hainan", "华南", 0.6),
    ("GS", "甘肃", "Gansu", "西北", 0.6),
    ("NX", "宁夏", "Ningxia", "西北", 0.25),
    ("QH", "青海", "Qinghai", "西北", 0.2),
    ("XZ", "西藏", "Tibet", "西南", 0.1),
)

# City: Chinese name, English name, province code, tier (1 = first-tier, 2 = new first/second...).
CITIES: tuple[tuple[str, str, str, int], ...] = (
    ("广州", "Guangzhou", "GD", 1), ("深圳", "Shenzhen", "GD", 1), ("东莞", "Dongguan", "GD", 2),
    ("佛山", "Foshan", "GD", 2), ("汕头", "Shantou", "GD", 3), ("湛江", "Zhanjiang", "GD", 4),
    ("杭州", "Hangzhou", "ZJ", 2), ("宁波", "Ningbo", "ZJ", 2), ("温州", "Wenzhou", "ZJ", 3),
    ("金华", "Jinhua", "ZJ", 3), ("南京", "Nanjing", "JS", 2), ("苏州", "Suzhou", "JS", 2),
    ("无锡", "Wuxi", "JS", 2), ("徐州", "Xuzhou", "JS", 3), ("上海", "Shanghai", "SH", 1),
    ("北京", "Beijing", "BJ", 1), ("济南", "Jinan", "SD", 2), ("青岛", "Qingdao", "SD", 2),
    ("临沂", "Linyi", "SD", 3), ("菏泽", "Heze", "SD", 4), ("福州", "Fuzhou", "FJ", 2),
    ("厦门", "Xiamen", "FJ", 2), ("泉州", "Quanzhou", "FJ", 3), ("郑州", "Zhengzhou", "HEN", 2),
    ("洛阳", "Luoyang", "HEN", 3), ("南阳", "Nanyang", "HEN", 4), ("成都", "Chengdu", "SC", 2),
    ("绵阳", "Mianyang", "SC", 3), ("南充", "Nanchong", "SC", 4), ("武汉", "Wuhan", "HUB", 2),
    ("宜昌", "Yichang", "HUB", 3), ("长沙", "Changsha", "HUN", 2), ("衡阳", "Hengyang", "HUN", 4),
    ("石家庄", "Shijiazhuang", "HEB", 2), ("保定", "Baoding", "HEB", 3),
    ("合肥", "Hefei", "AH", 2), ("芜湖", "Wuhu", "AH", 3), ("西安", "Xi'an", "SN", 2),
    ("宝鸡", "Baoji", "SN", 4), ("重庆", "Chongqing", "CQ", 2), ("天津", "Tianjin", "TJ", 2),
    ("沈阳", "Shenyang", "LN", 2), ("大连", "Dalian", "LN", 2), ("南昌", "Nanchang", "JX", 2),
    ("赣州", "Ganzhou", "JX", 4), ("南宁", "Nanning", "GX", 3), ("桂林", "Guilin", "GX", 4),
    ("昆明", "Kunming", "YN", 2), ("大理", "Dali", "YN", 5), ("太原", "Taiyuan", "SX", 3),
    ("哈尔滨", "Harbin", "HL", 2), ("长春", "Changchun", "JL", 2), ("贵阳", "Guiyang", "GZ", 3),
    ("呼和浩特", "Hohhot", "NM", 3), ("乌鲁木齐", "Urumqi", "XJ", 3), ("海口", "Haikou", "HI", 3),
    ("兰州", "Lanzhou", "GS", 3), ("银川", "Yinchuan", "NX", 3), ("西宁", "Xining", "QH", 4),
    ("拉萨", "Lhasa", "XZ", 4),
)  # fmt: skip

# Category: id, Chinese, English, mean price (yuan), price sigma (lognormal), cost ratio,
# return rate, weight.
CATEGORIES: tuple[tuple[str, str, str, float, float, float, float, float], ...] = (
    ("beauty", "美妆护肤", "Beauty & skincare", 220.0, 0.55, 0.38, 0.06, 1.6),
    ("apparel", "服饰鞋包", "Apparel & bags", 260.0, 0.60, 0.45, 0.22, 1.5),
    ("food", "食品饮料", "Food & beverage", 70.0, 0.50, 0.62, 0.02, 1.4),
    ("electronics", "数码家电", "Electronics", 1300.0, 0.70, 0.78, 0.05, 0.7),
    ("baby", "母婴", "Maternal & baby", 180.0, 0.50, 0.55, 0.04, 0.8),
    ("home", "家居日用", "Home & living", 110.0, 0.60, 0.50, 0.05, 1.0),
    ("sports", "运动户外", "Sports & outdoor", 320.0, 0.55, 0.50, 0.10, 0.7),
    ("personal_care", "个护清洁", "Personal care", 60.0, 0.45, 0.52, 0.03, 1.2),
)

# Channel x category affinity (multiplies the category weight); unspecified = 1.
CATEGORY_AFFINITY = {
    "douyin": {"beauty": 1.8, "food": 1.4, "apparel": 1.3, "electronics": 0.5},
    "kuaishou": {"food": 1.7, "apparel": 1.3, "electronics": 0.5},
    "xiaohongshu": {"beauty": 2.5, "apparel": 1.6, "baby": 1.3, "electronics": 0.4},
    "jd": {"electronics": 3.0, "home": 1.3, "beauty": 0.7},
    "tmall": {"apparel": 1.2, "beauty": 1.2},
    "offline": {"apparel": 1.5, "sports": 1.5, "beauty": 1.2},
    "amazon": {"electronics": 2.0, "home": 1.5, "sports": 1.3, "food": 0.2},
    "shopee": {"apparel": 1.5, "beauty": 1.3, "home": 1.2, "food": 0.3},
    "tiktok_shop": {"beauty": 1.8, "apparel": 1.5, "food": 0.2},
}

CARRIERS: tuple[tuple[str, str, str, float, float, str], ...] = (
    # id, Chinese, English, cost per parcel (yuan), mean delivery days, scope
    ("sf", "顺丰速运", "SF Express", 14.0, 1.4, "domestic"),
    ("jdl", "京东物流", "JD Logistics", 12.0, 1.3, "domestic"),
    ("zto", "中通快递", "ZTO Express", 5.5, 2.3, "domestic"),
    ("yto", "圆通速递", "YTO Express", 5.2, 2.4, "domestic"),
    ("yunda", "韵达快递", "Yunda Express", 5.0, 2.5, "domestic"),
    ("ems", "中国邮政EMS", "China Post EMS", 8.0, 2.8, "domestic"),
    ("fba", "亚马逊FBA", "Amazon FBA", 32.0, 3.5, "overseas"),
    ("overseas_wh", "海外仓本地配送", "Overseas-warehouse delivery", 28.0, 5.0, "overseas"),
    ("store_pickup", "门店自提", "Store pickup", 0.0, 0.0, "offline"),
)
DOMESTIC_CARRIERS = tuple(c for c in CARRIERS if c[5] == "domestic")

# Return scenarios (doc ch.8: seven scenarios) and the five grades of returned goods.
RETURN_REASONS = (
    ("size", "尺码不合适", "Wrong size"),
    ("quality", "质量问题", "Quality problem"),
    ("not_as_described", "与描述不符", "Not as described"),
    ("no_reason_7d", "七天无理由", "7-day no-reason return"),
    ("damaged", "物流破损", "Damaged in transit"),
    ("wrong_item", "发错货", "Wrong item sent"),
    ("price_protect", "价保退差", "Price protection refund"),
)
RETURN_GRADES = ("A", "B", "C", "D", "E")  # A resaleable as new ... E scrap

AGE_BANDS = ("18-24", "25-29", "30-34", "35-39", "40-49", "50+")
AGE_BAND_WEIGHTS = (0.22, 0.22, 0.20, 0.14, 0.14, 0.08)
OCCUPATIONS = ("白领", "学生", "自由职业", "公务员/事业单位", "蓝领", "个体户", "退休", "全职妈妈")
OCCUPATION_WEIGHTS = (0.34, 0.14, 0.10, 0.08, 0.14, 0.10, 0.04, 0.06)
MEMBER_TIERS = ("none", "normal", "silver", "gold", "diamond", "black_diamond")
# Annual-spend thresholds (yuan) of the tiers (doc ch.7: black diamond above 50,000 a year).
TIER_THRESHOLDS = {"silver": 1000.0, "gold": 5000.0, "diamond": 20000.0, "black_diamond": 50000.0}

WAREHOUSES: tuple[tuple[str, str, str, str, str], ...] = (
    # id, kind, name, province code, region served
    ("WH_EAST", "warehouse", "华东中心仓", "SH", "华东"),
    ("WH_SOUTH", "warehouse", "华南中心仓", "GD", "华南"),
    ("WH_NORTH", "warehouse", "华北中心仓", "BJ", "华北"),
    ("WH_CENTRAL", "warehouse", "华中中心仓", "HUB", "华中"),
    ("WH_WEST", "warehouse", "西南中心仓", "SC", "西南"),
    ("WH_NE", "warehouse", "东北前置仓", "LN", "东北"),
    ("WH_NW", "warehouse", "西北前置仓", "SN", "西北"),
    ("PF_JD", "platform", "京东自营仓", "BJ", "jd"),
    ("PF_CAINIAO", "platform", "天猫菜鸟仓", "ZJ", "tmall"),
    ("OS_US", "overseas", "美国海外仓", "US", "amazon"),
    ("OS_SEA", "overseas", "东南亚海外仓", "SG", "shopee"),
)
STORE_CITIES = ("上海", "北京", "广州", "深圳", "杭州", "成都", "武汉", "南京", "西安", "重庆")
