INSERT INTO meta.load (load_id, run_id, source, file_name, sha256, size_bytes, extract_date, received_at, loaded_at,
                       status, contract_version, problem)
VALUES ($load_id, $run_id, $source, $file_name, $sha256, $size_bytes, $extract_date, $received_at, $loaded_at,
        $status, $contract_version, $problem);
