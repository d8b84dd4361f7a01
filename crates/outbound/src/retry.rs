//! When a failed delivery is tried again (DESIGN.md §6): the steps of `WEFT_RETRY_SCHEDULE`
//! (default `5s,30s,2m,10m,30m,2h`, Svix's), each with ±20 % jitter so that deliveries failed by
//! one outage do not all come back at the same second, and never sooner than a `Retry-After` the
//! receiver sent (capped, so a receiver cannot park a delivery for days).

use rand::Rng;
use std::time::Duration;

pub const DEFAULT_SCHEDULE: &str = "5s,30s,2m,10m,30m,2h";
/// The longest `Retry-After` honoured.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);
/// Jitter, as a fraction of the step.
const JITTER: f64 = 0.2;

/// The waits before the first, second, ... retry.
#[derive(Debug, Clone, PartialEq)]
pub struct RetrySchedule {
    steps: Vec<Duration>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ScheduleError {
    #[error("the retry schedule is empty")]
    Empty,
    #[error("retry schedule item {position} ('{item}'): {reason}")]
    Item {
        /// 1-based.
        position: usize,
        item: String,
        reason: &'static str,
    },
}

impl Default for RetrySchedule {
    fn default() -> Self {
        RetrySchedule::parse(DEFAULT_SCHEDULE).expect("the default schedule parses")
    }
}

impl RetrySchedule {
    /// `5s,30s,2m`: durations in `ms`, `s`, `m` or `h`, separated by commas.
    pub fn parse(text: &str) -> Result<RetrySchedule, ScheduleError> {
        if text.trim().is_empty() {
            return Err(ScheduleError::Empty);
        }
        let steps = text
            .split(',')
            .enumerate()
            .map(|(i, item)| {
                duration(item.trim()).map_err(|reason| ScheduleError::Item {
                    position: i + 1,
                    item: item.trim().to_string(),
                    reason,
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(RetrySchedule { steps })
    }

    /// How long to wait after the `failures`-th failed attempt (1 = the first attempt failed),
    /// at the earliest `retry_after`. Past the end of the schedule its last step repeats; whether
    /// another retry is allowed at all is the source's `max_retries`.
    pub fn wait(
        &self,
        failures: u32,
        retry_after: Option<Duration>,
        rng: &mut impl Rng,
    ) -> Duration {
        let index = (failures.max(1) as usize - 1).min(self.steps.len() - 1);
        let step = self.steps[index].as_secs_f64();
        let jittered =
            Duration::from_secs_f64(step * rng.random_range(1.0 - JITTER..=1.0 + JITTER));
        jittered.max(retry_after.unwrap_or_default().min(MAX_RETRY_AFTER))
    }
}

fn duration(item: &str) -> Result<Duration, &'static str> {
    let split = item
        .find(|c: char| !c.is_ascii_digit())
        .ok_or("needs a unit: ms, s, m or h")?;
    let (number, unit) = item.split_at(split);
    let n: u64 = number.parse().map_err(|_| "starts with a whole number")?;
    let unit_ms = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        _ => return Err("the unit is one of ms, s, m or h"),
    };
    n.checked_mul(unit_ms)
        .map(Duration::from_millis)
        .ok_or("is too long")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn the_default_schedule_is_svixs() {
        let s = RetrySchedule::default();
        let secs: Vec<u64> = s.steps.iter().map(Duration::as_secs).collect();
        assert_eq!(secs, [5, 30, 120, 600, 1800, 7200]);
        assert_eq!(
            RetrySchedule::parse("100ms, 1s").unwrap().steps,
            [Duration::from_millis(100), Duration::from_secs(1)]
        );
    }

    #[test]
    fn a_bad_schedule_names_the_item_and_the_reason() {
        assert_eq!(RetrySchedule::parse(" "), Err(ScheduleError::Empty));
        let e = RetrySchedule::parse("5s,2x,1m").unwrap_err();
        assert_eq!(
            e.to_string(),
            "retry schedule item 2 ('2x'): the unit is one of ms, s, m or h"
        );
        assert!(
            RetrySchedule::parse("5")
                .unwrap_err()
                .to_string()
                .contains("needs a unit")
        );
        assert!(
            RetrySchedule::parse("s")
                .unwrap_err()
                .to_string()
                .contains("whole number")
        );
    }

    #[test]
    fn waits_follow_the_steps_with_jitter_and_honour_retry_after() {
        let s = RetrySchedule::parse("10s,100s").unwrap();
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let waits: Vec<f64> = (0..1000)
            .map(|_| s.wait(1, None, &mut rng).as_secs_f64())
            .collect();
        assert!(
            waits.iter().all(|w| (8.0..=12.0).contains(w)),
            "±20 % of 10 s"
        );
        assert!(
            waits.iter().any(|w| *w < 9.0) && waits.iter().any(|w| *w > 11.0),
            "jittered"
        );
        // Past the end, the last step repeats.
        let late = s.wait(9, None, &mut rng).as_secs_f64();
        assert!((80.0..=120.0).contains(&late));
        // Retry-After wins when later, within its cap.
        let after = s.wait(1, Some(Duration::from_secs(300)), &mut rng);
        assert_eq!(after, Duration::from_secs(300));
        let capped = s.wait(1, Some(Duration::from_secs(86_400)), &mut rng);
        assert_eq!(capped, MAX_RETRY_AFTER);
    }
}
