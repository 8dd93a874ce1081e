"""Fixtures of the importer tests: the real retail export, a file warehouse holding a small world,
and writers for the kinds of files real platforms export."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from omni_core.datasets import write_world
from omni_core.warehouse import Warehouse

DATA = Path(__file__).resolve().parents[1] / "data"
RETAIL = DATA / "online_retail_2010-12.csv"


@pytest.fixture(scope="session")
def _world_file(tmp_path_factory, small_world) -> Path:
    path = tmp_path_factory.mktemp("ingest_wh") / "base.duckdb"
    w = Warehouse(f"duckdb:///{path}")
    write_world(w, small_world)
    w.close()
    return path


@pytest.fixture
def file_wh(tmp_path, _world_file) -> Warehouse:
    """A DuckDB file warehouse holding the small world as dataset ``world`` (a dataset an import
    must leave intact), fresh for each test."""
    path = tmp_path / "wh.duckdb"
    shutil.copy(_world_file, path)
    w = Warehouse(f"duckdb:///{path}")
    yield w
    w.close()


def snapshot(wh: Warehouse) -> dict[str, dict[str, str]]:
    """Content hashes of every table of every dataset (the before/after comparison)."""
    return {d: wh.checksum(d) for d in wh.datasets()}


CHINESE_ROWS = [
    # 订单号, 下单时间, 付款时间, 买家ID, 商品编码, 商品名称, 数量, 单价, 实付金额, 订单状态, 渠道, 省份
    ("2024111100001", "2024年11月11日 00:05", "2024年11月11日 00:06", "tb_小王", "SKU-001",
     "保湿面霜 50ml", "2", "￥1,299.00", "￥2,398.00", "交易成功", "天猫", "广东省"),
    ("2024111100001", "2024年11月11日 00:05", "2024年11月11日 00:06", "tb_小王", "SKU-002",
     "洁面乳", "1", "￥99.00", "￥2,398.00", "交易成功", "天猫", "广东省"),
    ("2024111100002", "2024年11月11日 00:07", "", "jd_李雷", "SKU-002", "洁面乳", "3",
     "￥99.00", "￥297.00", "等待买家付款", "京东", "北京"),
    ("2024111100003", "2024年11月11日 01:30", "2024年11月11日 01:31", "dy_韩梅梅", "SKU-003",
     "精华液 30ml", "1", "￥599.00", "￥549.00", "退款成功", "抖音", "浙江省杭州市"),
    ("2024111200004", "2024年11月12日 20:15", "2024年11月12日 20:16", "tb_小王", "SKU-003",
     "精华液 30ml", "1", "￥599.00", "￥599.00", "交易成功", "天猫", "广东省"),
    ("2024111200005", "2024年11月12日 21:00", "2024年11月12日 21:02", "", "SKU-001",
     "保湿面霜 50ml", "1", "￥1,299.00", "￥1,299.00", "交易成功", "小红书", "上海"),
]  # fmt: skip
CHINESE_HEADER = ("订单号", "下单时间", "付款时间", "买家ID", "商品编码", "商品名称", "数量",
                  "单价", "实付金额", "订单状态", "渠道", "省份")  # fmt: skip


def write_chinese(path: Path, encoding: str, delimiter: str = ",") -> Path:
    """A Chinese platform's order export (quoted values, ￥ amounts, 年月日 dates)."""
    lines = [delimiter.join(CHINESE_HEADER)]
    for r in CHINESE_ROWS:
        lines.append(delimiter.join(f'"{v}"' if "," in v else v for v in r))
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path
