SELECT version, status, path, trained_at, test_as_of, auc, ece FROM scoring.model ORDER BY trained_at DESC, version
