-- Mean time from creation to resolution, in seconds, per source, over tickets with a ResolvedAt.
SELECT "source" AS source,
       count(*)::BIGINT AS resolved_tickets,
       avg(epoch_us("ResolvedAt") - epoch_us("CreatedAt")) / 1e6 AS mean_resolve_sec
FROM {{silver.tickets}}
WHERE "ResolvedAt" IS NOT NULL
GROUP BY "source"
ORDER BY source
