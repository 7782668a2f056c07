//! Verified-link cache: within one loaded core (one wasm instance, or one native process), remembers
//! the outcome of verifications whose result depends only on their input bytes — certificate and CRL
//! signatures (issuer SPKI, signature AlgorithmIdentifier, signed TBS bytes, signature), OCSP response
//! signatures, Intel's raw P-256 signatures over signed collateral (TCB Info, QE Identity) and QE
//! reports, and a RIM's enveloped XMLDSig (digest and SignatureValue, a function of the XML text).
//!
//! Why: most of a verification repeats work that is the same for every report of a product or every
//! quote of a platform (ARK self-signature, ARK → ASK, the CRL signature; the PCK CA chain, the TCB
//! signing chain, the TCB Info and QE Identity signatures; the RIM signatures).
//!
//! Rules that keep the appraisal a pure function of its inputs:
//! - The key is SHA-256 over a domain tag and every input, each framed with its length (u64,
//!   big-endian) — exactly the bytes the verification reads, never anything less (no subject names,
//!   no fingerprints of a part). Two different inputs cannot share a key without a SHA-256 collision.
//! - The cached value is the complete outcome (including the exact error sentence), so a hit returns
//!   what the computation would have returned; the equivalence test compares appraisals byte for byte.
//! - Only time-independent outcomes are cached: validity windows, CRL/OCSP freshness, revocation
//!   decisions and policy are computed on every request by the callers, never here.
//!
//! Memory: at most [`CAPACITY`] entries; beyond that the least recently used entry is dropped. Values
//! are `Result`s of short sentences (well under 1 KiB each), so the cache stays under a few MiB.

use std::any::Any;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use sha2::{Digest, Sha256};

/// The most outcomes held at once (least recently used dropped first).
pub const CAPACITY: usize = 4096;

type Key = [u8; 32];
type Value = Arc<dyn Any + Send + Sync>;

/// Hit and miss counts since the core was loaded (or the cache last reset).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    pub hits: u64,
    pub misses: u64,
    pub entries: usize,
}

struct Lru {
    enabled: bool,
    capacity: usize,
    tick: u64,
    entries: HashMap<Key, (u64, Value)>,
    /// use tick → key, oldest first.
    order: BTreeMap<u64, Key>,
    stats: Stats,
}

impl Lru {
    fn new() -> Lru {
        Lru { enabled: true, capacity: CAPACITY, tick: 0, entries: HashMap::new(), order: BTreeMap::new(), stats: Stats::default() }
    }

    fn get(&mut self, key: &Key) -> Option<Value> {
        self.tick += 1;
        let tick = self.tick;
        let (used, value) = self.entries.get_mut(key)?;
        self.order.remove(used);
        *used = tick;
        self.order.insert(tick, *key);
        Some(value.clone())
    }

    fn put(&mut self, key: Key, value: Value) {
        self.tick += 1;
        if let Some((old, _)) = self.entries.insert(key, (self.tick, value)) {
            self.order.remove(&old);
        }
        self.order.insert(self.tick, key);
        while self.entries.len() > self.capacity {
            let Some((_, oldest)) = self.order.pop_first() else { break };
            self.entries.remove(&oldest);
        }
    }

    fn clear(&mut self) {
        self.entries.clear();
        self.order.clear();
        self.stats = Stats::default();
    }
}

fn state() -> MutexGuard<'static, Lru> {
    static STATE: OnceLock<Mutex<Lru>> = OnceLock::new();
    // A panic elsewhere cannot leave the map half-updated in a way that changes outcomes: entries are
    // inserted whole. Recover from poisoning instead of failing every later verification.
    STATE.get_or_init(|| Mutex::new(Lru::new())).lock().unwrap_or_else(|p| p.into_inner())
}

/// The cache key: SHA-256 over a version tag, the domain and each part, every field length-prefixed
/// (u64 big-endian), and the number of parts — an unambiguous encoding of `(domain, parts)`.
pub fn key(domain: &str, parts: &[&[u8]]) -> Key {
    let mut h = Sha256::new();
    let mut field = |bytes: &[u8]| {
        h.update((bytes.len() as u64).to_be_bytes());
        h.update(bytes);
    };
    field(b"custodian verified-link cache v1");
    field(domain.as_bytes());
    field(&(parts.len() as u64).to_be_bytes());
    for p in parts {
        field(p);
    }
    h.finalize().into()
}

/// Returns `compute()`'s outcome for the inputs `parts` under `domain`, from the cache when the same
/// domain and bytes were seen before. `compute` must depend on nothing but `parts` (no reference time,
/// no policy, no file names): callers name every input byte they read in `parts`. Each domain must
/// always be used with the same `T`.
pub fn memo<T: Clone + Send + Sync + 'static>(domain: &'static str, parts: &[&[u8]], compute: impl FnOnce() -> T) -> T {
    if !state().enabled {
        return compute();
    }
    let k = key(domain, parts);
    let cached = state().get(&k);
    if let Some(v) = cached.as_ref().and_then(|v| v.downcast_ref::<T>()) {
        state().stats.hits += 1;
        return v.clone();
    }
    // Computed outside the lock: a verification never waits for another one.
    let value = compute();
    let mut s = state();
    s.stats.misses += 1;
    if s.enabled {
        s.put(k, Arc::new(value.clone()));
    }
    value
}

/// Turns the cache on or off; either way it is emptied (so "off" also frees its memory).
pub fn set_enabled(enabled: bool) {
    let mut s = state();
    s.clear();
    s.enabled = enabled;
}

/// Hits, misses and entries since the last [`set_enabled`].
pub fn stats() -> Stats {
    let s = state();
    Stats { entries: s.entries.len(), ..s.stats }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_frame_every_field_so_shifting_bytes_between_parts_changes_the_key() {
        // Threat: "ab"+"c" and "a"+"bc" (e.g. TBS bytes moved into the signature) must not collide.
        assert_ne!(key("d", &[b"ab", b"c"]), key("d", &[b"a", b"bc"]));
        assert_ne!(key("d", &[b"abc"]), key("d", &[b"abc", b""]));
        assert_ne!(key("d1", &[b"x"]), key("d", &[b"1x"]));
        assert_eq!(key("d", &[b"ab", b"c"]), key("d", &[b"ab", b"c"]));
    }

    #[test]
    fn lru_drops_the_least_recently_used_beyond_capacity() {
        let mut l = Lru::new();
        l.capacity = 2;
        let (a, b, c) = ([1u8; 32], [2u8; 32], [3u8; 32]);
        l.put(a, Arc::new(1u8));
        l.put(b, Arc::new(2u8));
        assert!(l.get(&a).is_some()); // a is now more recent than b
        l.put(c, Arc::new(3u8));
        assert!(l.get(&b).is_none(), "b was least recently used");
        assert!(l.get(&a).is_some() && l.get(&c).is_some());
        assert_eq!((l.entries.len(), l.order.len()), (2, 2));
        for i in 0..100u8 {
            l.put([i; 32], Arc::new(i));
        }
        assert_eq!((l.entries.len(), l.order.len()), (2, 2));
    }
}
