"""Choices of the zone tables: code, Chinese label (and where wanted a colour) in one place."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Certified(models.TextChoices):
    """Whether a zone holds an ISO 14001 environmental management system certificate (suqian §12)."""

    YES = "yes", _("是")
    NO = "no", _("否")
