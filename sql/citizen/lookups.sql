-- Every look-up and export of one pseudonym's record: audit rows whose detail names
-- the pseudonym ($pseudonym; src/lookup/ and src/citizen/ write it there, never the
-- CPR number). When, which role, the route, the detail (which holds the purpose),
-- and the user name (shown only when citizen.show_employee_names is on).
select
    strftime(logged_at, '%Y-%m-%d %H:%M') as logged_at,
    role,
    username,
    coalesce(route, path) as route,
    detail
from access_audit
where contains(detail, $pseudonym)
    and outcome = 'tilladt'
order by seq
