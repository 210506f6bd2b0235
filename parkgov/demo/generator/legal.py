"""What follows a department finding in the demo: its legal basis, the deadline to rectify, whether it can be
rectified at all (可整改达标), and when a closed one was closed (销号).

The legal bases are a small table keyed by the finding's description template (figures.DESCRIPTIONS and
figures.PARCEL_FINDINGS): the law and article a department would cite for that problem. Source: the laws'
published texts as remembered (中华人民共和国环境保护法 2014, 大气污染防治法 2018, 固体废物污染环境防治法 2020,
安全生产法 2021, 消防法 2021, 城乡规划法 2019, 土地管理法 2019, 特种设备安全法, 排污许可管理条例 2021,
市场主体登记管理条例 2022, 危险化学品安全管理条例); verified: false — demo data, check the article numbers
against the official texts before citing them in real work.
"""

from __future__ import annotations

import numpy as np

from parkgov.demo.generator.dates import REF_DAY

LEGAL_SOURCE = "演示数据：法律条文按公开文本记忆整理，未逐条核实（verified: false）"
LEGAL_BASIS = {
    # 环保 (生态环境)
    "危废暂存间标识不全": "《中华人民共和国固体废物污染环境防治法》第七十七条",
    "废气收集处理设施未正常运行": "《中华人民共和国大气污染防治法》第二十条",
    "雨污分流不彻底，雨水口有污水排入": "《中华人民共和国水污染防治法》第三十九条",
    "VOCs无组织排放，车间未密闭": "《中华人民共和国大气污染防治法》第四十五条",
    "危险废物台账记录不全": "《中华人民共和国固体废物污染环境防治法》第七十八条",
    "污水处理设施运行记录缺失": "《中华人民共和国环境保护法》第四十二条",
    "喷涂废气活性炭未按期更换": "《中华人民共和国大气污染防治法》第二十条",
    "一般固废露天堆放": "《中华人民共和国固体废物污染环境防治法》第二十条",
    "闲置厂区内堆放不明固体废物约{n}平方米": "《中华人民共和国固体废物污染环境防治法》第二十条",
    # 安全生产 (应急管理)
    "有限空间作业未履行审批手续": "《中华人民共和国安全生产法》第四十三条",
    "特种设备未按期检验": "《中华人民共和国特种设备安全法》第四十条",
    "安全生产责任制未落实到岗位": "《中华人民共和国安全生产法》第四条",
    "危化品仓库超量储存": "《危险化学品安全管理条例》第二十四条",
    "冲压设备防护装置缺失": "《中华人民共和国安全生产法》第三十六条",
    "员工安全培训记录不全": "《中华人民共和国安全生产法》第二十八条",
    "粉尘涉爆场所除尘系统不规范": "《工贸企业粉尘防爆安全规定》第十条",
    "液化气瓶使用不规范": "《城镇燃气管理条例》第二十八条",
    # 消防
    "消防通道被货物堵塞": "《中华人民共和国消防法》第二十八条",
    "疏散指示标志损坏": "《中华人民共和国消防法》第十六条",
    "灭火器过期未更换": "《中华人民共和国消防法》第十六条",
    "厂房内违规设置员工宿舍（三合一）": "《中华人民共和国消防法》第十九条",
    "室内消火栓无水": "《中华人民共和国消防法》第十六条",
    "彩钢板夹芯材料不符合防火要求": "《中华人民共和国消防法》第二十六条",
    "电气线路私拉乱接": "《中华人民共和国消防法》第二十七条",
    "自动喷淋系统未保持完好": "《中华人民共和国消防法》第十六条",
    "出租厂房消防设施缺失，承租人不明": "《中华人民共和国消防法》第十六条",
    # 违法建设 (综合执法, 自然资源和规划)
    "未经审批擅自搭建钢结构棚约{n}平方米": "《中华人民共和国城乡规划法》第六十四条",
    "厂区内违法加层约{n}平方米": "《中华人民共和国城乡规划法》第六十四条",
    "占用绿地搭建临时建筑约{n}平方米": "《中华人民共和国城乡规划法》第六十六条",
    "围墙外违法搭建简易仓库约{n}平方米": "《中华人民共和国城乡规划法》第六十四条",
    "集体土地上未批先建厂房约{n}平方米": "《中华人民共和国土地管理法》第七十七条",
    "厂区内违法搭建钢棚约{n}平方米，使用人不明": "《中华人民共和国城乡规划法》第六十四条",
    "地块被擅自占用建设约{n}平方米": "《中华人民共和国土地管理法》第七十七条",
    "批而未供地块被擅自堆放物料约{n}平方米": "《中华人民共和国土地管理法》第七十七条",
    # 无证无照 (市场监管)
    "未取得营业执照从事生产经营": "《中华人民共和国市场主体登记管理条例》第四十三条",
    "超出登记经营范围生产": "《中华人民共和国市场主体登记管理条例》第二十六条",
    "排污许可证过期未延续": "《排污许可管理条例》第十四条",
    "特种设备未办理使用登记": "《中华人民共和国特种设备安全法》第三十三条",
    "工业产品生产许可证过期": "《中华人民共和国工业产品生产许可证管理条例》第五条",
}
# Days to rectify by severity (一般 / 较重 / 重大), and the chance that a finding cannot be rectified to standard
# (so the firm or building must go: 关停退出 or 拆除).
DEADLINE_DAYS = np.array([30, 60, 90])
NOT_RECTIFIABLE_P = np.array([0.02, 0.12, 0.45])


def legal_basis(templates: list) -> list:
    """The legal basis of each description template, in order."""
    return [LEGAL_BASIS[t] for t in templates]


def follow_up(severity: np.ndarray, found: np.ndarray, rng) -> dict:
    """Deadline (day), rectifiable flag and the closing day a closed finding would have, per finding."""
    k = len(severity)
    deadline = found + DEADLINE_DAYS[severity]
    rectifiable = rng.random(k) >= NOT_RECTIFIABLE_P[severity]
    took = (DEADLINE_DAYS[severity] * rng.uniform(0.3, 1.4, k)).astype(np.int64)
    return {"deadline": deadline, "rectifiable": rectifiable, "closed": np.minimum(found + took, REF_DAY)}
