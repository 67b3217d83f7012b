-- Tickets per source database, and how many of them are still open (Open or InProgress).
SELECT "source" AS source,
       count(*)::BIGINT AS tickets,
       count(*) FILTER (WHERE "Status" IN ('Open', 'InProgress'))::BIGINT AS open_tickets
FROM {{silver.tickets}}
GROUP BY "source"
ORDER BY source
