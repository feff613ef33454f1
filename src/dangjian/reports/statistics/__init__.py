"""党内统计 yearly tables with the balance check, and the national-system exchange columns."""
