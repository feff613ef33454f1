"""Reports on top of every app (issue 14): 统计指标, dashboards, the annual summary, 党内统计 and the national exchange. Reads other apps through the metrics registry and their public services only."""
