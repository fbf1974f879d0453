"""Governance: the fairness audit, the model card and transparency record, and the board pack.

Pure steps over what the pipeline already records (model artefacts, list runs, the audit log);
the I/O around them lives in pipelines/.
"""
