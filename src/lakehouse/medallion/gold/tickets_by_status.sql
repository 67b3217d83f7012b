-- Current tickets per status, across all sources.
SELECT "Status" AS status, count(*)::BIGINT AS tickets
FROM {{silver.tickets}}
GROUP BY "Status"
ORDER BY status
