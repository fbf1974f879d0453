SELECT sha256 FROM meta.load WHERE load_id = ?
