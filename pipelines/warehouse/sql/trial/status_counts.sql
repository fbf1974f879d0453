-- The trial in numbers (no person): draws, commitments with no draw, allocations by arm, withdrawals.
SELECT
    (SELECT count(*) FROM trial.draw) AS draws,
    (SELECT count(*) FROM trial.commitment WHERE status <> 'drawn') AS without_draw,
    (SELECT count(*) FROM trial.allocation WHERE arm = 'programme' AND randomised) AS programme,
    (SELECT count(*) FROM trial.allocation WHERE arm = 'programme' AND NOT randomised) AS always_treated,
    (SELECT count(*) FROM trial.allocation WHERE arm = 'control') AS control,
    (SELECT count(*) FROM trial.withdrawal) AS withdrawn,
    (SELECT max(as_of) FROM trial.draw) AS latest_draw;
