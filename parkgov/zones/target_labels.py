"""Labels kept in data/targets.yaml (target kinds and units, project categories, score parts and grades), marked
here so `makemessages` puts them in the catalogue; each is translated where it is shown (`gettext(label)`).
tests/test_zones_targets.py fails when a label of the data file is missing here.
"""

from django.utils.translation import gettext_noop

TARGET_LABELS = (
    gettext_noop("固定资产投资"), gettext_noop("工业总产值"), gettext_noop("税收收入"), gettext_noop("盘活存量用地"),
    gettext_noop("新建标准厂房"), gettext_noop("专项债获批"), gettext_noop("专项债已支付"),
    gettext_noop("万元"), gettext_noop("亩"), gettext_noop("万平方米"),
    gettext_noop("产业发展"), gettext_noop("基础设施"), gettext_noop("公共服务"), gettext_noop("创新平台"),
    gettext_noop("环境整治"),
    gettext_noop("年度投资完成率"), gettext_noop("形象进度"), gettext_noop("按时调度率"),
    gettext_noop("优秀"), gettext_noop("良好"), gettext_noop("合格"), gettext_noop("不合格"),
)
