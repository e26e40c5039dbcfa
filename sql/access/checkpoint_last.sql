-- The newest verified checkpoint, and the time of the newest full check.
with latest as (
    select seq, hash, rows, full_check,
        strftime(verified_at, '%Y-%m-%d %H:%M:%S') as verified_at
    from access_audit_checkpoints
    order by seq desc, verified_at desc
    limit 1
),

last_full as (
    select strftime(max(verified_at), '%Y-%m-%d %H:%M:%S') as full_at
    from access_audit_checkpoints
    where full_check
),

final as (
    select latest.*, last_full.full_at
    from latest cross join last_full
)

select * from final
