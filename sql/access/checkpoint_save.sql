-- Records a verified checkpoint. Parameters: seq, hash, rows, full check, time (UTC).
insert into access_audit_checkpoints (seq, hash, rows, full_check, verified_at)
values (?, ?, ?, ?, cast(? as timestamp))
