"""The warehouse: connection, migrations, every SQL statement, the audit log, model registry and store."""
