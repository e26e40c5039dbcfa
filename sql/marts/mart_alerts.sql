-- Open alerts for the cockpit, newest and most severe first. Messages are
-- aggregate-only by construction (see src/monitor/alerts.rs).
create or replace table mart_alerts as
with alerts as (
    select * from main.alerts where status = 'aaben'
),

final as (
    select
        severity,
        kind,
        subject,
        message,
        first_seen_month,
        last_seen_month,
        case severity when 'alarm' then 0 when 'advarsel' then 1 else 2 end as severity_rank
    from alerts
)

select * from final
order by severity_rank, last_seen_month desc, kind, subject;
