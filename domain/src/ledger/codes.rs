//! Generating the pass codes of an order: 11 values drawn uniformly in 0..30 by a CSPRNG (the
//! server's), the existing `PassCode` format and its check character. Uniqueness against the
//! database is the server's (it retries on a collision).

use crate::pass_code::{PassCode, LEN};

/// Builds a code from `draw`, which must return values uniformly distributed in `0..30`.
pub fn code_from_draws(mut draw: impl FnMut() -> u8) -> PassCode {
    let mut values = [0u8; LEN - 1];
    for v in values.iter_mut() {
        *v = draw();
    }
    PassCode::from_random(values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pass_code::ALPHABET;
    use rand::{Rng, SeedableRng};
    use std::collections::HashSet;

    #[test]
    fn generated_codes_have_the_format_and_pass_the_check() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(2026);
        for _ in 0..10_000 {
            let code = code_from_draws(|| rng.gen_range(0..30));
            assert_eq!(code.as_str().len(), LEN);
            assert!(code.as_str().bytes().all(|b| ALPHABET.contains(&b)));
            assert_eq!(PassCode::parse(&code.display()), Ok(code.clone()));
            assert_eq!(code.display().len(), 14);
        }
    }

    #[test]
    fn no_collision_in_a_million_codes() {
        let mut rng = rand::rngs::StdRng::from_entropy();
        let mut seen = HashSet::with_capacity(1_000_000);
        for _ in 0..1_000_000 {
            let code = code_from_draws(|| rng.gen_range(0..30));
            assert!(seen.insert(code), "collision");
        }
        // Every position uses the whole alphabet (uniform draws, nothing stuck).
        let first: HashSet<u8> = seen.iter().map(|c| c.as_str().as_bytes()[0]).collect();
        assert_eq!(first.len(), 30);
    }
}
