SELECT source, source_record_id, person_id FROM link.xref
