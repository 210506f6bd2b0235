"""Labels kept in the zones data files (profiles/*.yaml names, goals, indicators, potentials and units), marked
here so `makemessages` puts them in the catalogue; each is translated where it is shown (`gettext(label)`).
tests/test_zones_pages.py fails when a label of a built-in profile is missing here.
"""

from django.utils.translation import gettext_noop

PROFILE_LABELS = (
    gettext_noop("开发区土地集约利用评价规程（TD/T 1029-2010）主区"),
    gettext_noop("土地利用状况"),
    gettext_noop("土地利用程度"),
    gettext_noop("土地开发率"),
    gettext_noop("土地供应率"),
    gettext_noop("土地建成率"),
    gettext_noop("用地结构状况"),
    gettext_noop("工业用地率"),
    gettext_noop("土地利用强度"),
    gettext_noop("综合容积率"),
    gettext_noop("建筑密度"),
    gettext_noop("工业用地综合容积率"),
    gettext_noop("工业用地建筑系数"),
    gettext_noop("用地效益"),
    gettext_noop("产业用地投入产出效益"),
    gettext_noop("工业用地固定资产投入强度"),
    gettext_noop("工业用地产出强度"),
    gettext_noop("管理绩效"),
    gettext_noop("土地利用监管绩效"),
    gettext_noop("闲置土地处置率"),
    gettext_noop("土地有偿使用实现率"),
    gettext_noop("扩展潜力"),
    gettext_noop("结构潜力"),
    gettext_noop("强度潜力"),
    gettext_noop("管理潜力"),
    gettext_noop("开发区土地集约利用评价（2014 年度试行）工业主导型 发展方向区"),
    gettext_noop("工业用地地均税收"),
    gettext_noop("土地闲置率"),
    gettext_noop("开发区土地集约利用评价（2014 年度试行）工业主导型 主区"),
    gettext_noop("开发区土地集约利用评价（2014 年度试行）产城融合型 主区"),
    gettext_noop("综合用地效益"),
    gettext_noop("综合地均税收"),
    gettext_noop("人口密度"),
    gettext_noop("万元/公顷"),
    gettext_noop("人/公顷"),
)

# parkgov/zones/fields.py: the account headers and units shown on the pages
FIELD_LABELS = (
    gettext_noop("土地总面积"),
    gettext_noop("公顷"),
    gettext_noop("总建筑面积"),
    gettext_noop("万平方米"),
    gettext_noop("建筑基底总面积"),
    gettext_noop("工矿仓储总建筑面积"),
    gettext_noop("工矿仓储建筑基底面积"),
    gettext_noop("工业企业固定资产投资总额"),
    gettext_noop("万元"),
    gettext_noop("工业企业税收总额"),
    gettext_noop("二三产业税收总额"),
    gettext_noop("常住人口"),
    gettext_noop("人"),
    gettext_noop("已处置闲置土地"),
    gettext_noop("工业总产值"),
    gettext_noop("本年供应土地"),
)
