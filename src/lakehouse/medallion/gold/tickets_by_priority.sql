-- Current tickets per priority, across all sources.
SELECT "Priority" AS priority, count(*)::BIGINT AS tickets
FROM {{silver.tickets}}
GROUP BY "Priority"
ORDER BY priority
