"""The page list: sections of the navigation, built from the files that exist in ``pages/``.

Each entry: file name, Chinese title, English title, icon, URL path. A page is listed once its file
exists, so screens land one by one without editing ``app.py``.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

LIVE = [("war_room.py", "作战大屏", "War Room", ":material/monitoring:", "war-room")]
CHAPTERS = [
    ("ch01_overview.py", "01 全域营销概念与行业趋势", "01 Omni-channel concepts & trends", ":material/public:", "ch01"),
    ("ch02_traffic.py", "02 电商平台流量生态解析", "02 Platform traffic ecosystem", ":material/traffic:", "ch02"),
    ("ch03_profiles.py", "03 用户画像与精准触达", "03 Profiles & precise reach", ":material/target:", "ch03"),
    ("ch04_content.py", "04 内容营销创新玩法", "04 Content marketing", ":material/live_tv:", "ch04"),
    ("ch05_social.py", "05 社交电商裂变增长体系", "05 Social viral growth", ":material/share:", "ch05"),
    ("ch06_search.py", "06 搜索引擎与信息流优化", "06 Search & feed ads", ":material/search:", "ch06"),
    ("ch07_loyalty.py", "07 会员体系与忠诚度计划", "07 Membership & loyalty", ":material/diamond:", "ch07"),
    ("ch08_inventory.py", "08 全渠道库存与履约协同", "08 Inventory & fulfilment", ":material/inventory_2:", "ch08"),
    ("ch09_platform.py", "09 数据中台与营销自动化", "09 Data platform & automation", ":material/hub:", "ch09"),
    ("ch10_crossborder.py", "10 跨境出海营销布局", "10 Cross-border", ":material/flight_takeoff:", "ch10"),
    ("ch11_web3.py", "11 元宇宙与Web3.0营销探索", "11 Metaverse & Web3", ":material/link:", "ch11"),
    ("ch12_calendar.py", "12 营销活动全年节奏规划", "12 Campaign calendar & planner", ":material/calendar_month:", "ch12"),
    ("ch13_team.py", "13 营销团队组织能力建设", "13 Team capability", ":material/groups:", "ch13"),
    ("ch14_tech.py", "14 创新技术应用前瞻", "14 Technology outlook", ":material/rocket_launch:", "ch14"),
]  # fmt: skip
DATA = [("data.py", "数据中心", "Data", ":material/database:", "data")]
SECTIONS = [
    (("实时作战", "Live"), LIVE),
    (("章节 01–14", "Chapters 01–14"), CHAPTERS),
    (("数据", "Data"), DATA),
]


def available(
    entries: list[tuple[str, str, str, str, str]],
) -> list[tuple[str, str, str, str, str]]:
    """Entries whose page file exists."""
    return [e for e in entries if (ROOT / "pages" / e[0]).exists()]


def page_urls() -> list[str]:
    """URL paths of every available page, in navigation order (for kiosk rotation).

    The first page is the app's default page and lives at the root URL (``""``).
    """
    urls = [e[4] for _, entries in SECTIONS for e in available(entries)]
    return [""] + urls[1:] if urls else urls
