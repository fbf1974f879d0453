"""Did it work? The trial's evaluation as pure steps: outcomes in each allocation's follow-up window,
estimates with intervals and randomisation-inference p-values, power before the trial, the CONSORT flow
and the report's charts. Frames in, documents out; reading the warehouse and writing the report is
pipelines/trial's.
"""
