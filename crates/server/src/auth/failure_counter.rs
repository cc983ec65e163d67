//! Counts failed attempts per key (an account, a client address) within a window and locks the
//! key out once it has too many. Memory is bounded: expired keys are dropped, and when the
//! table is full the keys that failed least recently make room, so spraying keys cannot grow it.

use std::collections::HashMap;
use std::hash::Hash;
use std::time::Duration;

use messenger_protocol::Timestamp;

/// How many failures a key may have, over how long, and what a lockout costs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FailurePolicy {
    /// Failures within `window` that lock the key.
    pub max_failures: u32,
    pub window: Duration,
    /// The first lockout; each further one doubles it, up to `max_lockout`.
    pub lockout: Duration,
    pub max_lockout: Duration,
    /// How long after the last failure a key's lockout history is remembered (so the next
    /// lockout is longer); zero forgets it as soon as the window and the lockout are over.
    pub remember: Duration,
    /// Keys tracked at most.
    pub capacity: usize,
}

#[derive(Clone, Debug)]
struct Record {
    failures: u32,
    window_start: Timestamp,
    locked_until: Option<Timestamp>,
    lockouts: u32,
    last_failure: Timestamp,
}

/// A key is locked out until then.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LockedOut {
    pub until: Timestamp,
}

impl LockedOut {
    /// Whole seconds from `now` until the lockout ends (at least 1, for `Retry-After`).
    pub fn retry_after_secs(&self, now: Timestamp) -> u64 {
        let ms = u64::try_from(self.until.millis() - now.millis()).unwrap_or(0);
        ms.div_ceil(1000).max(1)
    }
}

#[derive(Debug)]
pub struct FailureCounter<K> {
    policy: FailurePolicy,
    records: HashMap<K, Record>,
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 4)
}

impl<K: Eq + Hash + Clone> FailureCounter<K> {
    pub fn new(policy: FailurePolicy) -> Self {
        Self {
            policy,
            records: HashMap::new(),
        }
    }

    /// The lockout in force for `key`, if any.
    pub fn check(&self, key: &K, now: Timestamp) -> Result<(), LockedOut> {
        match self.records.get(key).and_then(|r| r.locked_until) {
            Some(until) if until > now => Err(LockedOut { until }),
            _ => Ok(()),
        }
    }

    /// Counts a failure; answers the lockout it starts, if it is the one too many.
    pub fn fail(&mut self, key: &K, now: Timestamp) -> Option<LockedOut> {
        if !self.records.contains_key(key) && self.records.len() >= self.policy.capacity {
            self.make_room(now);
        }
        let policy = self.policy;
        let record = self.records.entry(key.clone()).or_insert(Record {
            failures: 0,
            window_start: now,
            locked_until: None,
            lockouts: 0,
            last_failure: now,
        });
        if let Some(until) = record.locked_until {
            if until > now {
                // Failures while locked (a request that was already hashing) do not pile up.
                return Some(LockedOut { until });
            }
            record.locked_until = None;
            record.failures = 0;
            record.window_start = now;
        }
        if now.millis() - record.window_start.millis() >= millis(policy.window) {
            record.failures = 0;
            record.window_start = now;
        }
        record.failures += 1;
        record.last_failure = now;
        if record.failures < policy.max_failures {
            return None;
        }
        let doubling = 1_i64 << record.lockouts.min(20);
        let lockout = millis(policy.lockout)
            .saturating_mul(doubling)
            .min(millis(policy.max_lockout));
        let until = now.plus_millis(lockout);
        record.lockouts += 1;
        record.failures = 0;
        record.locked_until = Some(until);
        Some(LockedOut { until })
    }

    /// A success wipes the key's history (used for accounts, not for addresses).
    pub fn forgive(&mut self, key: &K) {
        self.records.remove(key);
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    fn expired(policy: &FailurePolicy, r: &Record, now: Timestamp) -> bool {
        let window_end = r
            .window_start
            .millis()
            .saturating_add(millis(policy.window));
        let lock_end = r.locked_until.map_or(i64::MIN, Timestamp::millis);
        let quiet_since = window_end.max(lock_end);
        let forget_at = quiet_since.max(
            r.last_failure
                .millis()
                .saturating_add(millis(policy.remember)),
        );
        now.millis() >= forget_at
    }

    /// Drops expired keys; if that frees less than a tenth of the table, also the keys that
    /// failed least recently, so a full table is swept once per tenth of its size.
    fn make_room(&mut self, now: Timestamp) {
        let policy = self.policy;
        self.records.retain(|_, r| !Self::expired(&policy, r, now));
        let target = (policy.capacity - policy.capacity / 10).saturating_sub(1);
        if self.records.len() <= target {
            return;
        }
        let mut by_age: Vec<(i64, K)> = self
            .records
            .iter()
            .map(|(k, r)| (r.last_failure.millis(), k.clone()))
            .collect();
        by_age.sort_unstable_by_key(|(at, _)| *at);
        let excess = self.records.len() - target;
        for (_, key) in by_age.into_iter().take(excess) {
            self.records.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> FailurePolicy {
        FailurePolicy {
            max_failures: 3,
            window: Duration::from_secs(60),
            lockout: Duration::from_secs(60),
            max_lockout: Duration::from_secs(240),
            remember: Duration::from_secs(3600),
            capacity: 100,
        }
    }

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_millis(1_800_000_000_000 + secs * 1000).unwrap()
    }

    #[test]
    fn the_failure_one_too_many_locks_and_the_lockout_grows() {
        let mut c = FailureCounter::new(policy());
        assert_eq!(c.fail(&"a", at(0)), None);
        assert_eq!(c.fail(&"a", at(1)), None);
        assert!(c.check(&"a", at(1)).is_ok());
        let first = c.fail(&"a", at(2)).unwrap();
        assert_eq!(first.until, at(62));
        assert_eq!(c.check(&"a", at(10)), Err(first));
        assert_eq!(first.retry_after_secs(at(10)), 52);
        assert!(c.check(&"a", at(62)).is_ok());
        c.fail(&"a", at(70));
        c.fail(&"a", at(71));
        let second = c.fail(&"a", at(72)).unwrap();
        assert_eq!(second.until, at(72 + 120));
        for n in 0..5 {
            let t = 1000 + n * 1000;
            c.fail(&"a", at(t));
            c.fail(&"a", at(t));
            c.fail(&"a", at(t));
        }
        assert_eq!(c.check(&"a", at(5001)).unwrap_err().until, at(5000 + 240));
    }

    #[test]
    fn failures_outside_the_window_do_not_add_up_and_forgiving_resets() {
        let mut c = FailureCounter::new(policy());
        c.fail(&"a", at(0));
        c.fail(&"a", at(1));
        assert_eq!(c.fail(&"a", at(61)), None, "the window had passed");
        c.fail(&"a", at(62));
        c.forgive(&"a");
        assert_eq!(c.fail(&"a", at(63)), None);
        assert!(c.check(&"b", at(63)).is_ok());
    }

    #[test]
    fn a_sprayed_table_stays_within_its_capacity() {
        let mut c = FailureCounter::new(policy());
        c.fail(&0_u32, at(0));
        c.fail(&0_u32, at(0));
        c.fail(&0_u32, at(0));
        for key in 1..10_000_u32 {
            c.fail(&key, at(1 + i64::from(key) / 1000));
            assert!(c.len() <= 100, "{} keys kept", c.len());
        }
        // Expired keys go first: long after, the table empties as new keys arrive.
        c.fail(&1_000_000, at(100_000));
        assert!(c.len() <= 100);
    }
}
