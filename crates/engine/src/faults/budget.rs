//! A rule's budget at run time: how many requests it matched, how many times it fired, and the
//! seeded generator behind `probability`.
//!
//! Owns the firing decision for one matching request, so that "times", "every" and
//! "probability" combine one way everywhere: a match fires when **all** the budget fields given
//! agree — it is the Nth match (`every`), the draw is under `probability`, and fewer than `times`
//! hits happened. Every match is counted, fired or not.
//!
//! The generator is a SplitMix64 (a dozen lines, no dependency): good enough to spread fires
//! evenly, and the same seed gives the same sequence on every machine. One number is drawn on
//! **every** match of a probabilistic rule, fired or not, so the Nth match's draw depends only
//! on the seed and N.

use super::rule::FaultRule;

/// The seed of a `probability` rule that gives none (so such a rule repeats too): the same for
/// every rule, and under [`super::rule::MAX_SEED`] like any seed. Write `seed` to vary it.
pub const DEFAULT_SEED: u64 = 0x5C1A_B5EE_D001;

/// SplitMix64 (Steele, Lea, Flood 2014; the constants of `java.util.SplittableRandom`).
#[derive(Debug, Clone)]
pub(super) struct SplitMix64(u64);

impl SplitMix64 {
    pub(super) fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub(super) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in [0, 1) with 53 random bits.
    pub(super) fn next_f64(&mut self) -> f64 {
        // 53 bits fit an f64 mantissa exactly: the cast loses nothing.
        #[allow(clippy::cast_precision_loss)]
        let bits = (self.next_u64() >> 11) as f64;
        bits / (1u64 << 53) as f64
    }

    /// The `n`th number [`SplitMix64::next_f64`] gives from `seed` (1 for the first), without
    /// the `n − 1` before it: the generator's state is the seed plus `n` steps.
    pub(super) fn nth_f64(seed: u64, n: u64) -> f64 {
        let mut at =
            Self(seed.wrapping_add(n.saturating_sub(1).wrapping_mul(0x9E37_79B9_7F4A_7C15)));
        at.next_f64()
    }
}

/// Whether `rule` fires on its `n`th match as far as `every` and `probability` say (the
/// `times` budget aside): the decision [`Budget::on_match`] makes, from the match's number
/// alone, so instances sharing one count (PostgreSQL, the capture layer) decide alike.
pub fn fires_on_match(rule: &FaultRule, n: u64) -> bool {
    let drawn = rule
        .probability
        .is_none_or(|p| SplitMix64::nth_f64(rule.seed.unwrap_or(DEFAULT_SEED), n) < p);
    let nth = rule.every.is_none_or(|e| n.is_multiple_of(u64::from(e)));
    drawn && nth
}

/// The counters and generator of one rule.
#[derive(Debug, Clone)]
pub(super) struct Budget {
    /// Requests the rule matched while enabled.
    pub(super) matches: u64,
    /// Times it fired.
    pub(super) hits: u64,
    rng: SplitMix64,
}

impl Budget {
    /// Fresh counters for `rule` (its seed, or [`DEFAULT_SEED`]).
    pub(super) fn new(rule: &FaultRule) -> Self {
        Self {
            matches: 0,
            hits: 0,
            rng: SplitMix64::new(rule.seed.unwrap_or(DEFAULT_SEED)),
        }
    }

    /// Count a match of `rule` and say whether it fires on it.
    pub(super) fn on_match(&mut self, rule: &FaultRule) -> bool {
        self.matches = self.matches.saturating_add(1);
        let drawn = rule.probability.is_none_or(|p| self.rng.next_f64() < p);
        let nth = rule
            .every
            .is_none_or(|n| self.matches.is_multiple_of(u64::from(n)));
        let left = rule.times.is_none_or(|n| self.hits < u64::from(n));
        let fire = drawn && nth && left;
        if fire {
            self.hits = self.hits.saturating_add(1);
        }
        fire
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_matches_its_reference_output() {
        // The reference sequence for seed 1234567 (from the SplitMix64 paper's C code, as
        // published with xoshiro's test vectors).
        let mut r = SplitMix64::new(1_234_567);
        assert_eq!(r.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(r.next_u64(), 3_203_168_211_198_807_973);
        let mut a = SplitMix64::new(7);
        for _ in 0..100 {
            let x = a.next_f64();
            assert!((0.0..1.0).contains(&x));
        }
    }

    #[test]
    fn a_shared_count_decides_as_the_local_budget_does() {
        // Every `every` / `probability` mix: the n-th match fires on fires_on_match exactly
        // when the local budget (counting every match itself) fires on it.
        let rules = [
            r#"{"name":"a","match":{},"action":{"status":503},"every":3}"#,
            r#"{"name":"b","match":{},"action":{"status":503},"probability":0.3,"seed":42}"#,
            r#"{"name":"c","match":{},"action":{"status":503},"probability":0.5,"every":2}"#,
        ];
        for json in rules {
            let rule = FaultRule::from_value(serde_json::from_str(json).unwrap()).unwrap();
            let mut local = Budget::new(&rule);
            let mut fired = 0;
            for n in 1..=500u64 {
                let fires = local.on_match(&rule);
                fired += usize::from(fires);
                assert_eq!(fires, fires_on_match(&rule, n), "{json} at match {n}");
            }
            assert!(fired > 0 && fired < 500, "{json}: {fired}");
        }
    }
}
