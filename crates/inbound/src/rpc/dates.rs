//! Date buckets of `read_group` (`date:day|week|month|quarter|year`): where a date's bucket
//! starts and ends (weeks start on Monday, as PostgreSQL's `date_trunc('week')` that Odoo groups
//! with), and its label as Odoo formats it in en_US ("05 Jan 2024", "W2 2024", "January 2024",
//! "Q1 2024", "2024"). Datetimes are in UTC: Weft keeps no user time zone.

use chrono::{Datelike, Duration, Months, NaiveDate};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Granularity {
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

impl Granularity {
    pub fn parse(text: &str) -> Option<Granularity> {
        Some(match text {
            "day" => Granularity::Day,
            "week" => Granularity::Week,
            "month" => Granularity::Month,
            "quarter" => Granularity::Quarter,
            "year" => Granularity::Year,
            _ => return None,
        })
    }
}

/// One bucket: its first day and granularity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Bucket {
    start: NaiveDate,
    granularity: Granularity,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

impl Bucket {
    /// The bucket of a stored date (`YYYY-MM-DD`) or datetime (`YYYY-MM-DD HH:MM:SS`).
    pub fn of(stored: &str, granularity: Granularity) -> Option<Bucket> {
        let day = NaiveDate::parse_from_str(stored.get(..10)?, "%Y-%m-%d").ok()?;
        let start = match granularity {
            Granularity::Day => day,
            Granularity::Week => day - Duration::days(day.weekday().num_days_from_monday().into()),
            Granularity::Month => day.with_day(1)?,
            Granularity::Quarter => {
                NaiveDate::from_ymd_opt(day.year(), (day.month0() / 3) * 3 + 1, 1)?
            }
            Granularity::Year => NaiveDate::from_ymd_opt(day.year(), 1, 1)?,
        };
        Some(Bucket { start, granularity })
    }

    fn end(&self) -> NaiveDate {
        let months = |n| {
            self.start
                .checked_add_months(Months::new(n))
                .unwrap_or(self.start)
        };
        match self.granularity {
            Granularity::Day => self.start + Duration::days(1),
            Granularity::Week => self.start + Duration::days(7),
            Granularity::Month => months(1),
            Granularity::Quarter => months(3),
            Granularity::Year => months(12),
        }
    }

    fn text(day: NaiveDate, datetime: bool) -> String {
        if datetime {
            format!("{} 00:00:00", day.format("%Y-%m-%d"))
        } else {
            day.format("%Y-%m-%d").to_string()
        }
    }

    pub fn start_text(&self, datetime: bool) -> String {
        Bucket::text(self.start, datetime)
    }

    pub fn end_text(&self, datetime: bool) -> String {
        Bucket::text(self.end(), datetime)
    }

    /// Odoo's label (`READ_GROUP_DISPLAY_FORMAT`, babel's en_US).
    pub fn label(&self) -> String {
        let s = self.start;
        match self.granularity {
            Granularity::Day => s.format("%d %b %Y").to_string(),
            Granularity::Week => {
                let (year, week) = us_week(s);
                format!("W{week} {year:04}")
            }
            Granularity::Month => format!("{} {:04}", MONTHS[s.month0() as usize], s.year()),
            Granularity::Quarter => format!("Q{} {:04}", s.month0() / 3 + 1, s.year()),
            Granularity::Year => format!("{:04}", s.year()),
        }
    }
}

/// en_US week numbering (weeks from Sunday, week 1 holds January 1st): the week's year and number.
fn us_week(day: NaiveDate) -> (i32, i64) {
    let sunday = day - Duration::days(day.weekday().num_days_from_sunday().into());
    let year = (sunday + Duration::days(6)).year();
    let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(sunday);
    let first_sunday = first - Duration::days(first.weekday().num_days_from_sunday().into());
    (year, (sunday - first_sunday).num_days() / 7 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(stored: &str, g: Granularity) -> String {
        Bucket::of(stored, g).unwrap().label()
    }

    #[test]
    fn labels_as_odoo_formats_them() {
        assert_eq!(label("2024-01-15", Granularity::Month), "January 2024");
        assert_eq!(
            label("2024-01-05 10:00:00", Granularity::Day),
            "05 Jan 2024"
        );
        assert_eq!(label("2024-05-15", Granularity::Quarter), "Q2 2024");
        assert_eq!(label("2024-05-15", Granularity::Year), "2024");
        // 2024-01-10 is a Wednesday: its week starts Monday the 8th, in the US week 2.
        assert_eq!(label("2024-01-10", Granularity::Week), "W2 2024");
    }

    #[test]
    fn ranges_end_where_the_next_bucket_starts() {
        let b = Bucket::of("2024-12-31 23:59:59", Granularity::Month).unwrap();
        assert_eq!(b.start_text(true), "2024-12-01 00:00:00");
        assert_eq!(b.end_text(true), "2025-01-01 00:00:00");
        let q = Bucket::of("2024-11-02", Granularity::Quarter).unwrap();
        assert_eq!(
            (q.start_text(false), q.end_text(false)),
            ("2024-10-01".into(), "2025-01-01".into())
        );
    }
}
