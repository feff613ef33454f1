"""创新案例 submitted by units and rated by the 工委, external awards, and each unit's 1+N 党建品牌 (issue 13)."""
