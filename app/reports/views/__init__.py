"""Pages of the reports module."""
from app.reports.views import exports, framework, narratives, quality, report, research  # noqa: F401
