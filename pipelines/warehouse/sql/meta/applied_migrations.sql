SELECT version, name, sha256 FROM meta.schema_migration
