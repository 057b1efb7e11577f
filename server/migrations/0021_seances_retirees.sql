-- When a held session stopped being held (its pass validation cancelled): the data consumers'
-- API, which walks what changed, tells its clients that the activity they received is withdrawn.
ALTER TABLE seances ADD COLUMN retiree_at TEXT;
