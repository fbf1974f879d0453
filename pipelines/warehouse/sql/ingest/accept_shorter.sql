INSERT INTO meta.accepted_shorter (file_name, sha256, held_load_id, accepted_by, accepted_at, reason)
VALUES ($file_name, $sha256, $held_load_id, $accepted_by, $accepted_at, $reason);
