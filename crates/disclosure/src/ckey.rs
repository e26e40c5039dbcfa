//! Cell-key perturbation (the method of the UK Office for National Statistics for the
//! 2021 census tables), as this product uses it.
//!
//! Every record (a benefit spell of a citizen) gets fixed record keys 0..255: bytes of
//! SHA-256 over its pseudonym and spell id. The pseudonym is a keyed HMAC of the CPR
//! number, so nobody without the pseudonymisation key can compute a record key.
//!
//! The key of a cell is computed in the mart SQL beside every count (`<count>_ckey`). For
//! a count over a subset F of the row's records R (the row count itself: F = R):
//!
//! ```text
//! key(F | R) = ( sum of byte 0 over F  +  sum of byte 1 over R minus F ) mod 256
//! ```
//!
//! and for a sum of per-person values (predicted probabilities) bytes 2 and 3 instead.
//! A fixed perturbation table maps (true count, cell key) to a small noise. So:
//! - the same persons always get the same noise, on every page, filter, export and month:
//!   asking again, or through another route, gives nothing new;
//! - any change to the persons behind a row (one filter and an overlapping one, a cohort
//!   before and after a late registration) draws new noise for every figure of the row,
//!   also for a count whose own persons did not change; so differencing does not cancel
//!   the noise, and "this count did not move" does not tell whether the new person is in it;
//! - a sum gets noise independent of its count, so mean x count does not cancel it.
//!
//! The noise is unbiased for every count, at most ±[`MAX_NOISE`], and never takes a count
//! at or above k below k; zero stays zero. Counts under k are perturbed too (with the
//! floor 0) because they enter rates as numerators; as counts they are suppressed.

use sha2::{Digest, Sha256};

/// The largest noise added to or taken from a count.
pub const MAX_NOISE: i64 = 3;
/// Number of distinct cell keys; record keys and cell keys are 0..KEYS-1.
pub const KEYS: u32 = 256;

/// How many of the 256 cell keys give each noise -3..=3, for counts far from a floor.
/// 12 + 26 + 52 + 76 + 52 + 26 + 12 = 256; symmetric, so the mean is 0; variance 2.11.
const BASE: [u32; 7] = [12, 26, 52, 76, 52, 26, 12];

/// The record keys of one spell: the first four bytes of SHA-256 of `pseudonym|record`.
/// Byte i mirrors the SQL `('0x' || substr(sha256(person_id || '|' || spell_id), 2i+1, 2))::integer`.
pub fn record_keys(pseudonym: &str, record: &str) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(pseudonym.as_bytes());
    h.update(b"|");
    h.update(record.as_bytes());
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

/// The key of a count over the records with `in_subset` among a row's records, each
/// given as (record keys, in subset). `sum` selects bytes 2 and 3 (for sums of values).
pub fn subset_key<'a, I>(records: I, sum: bool) -> u32
where
    I: IntoIterator<Item = (&'a [u8; 4], bool)>,
{
    let (inside, outside) = if sum { (2, 3) } else { (0, 1) };
    records
        .into_iter()
        .map(|(keys, in_subset)| u32::from(keys[if in_subset { inside } else { outside }]))
        .sum::<u32>()
        % KEYS
}

/// The noise distribution for a true count: slots per noise value -3..=3 (index 0 is -3),
/// summing to 256 with mean exactly 0, such that `count + noise >= floor`.
///
/// Far from the floor it is [`BASE`]. Near it, noise that would cross the floor is moved
/// to 0, and the mean this leaves (positive) is cancelled by moving slots from 0 to the
/// largest allowed negative noise. With a floor of k a count of exactly k can only stay k.
pub fn distribution(count: i64, floor: i64) -> [u32; 7] {
    let room = (count - floor).clamp(0, MAX_NOISE);
    if count <= 0 || room == MAX_NOISE {
        return if count <= 0 {
            [0, 0, 0, KEYS, 0, 0, 0]
        } else {
            BASE
        };
    }
    let mut slots = BASE;
    let idx = |v: i64| (v + MAX_NOISE) as usize;
    for v in -MAX_NOISE..-room {
        slots[idx(0)] += slots[idx(v)];
        slots[idx(v)] = 0;
    }
    if room == 0 {
        // Only noise >= 0 is allowed; the only unbiased choice is none.
        return [0, 0, 0, KEYS, 0, 0, 0];
    }
    let mean: i64 = (-MAX_NOISE..=MAX_NOISE)
        .map(|v| v * i64::from(slots[idx(v)]))
        .sum();
    // mean > 0; move mean/room slots from 0 to -room. BASE is chosen so this divides
    // exactly for room 1 and 2 (a test checks every row is unbiased).
    let moved = (mean / room) as u32;
    slots[idx(0)] -= moved;
    slots[idx(-room)] += moved;
    slots
}

/// The noise the table gives a cell with this true count and key.
pub fn noise(count: i64, ckey: u32, floor: i64) -> i64 {
    let slots = distribution(count, floor);
    let mut edge = 0u32;
    for (i, s) in slots.iter().enumerate() {
        edge += s;
        if ckey % KEYS < edge {
            return i as i64 - MAX_NOISE;
        }
    }
    0
}

/// The published value of a count: counts from `k` up never go below `k`; smaller
/// counts (suppressed where shown, used inside rates) never below 0.
pub fn perturb_count(count: i64, ckey: u32, k: i64) -> i64 {
    let floor = if count >= k { k } else { 0 };
    count + noise(count, ckey, floor)
}

/// The published value of a sum of per-person values in 0..=1 (e.g. predicted
/// probabilities): the same table with no floor, scaled by the largest contribution 1.
pub fn perturb_sum(sum: f64, ckey: u32) -> f64 {
    (sum + noise(i64::MAX / 2, ckey, 0) as f64).max(0.0)
}

/// Every true count that the table could have published as `published` (for a reader
/// who does not know the cell key: each key is equally likely). Used by the tests that
/// play the attacker, and documented as what a reader can and cannot infer.
pub fn possible_true_counts(published: i64, k: i64) -> Vec<i64> {
    (published - MAX_NOISE..=published + MAX_NOISE)
        .filter(|&c| c >= 0)
        .filter(|&c| (0..KEYS).any(|key| perturb_count(c, key, k) == published))
        .collect()
}

/// Probability that the table publishes `published` for the true count `count`.
pub fn probability(count: i64, published: i64, k: i64) -> f64 {
    let hits = (0..KEYS)
        .filter(|&key| perturb_count(count, key, k) == published)
        .count();
    hits as f64 / f64::from(KEYS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_of_the_table_is_unbiased_and_respects_its_floor() {
        for floor in [0, 3, 5, 10] {
            for count in 0..40 {
                let f = if count >= floor { floor } else { 0 };
                let slots = distribution(count, f);
                assert_eq!(slots.iter().sum::<u32>(), KEYS, "count {count} floor {f}");
                let mean: i64 = slots
                    .iter()
                    .enumerate()
                    .map(|(i, s)| (i as i64 - MAX_NOISE) * i64::from(*s))
                    .sum();
                assert_eq!(mean, 0, "biased row: count {count} floor {f}");
                for key in 0..KEYS {
                    let p = count + noise(count, key, f);
                    assert!(p >= f.min(count), "count {count} key {key} -> {p}");
                    assert!((p - count).abs() <= MAX_NOISE);
                }
            }
        }
    }

    #[test]
    fn the_same_records_always_get_the_same_noise() {
        let keys: Vec<[u8; 4]> = (0..40).map(|i| record_keys("p", &i.to_string())).collect();
        let a = subset_key(keys.iter().map(|k| (k, true)), false);
        let b = subset_key(keys.iter().rev().map(|k| (k, true)), false);
        assert_eq!(perturb_count(40, a, 5), perturb_count(40, b, 5));
    }

    #[test]
    fn a_published_count_at_or_above_k_never_drops_below_k_and_zero_stays_zero() {
        for key in 0..KEYS {
            for c in 5..12 {
                assert!(perturb_count(c, key, 5) >= 5);
            }
            assert_eq!(perturb_count(0, key, 5), 0);
        }
    }

    #[test]
    fn the_record_key_matches_the_sql_expression() {
        // ('0x' || substr(sha256('abc'), 1, 2))::integer = 0xba = 186 in DuckDB 1.2;
        // record_key hashes "pseudonym|record", so "a|c" is not "abc": check the digest.
        let mut h = Sha256::new();
        h.update(b"abc");
        assert_eq!(h.finalize()[0], 186);
        let mut h = Sha256::new();
        h.update(b"ab|c");
        assert_eq!(record_keys("ab", "c")[..], h.finalize()[..4]);
    }

    #[test]
    fn a_published_count_is_consistent_with_several_true_counts() {
        for published in 5..30 {
            assert!(possible_true_counts(published, 5).len() >= 2, "{published}");
        }
    }
}
