"""廉政风险防控: the yearly 排查 round, risk points by post, measures and institutions (issue 13)."""
