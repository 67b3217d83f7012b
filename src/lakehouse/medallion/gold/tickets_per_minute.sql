-- Tickets created and resolved per minute (UTC), over the current tickets.
WITH created AS (
  SELECT date_trunc('minute', "CreatedAt") AS minute, count(*)::BIGINT AS created
  FROM {{silver.tickets}} GROUP BY 1
), resolved AS (
  SELECT date_trunc('minute', "ResolvedAt") AS minute, count(*)::BIGINT AS resolved
  FROM {{silver.tickets}} WHERE "ResolvedAt" IS NOT NULL GROUP BY 1
)
SELECT coalesce(c.minute, r.minute) AS minute,
       coalesce(c.created, 0)::BIGINT AS created,
       coalesce(r.resolved, 0)::BIGINT AS resolved
FROM created c FULL OUTER JOIN resolved r ON c.minute = r.minute
ORDER BY minute
