"""督查考评: frameworks, campaigns, assessments, findings, rectifications (DESIGN §7)."""
