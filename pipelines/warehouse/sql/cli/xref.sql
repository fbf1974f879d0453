-- The identity cross-reference: every source record and the person it is linked to.
SELECT * FROM link.xref
