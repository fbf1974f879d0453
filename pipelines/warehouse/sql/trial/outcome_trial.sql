-- The trial's name (from its latest draw), the span of its draws and how long a suitable person may
-- wait to be drawn (trial settings pool.waiting_weeks, as the draws used them).
SELECT arg_max(trial, draw_id) AS trial, min(as_of) AS first_draw, max(as_of) AS last_draw,
       max(CAST(json_extract(settings, '$.pool.waiting_weeks') AS INTEGER)) AS waiting_weeks,
       count(*) AS draws
FROM trial.draw;
