-- Rows loaded and quarantined over every delivery, for /metrics.
select
    coalesce(sum(rows_loaded), 0)::bigint as loaded,
    coalesce(sum(rows_quarantined), 0)::bigint as quarantined
from load_batches
