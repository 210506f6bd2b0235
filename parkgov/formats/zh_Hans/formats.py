"""Number formats for 简体中文 pages: figures grouped by three digits with commas (1,234,567.89), as Chinese
financial and statistical tables print them and as the map's card (the browser's zh-CN locale) does. Django's
own zh_Hans formats group by four without a separator (12345678.90), which staff misread in long figures.
Everything else comes from Django's zh_Hans module."""

from django.conf.locale.zh_Hans.formats import *  # noqa: F401,F403

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
