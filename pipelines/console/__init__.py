"""The review console: its web app, and the sync between its operational store and the warehouse."""
