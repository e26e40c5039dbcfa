-- Open monitoring alerts by kind and severity, for /metrics.
select kind, severity, count(*) as n
from alerts
where status = 'aaben'
group by kind, severity
order by kind, severity
