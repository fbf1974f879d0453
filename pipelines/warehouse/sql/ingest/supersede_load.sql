UPDATE meta.load SET status = 'superseded', superseded_by = $superseded_by WHERE load_id = $load_id;
