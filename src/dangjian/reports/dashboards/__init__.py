"""统计指标 (every registered metric by year and scope, with drill-down) and the dashboards."""
