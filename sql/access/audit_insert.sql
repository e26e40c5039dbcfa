-- Appends one audit row; the writer computes seq and the hash chain.
insert into access_audit
    (seq, logged_at, username, role, client, method, route, path, query, action, outcome, status, detail, prev_hash, hash)
values (?, cast(? as timestamp), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
