-- The open backlog (Open or InProgress) per source, with its estimated cost.
SELECT "source" AS source,
       count(*)::BIGINT AS open_tickets,
       CAST(coalesce(sum("EstimatedCost"), 0) AS DECIMAL(18,2)) AS open_estimated_cost
FROM {{silver.tickets}}
WHERE "Status" IN ('Open', 'InProgress')
GROUP BY "source"
ORDER BY source
