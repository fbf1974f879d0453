SELECT coalesce(max(max_person_id), 0) + 1 FROM link.run
