-- Where the chain continues: the last row's number and hash.
select seq, hash
from access_audit
order by seq desc
limit 1
