-- Creates or replaces one user. Parameters: name, role, hash, enabled, created, updated.
insert or replace into access_users
    (username, role, password_hash, enabled, created_at, updated_at)
values (?, ?, ?, ?, cast(? as timestamp), cast(? as timestamp))
