-- The risk models trained (cohort model train) and who approved or retired each, and why.
-- Artefacts live in files (models/artefact.py); the warehouse says which one is in use.
-- At most one model is approved at a time: weekly scoring uses that one and no other.
CREATE TABLE scoring.model (
    version VARCHAR PRIMARY KEY,           -- risk-<test date>-<content hash prefix>
    content_hash VARCHAR NOT NULL,
    path VARCHAR NOT NULL,                 -- the artefact folder
    trained_at TIMESTAMP NOT NULL,
    test_as_of DATE NOT NULL,
    train_from DATE NOT NULL,
    train_to DATE NOT NULL,
    rules_version VARCHAR NOT NULL,
    code_version VARCHAR NOT NULL,
    auc DOUBLE,
    ece DOUBLE,
    status VARCHAR NOT NULL CHECK (status IN ('candidate', 'approved', 'retired'))
);

CREATE TABLE scoring.model_status (
    version VARCHAR NOT NULL,              -- scoring.model
    status VARCHAR NOT NULL CHECK (status IN ('candidate', 'approved', 'retired')),
    changed_by VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    changed_at TIMESTAMP NOT NULL
);
