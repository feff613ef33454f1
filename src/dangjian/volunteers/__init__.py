"""志愿服务 and 双报到: communities, registrations, feedback, and 党员突击队 (issue 13)."""
