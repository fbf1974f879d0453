INSERT INTO meta.schema_migration VALUES (?, ?, ?, ?)
