SELECT accepted_at FROM meta.accepted_shorter WHERE file_name = $file_name AND sha256 = $sha256;
