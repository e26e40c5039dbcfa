-- The newest audit rows, newest first, for the admin page.
-- Parameters: user (null: everyone), the same user again, how many.
with selected as (
    select *
    from access_audit
    where cast(? as varchar) is null or username = cast(? as varchar)
    order by seq desc
    limit ?
),

final as (
    select
        seq,
        strftime(logged_at, '%Y-%m-%d %H:%M:%S.%f') as logged_at,
        username,
        role,
        client,
        method,
        route,
        path,
        query,
        action,
        outcome,
        status,
        detail,
        prev_hash,
        hash
    from selected
)

select * from final
order by seq desc
