"""年度工作总结: the annual summary generated from a docxtpl template of metric references."""
