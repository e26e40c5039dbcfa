-- How much the caseworkers use the look-up (#14), for the human-oversight section
-- of the technical documentation (#16; AI Act Art. 14 and 26): per calendar month
-- of the audit log, look-ups answered and refused, and judgements recorded. These
-- are counts of requests by all users together: no column says who looked up or
-- judged, and nothing is read out of an audit row's detail (where the purpose and
-- the pseudonym are), so the mart can never rank staff or point to a citizen.
create or replace table mart_lookup_use as
with requests as (
    select
        date_trunc('month', logged_at)::date as month,
        action,
        outcome
    from access_audit
    where action in ('borgeropslag', 'vurdering')
),

final as (
    select
        month,
        count(*) filter (where action = 'borgeropslag' and outcome = 'tilladt') as lookups,
        count(*) filter (where action = 'borgeropslag' and outcome <> 'tilladt') as lookups_refused,
        count(*) filter (where action = 'vurdering' and outcome = 'tilladt') as judgements_recorded
    from requests
    group by month
)

select * from final
order by month;
