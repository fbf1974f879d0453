"""The trial stage: randomised allocation, withdrawals, outcome evaluation and the CONSORT flow."""
