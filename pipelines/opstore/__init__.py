"""The review console's operational store (SQLite by default, PostgreSQL by URL).

It holds what the web app writes while a flow holds the warehouse (accounts, sessions, decisions,
approvals, the view journal) and the read model the flows publish for it.
"""
