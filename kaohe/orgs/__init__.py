"""Master data: the units assessed (被考核单位) and the assessing departments (考核单位)."""
