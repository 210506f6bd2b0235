"""Labels kept in data files, marked here so `makemessages` puts them in the catalogue.

The files stay Chinese; each label is translated where it is shown (`gettext(label)`, `{% translate label %}`).
tests/test_i18n.py fails when a label in one of these files is missing here.
"""

from django.utils.translation import gettext_noop

# parkgov/web/data/cockpit.yaml: figure names, units and notes
COCKPIT = (
    gettext_noop("规上工业亩均税收"), gettext_noop("工业亩均税收"), gettext_noop("亩均增加值"), gettext_noop("闲置与批而未供土地占比"),
    gettext_noop("缺少本年度数据的企业占比"), gettext_noop("登记与图形面积不符的地块占比"), gettext_noop("万元/亩"),
    gettext_noop("低于嵊州目标 30 万元/亩"), gettext_noop("低于 15 万元/亩（重点指导线）"), gettext_noop("超过 5%"),
    gettext_noop("数据不全，结果可能失真"), gettext_noop("需核对宗地面积或图形"),
)

# parkgov/accounts/data/roles.yaml: role names
ROLES = (
    gettext_noop("管理员"), gettext_noop("管委会"), gettext_noop("经信"), gettext_noop("自然资源和规划"),
    gettext_noop("生态环境"), gettext_noop("应急管理"), gettext_noop("消防"), gettext_noop("综合执法"),
    gettext_noop("市场监管"), gettext_noop("税务"), gettext_noop("统计"), gettext_noop("发改"), gettext_noop("住建"),
    gettext_noop("招商"), gettext_noop("企业"),  # issue 16 §5: the enterprise accounts' role
)

# parkgov/accounts/data/roles.yaml: field group names (named when a role may not see a group)
FIELD_GROUPS = (gettext_noop("税收数据"), gettext_noop("经济数据"), gettext_noop("资源与排放数据"), gettext_noop("亩均评价结果"))

# parkgov/codes/data/departments.csv: department names (findings, figure sources)
DEPARTMENTS = (
    gettext_noop("管委会"), gettext_noop("经信"), gettext_noop("自然资源和规划"), gettext_noop("生态环境"),
    gettext_noop("应急管理"), gettext_noop("综合执法"), gettext_noop("消防"), gettext_noop("市场监管"), gettext_noop("税务"),
    gettext_noop("统计"), gettext_noop("发改"), gettext_noop("住建"), gettext_noop("招商"), gettext_noop("其他"),
)

# parkgov/codes/data/parcel_feature_codes.csv, attachment_feature_codes.csv: GB/T 37346 feature-code meanings
FEATURE_CODES = (
    gettext_noop("国家土地所有权"), gettext_noop("集体土地所有权"), gettext_noop("土地所有权未确定或有争议"), gettext_noop("集体土地所有权宗地"),
    gettext_noop("建设用地使用权宗地（地表）"), gettext_noop("建设用地使用权宗地（地上）"), gettext_noop("建设用地使用权宗地（地下）"),
    gettext_noop("宅基地使用权宗地"), gettext_noop("土地承包经营权宗地（耕地）"), gettext_noop("土地承包经营权宗地（林地）"),
    gettext_noop("土地承包经营权宗地（草地）"), gettext_noop("海域使用权宗海"), gettext_noop("无居民海岛使用权"),
    gettext_noop("使用权未确定或有争议"), gettext_noop("其他使用权"), gettext_noop("房屋等建筑物、构筑物"), gettext_noop("森林、林木"),
    gettext_noop("其他"), gettext_noop("无定着物"),
)

# parkgov/governance/data/finding_transitions.yaml: the finding actions (buttons, history reasons)
FINDING_ACTIONS = (gettext_noop("开始整改"), gettext_noop("销号"), gettext_noop("重新打开"))


# issue 15 §1 准入联审: supply/thresholds/*.yaml profile names and rule labels, admission_review.yaml investor
# checks (tests/test_supply_admission_rules.py fails when one is missing here)
ADMISSION = (
    gettext_noop("灌云经济开发区项目准入标准（2020）"), gettext_noop("投资强度（亩均投资密度）"), gettext_noop("亩均税收"),
    gettext_noop("行政办公及生活服务设施用地所占比重"), gettext_noop("绿地率"), gettext_noop("建筑系数"),
    gettext_noop("投资强度（国家控制指标，按地区类别与行业）"), gettext_noop("工业项目建设用地控制指标（国家，2008）"),
    gettext_noop("宿迁市开发区项目准入标准（2017）"), gettext_noop("投资强度"), gettext_noop("容积率（一般工业项目）"),
    gettext_noop("建筑系数（一般工业项目）"), gettext_noop("投资主体或关联企业持有闲置土地"), gettext_noop("投资主体或关联企业存在未了结的标准地违约"),
    gettext_noop("投资主体或关联企业亩均评价为 D 类"), gettext_noop("投资主体或关联企业存在未销号的较重或重大检查问题"),
)

# parkgov/spatial/data/topology.yaml: the kinds of topology problem
TOPOLOGY = (gettext_noop("无效图形"), gettext_noop("地块重叠"), gettext_noop("超出园区范围"), gettext_noop("地块缝隙"),
            gettext_noop("狭长碎片"), gettext_noop("面积不符"))
