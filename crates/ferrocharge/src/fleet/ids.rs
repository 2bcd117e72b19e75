//! The stations' ids: `--id-pattern` (one number placeholder) and `--shard k/n` (which of them
//! this process runs).

use std::fmt;

use anyhow::{bail, Context};

/// The longest charge point id a pattern may make: OCPP 1.6 J's chargeBoxIdentity is the last
/// path segment of the URL, which OCPP 1.6's SOAP binding bounds to 48 characters (CiString48);
/// a longer one would be refused by CSMSs that keep that bound.
pub const MAX_ID_LEN: usize = 48;

/// The most digits a pattern may pad to (a u64 has at most 20).
const MAX_WIDTH: usize = 20;

/// `prefix{:0W}suffix` or `prefix{}suffix`: the id of station number `n`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdPattern {
    prefix: String,
    suffix: String,
    /// Zero-padded to this many digits (0: no padding).
    width: usize,
}

/// What an id may be made of: letters, digits, `.`, `_`, `-` (unreserved URL characters, so
/// the id is the URL's last segment as it is, and a file name under the data dir as it is).
fn allowed(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')
}

impl IdPattern {
    /// Parses `text`: exactly one placeholder, `{}` or `{:0W}` (W from 1 to 20; `{:W}` means
    /// the same), the rest letters, digits, `.`, `_` or `-`.
    pub fn parse(text: &str) -> anyhow::Result<IdPattern> {
        let open = text.find('{').with_context(|| {
            format!("--id-pattern {text:?} has no number placeholder: use e.g. 'cp{{:05}}'")
        })?;
        let close = text[open..]
            .find('}')
            .map(|i| open + i)
            .with_context(|| format!("--id-pattern {text:?}: '{{' without '}}'"))?;
        let (prefix, spec, suffix) = (&text[..open], &text[open + 1..close], &text[close + 1..]);
        if suffix.contains(['{', '}']) || prefix.contains('}') {
            bail!("--id-pattern {text:?}: exactly one placeholder ({{}} or {{:05}}) is allowed");
        }
        for part in [prefix, suffix] {
            if let Some(c) = part.chars().find(|c| !allowed(*c)) {
                bail!(
                    "--id-pattern {text:?}: {c:?} is not allowed in a charge point id (letters, digits, '.', '_', '-')"
                );
            }
        }
        let width = match spec {
            "" => 0,
            _ => {
                let digits = spec.strip_prefix(':').with_context(|| {
                    format!(
                        "--id-pattern {text:?}: the placeholder is {{}} or {{:0W}}, not {{{spec}}}"
                    )
                })?;
                let digits = digits.strip_prefix('0').unwrap_or(digits);
                let width: usize = digits.parse().ok().filter(|w| (1..=MAX_WIDTH).contains(w)).with_context(|| {
                    format!("--id-pattern {text:?}: the width in {{{spec}}} must be a number from 1 to {MAX_WIDTH}")
                })?;
                width
            }
        };
        Ok(IdPattern {
            prefix: prefix.to_owned(),
            suffix: suffix.to_owned(),
            width,
        })
    }

    /// The id of station `n`.
    pub fn id(&self, n: u64) -> String {
        format!(
            "{}{:0width$}{}",
            self.prefix,
            n,
            self.suffix,
            width = self.width
        )
    }

    /// Checks that the ids of `first..first + count` are all distinct and short enough: a
    /// padded width too small for the numbers would still be distinct (numbers grow), so only
    /// the length of the longest can fail.
    pub fn check_range(&self, first: u64, count: u64) -> anyhow::Result<()> {
        let last = first
            .checked_add(count.saturating_sub(1))
            .context("--first + --count is beyond the numbers an id can have")?;
        let longest = self.id(last);
        if longest.len() > MAX_ID_LEN {
            bail!(
                "--id-pattern makes ids up to {longest:?} ({} characters): at most {MAX_ID_LEN}",
                longest.len()
            );
        }
        Ok(())
    }
}

impl fmt::Display for IdPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.width {
            0 => write!(f, "{}{{}}{}", self.prefix, self.suffix),
            w => write!(f, "{}{{:0{w}}}{}", self.prefix, self.suffix),
        }
    }
}

/// `--shard k/n`: this process runs the k-th of n slices of the fleet (k from 1). Station
/// number i of the fleet (0-based) is in slice `i % n + 1`: round robin, so every slice gets
/// the same share of any stretch of ids and the ramp-up of each slice is as even as the whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which slice, 1 to `of`.
    pub k: u64,
    /// How many slices.
    pub of: u64,
}

impl Shard {
    /// Parses `k/n`.
    pub fn parse(text: &str) -> anyhow::Result<Shard> {
        let (k, n) = text
            .split_once('/')
            .with_context(|| format!("--shard {text:?}: expected k/n, e.g. 2/4"))?;
        let number = |s: &str| -> anyhow::Result<u64> {
            s.trim()
                .parse()
                .with_context(|| format!("--shard {text:?}: {s:?} is not a whole number"))
        };
        let (k, of) = (number(k)?, number(n)?);
        if of == 0 || k == 0 || k > of {
            bail!("--shard {text:?}: k/n needs 1 <= k <= n");
        }
        Ok(Shard { k, of })
    }

    /// The fleet's station indices (0-based, of `count`) this slice runs, in order.
    pub fn indices(self, count: u64) -> impl Iterator<Item = u64> {
        (self.k - 1..count).step_by(usize::try_from(self.of).unwrap_or(usize::MAX))
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.k, self.of)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn a_pattern_pads_the_number() {
        let p = IdPattern::parse("cp{:05}").unwrap();
        assert_eq!(p.id(7), "cp00007");
        assert_eq!(p.id(123456), "cp123456");
        assert_eq!(p.to_string(), "cp{:05}");
        let p = IdPattern::parse("site-{}.a").unwrap();
        assert_eq!(p.id(42), "site-42.a");
        assert_eq!(IdPattern::parse("{:3}").unwrap().id(5), "005");
    }

    #[test]
    fn bad_patterns_are_refused_with_the_reason() {
        for (pattern, reason) in [
            ("cp", "no number placeholder"),
            ("cp{:05", "without"),
            ("cp{}{}", "exactly one placeholder"),
            ("cp}{}", "exactly one placeholder"),
            ("c/p{}", "'/' is not allowed"),
            ("c p{}", "' ' is not allowed"),
            ("cp{x}", "is {} or {:0W}"),
            ("cp{:0}", "from 1 to 20"),
            ("cp{:21}", "from 1 to 20"),
            ("cp{:-3}", "from 1 to 20"),
        ] {
            let error = IdPattern::parse(pattern).unwrap_err().to_string();
            assert!(error.contains(reason), "{pattern}: {error}");
        }
        let long = IdPattern::parse(&format!("{}{{}}", "x".repeat(46))).unwrap();
        long.check_range(1, 99).unwrap();
        let error = long.check_range(1, 100).unwrap_err().to_string();
        assert!(error.contains("49 characters"), "{error}");
    }

    #[test]
    fn shards_partition_the_fleet_exactly() {
        for count in [0u64, 1, 7, 50, 1001] {
            for of in 1..=9u64 {
                let mut seen = BTreeSet::new();
                let mut sizes = Vec::new();
                for k in 1..=of {
                    let shard = Shard::parse(&format!("{k}/{of}")).unwrap();
                    let indices: Vec<u64> = shard.indices(count).collect();
                    sizes.push(indices.len() as u64);
                    for i in indices {
                        assert!(seen.insert(i), "{i} in two shards of {of}");
                    }
                }
                assert_eq!(seen, (0..count).collect(), "{count} in {of} shards");
                let (min, max) = (sizes.iter().min(), sizes.iter().max());
                assert!(max.unwrap() - min.unwrap() <= 1, "even: {sizes:?}");
            }
        }
    }

    #[test]
    fn bad_shards_are_refused() {
        for text in ["", "1", "0/2", "3/2", "1/0", "a/2", "1/b", "-1/2"] {
            assert!(Shard::parse(text).is_err(), "{text}");
        }
        assert_eq!(Shard::parse("2/4").unwrap(), Shard { k: 2, of: 4 });
    }
}
