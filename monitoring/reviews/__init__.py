"""Coordination reviews (*rakor*): how procurement went in each LPSE of a province, and its uptime.

``review_province`` computes the figures from every tenant's own schema and the probe history;
``monitoring.reviews.render`` writes them as a table, CSV, JSON or one self-contained HTML page.
"""

from monitoring.reviews.access import require_reviewer
from monitoring.reviews.figures import province_name, review_province, tenant_figures
from monitoring.reviews.models import Figures, Month, ProvinceReview, TenantReview, Uptime
from monitoring.reviews.page import REVIEW_STYLE, review_charts
from monitoring.reviews.period import Period, parse_period
from monitoring.reviews.render import FORMATS, review_csv, review_dict, review_html, review_json, review_table

__all__ = [
    "FORMATS",
    "REVIEW_STYLE",
    "Figures",
    "Month",
    "Period",
    "ProvinceReview",
    "TenantReview",
    "Uptime",
    "parse_period",
    "province_name",
    "require_reviewer",
    "review_charts",
    "review_csv",
    "review_dict",
    "review_html",
    "review_json",
    "review_province",
    "review_table",
    "tenant_figures",
]
