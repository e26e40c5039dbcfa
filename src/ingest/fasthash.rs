//! The hasher for the sets and maps of a load (keys seen in a file, known
//! citizens and spells): foldhash (hashbrown's own default) in its quality
//! variant, with a fixed seed; its fast variant left a third of the low bits
//! unused for sequential ids (the test below).
//! std's SipHash took a tenth of a national-scale load. The hand-written Fx hash
//! used before left ids with a common prefix ("F0000123") in the same low bits,
//! which hashbrown indexes by, and a national load's spell set took minutes.
//! Not resistant to chosen collisions, which is acceptable here: the inputs are
//! the job centre's own deliveries, and the largest sets hold HMAC pseudonyms,
//! which no one can choose without the key.

pub(super) type FastBuild = foldhash::quality::FixedState;
pub(super) type FastMap<K, V> = std::collections::HashMap<K, V, FastBuild>;
pub(super) type FastSet<K> = std::collections::HashSet<K, FastBuild>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_with_a_common_prefix_spread_over_the_low_bits() {
        // hashbrown picks a slot by the hash's low bits. For 100,000 sequential
        // ids, a good hash fills about 65,536 * (1 - e^(-100000/65536)) = 51,600
        // of the 65,536 values of the low 16 bits; the Fx hash used before gave
        // every id with the same first eight bytes the same low bits.
        use std::hash::BuildHasher;
        let build = FastBuild::default();
        let low: FastSet<u64> = (0..100_000)
            .map(|i| build.hash_one(format!("F{i:07}")) & 0xffff)
            .collect();
        assert!(low.len() > 45_000, "{} distinct low-bit values", low.len());
        let packed: FastSet<u64> = (0..100_000u64)
            .map(|i| build.hash_one((i << 22) | 740_000) & 0xffff)
            .collect();
        assert!(
            packed.len() > 45_000,
            "{} distinct low-bit values",
            packed.len()
        );
    }
}
