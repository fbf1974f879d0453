-- Every file content ever seen, so a file already loaded (or rejected) is not read again.
SELECT sha256, file_name, status FROM meta.load ORDER BY load_id;
