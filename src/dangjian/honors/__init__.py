"""评选表彰 (七一表彰): rounds with quotas, nominations with their record checks, 公示, decisions; the honors register (issue 13)."""
