-- A new list for an as_of supersedes the one published for it before.
UPDATE lists.run SET status = 'superseded' WHERE as_of = ? AND status = 'published';
