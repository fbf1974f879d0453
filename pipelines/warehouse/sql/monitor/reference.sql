-- A model's training snapshots per feature and fine bin, if counted already.
SELECT feature, bin, people FROM scoring.feature_reference WHERE model_version = ?;
