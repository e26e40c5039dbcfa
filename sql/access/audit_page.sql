-- One page of the audit log, newest first: rows before a number (keyset paging),
-- of one user or everyone's. The limit is applied on the table before the time is
-- formatted, so a page costs the same at a million rows as at a thousand.
-- Parameters: user (null: everyone), the same user again, before (null: from the
-- newest), lowest number worth reading (a hint that lets DuckDB skip row groups;
-- 0 when a user is filtered), how many.
with page as (
    select *
    from access_audit
    where (cast(? as varchar) is null or username = cast(? as varchar))
      and seq < coalesce(cast(? as bigint), 9223372036854775807)
      and seq >= cast(? as bigint)
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
    from page
)

select * from final
order by seq desc
