# Sourced by the page benchmarks (bench_pages.sh, bench_pages_during_run.sh).
# ms PERCENTILE FILE: wrk's latency at that percentile (wrk writes 850.00us, 1.23ms or
# 1.02s) in milliseconds.
ms() {
    awk -v p="$1%" '$1 == p {
        v = $2
        if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 }
        else if (v ~ /ms$/) { sub(/ms$/, "", v) }
        else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }
        printf "%.2f", v
    }' "$2"
}
