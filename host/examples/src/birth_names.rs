//! `birth_names`, after Superset's example of the same name: for each year from 1965 to
//! 2008, each state and each gender, the 20 to 24 first names given most, with how many
//! babies got them. A name's popularity follows its rank in [`crate::names`] and rises
//! around a peak year of its own; bigger states give more of every name.

use crate::batches::in_batches;
use crate::names::{BOYS, GIRLS};
use crate::random::Random;
use crate::{ExampleTable, days_since_epoch};
use arrow_array::{Date32Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use chrono::NaiveDate;
use std::sync::Arc;

const SEED: u64 = 0xb127_4a3e_1965_2008;
const FIRST_YEAR: i32 = 1965;
const YEARS: usize = 44;
const GENDERS: [&str; 2] = ["boy", "girl"];

/// Two-letter code and relative number of births; `other` stands for the territories.
const STATES: [(&str, u64); 51] = [
    ("AK", 2),
    ("AL", 12),
    ("AR", 8),
    ("AZ", 17),
    ("CA", 100),
    ("CO", 13),
    ("CT", 8),
    ("DE", 2),
    ("FL", 45),
    ("GA", 27),
    ("HI", 4),
    ("IA", 8),
    ("ID", 4),
    ("IL", 35),
    ("IN", 17),
    ("KS", 8),
    ("KY", 11),
    ("LA", 13),
    ("MA", 17),
    ("MD", 15),
    ("ME", 3),
    ("MI", 27),
    ("MN", 14),
    ("MO", 15),
    ("MS", 9),
    ("MT", 2),
    ("NC", 25),
    ("ND", 2),
    ("NE", 5),
    ("NH", 3),
    ("NJ", 25),
    ("NM", 5),
    ("NV", 6),
    ("NY", 50),
    ("OH", 30),
    ("OK", 10),
    ("OR", 9),
    ("PA", 30),
    ("RI", 3),
    ("SC", 12),
    ("SD", 2),
    ("TN", 16),
    ("TX", 70),
    ("UT", 10),
    ("VA", 22),
    ("VT", 1),
    ("WA", 18),
    ("WI", 14),
    ("WV", 4),
    ("WY", 1),
    ("other", 6),
];

pub(crate) fn table() -> ExampleTable {
    ExampleTable {
        name: "birth_names",
        description: "First names given per year, US state and gender, 1965-2008.",
        schema: schema(),
        main_dttm_col: "ds",
        num_rows: 98_676,
        metrics: &[],
        version: 1,
        generate: || Box::new(in_batches(BirthRows::new(), batch)),
    }
}

fn schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("ds", DataType::Date32, false),
        Field::new("gender", DataType::Utf8, false),
        Field::new("name", DataType::Utf8, false),
        Field::new("num", DataType::Int64, false),
        Field::new("state", DataType::Utf8, false),
        Field::new("num_boys", DataType::Int64, false),
        Field::new("num_girls", DataType::Int64, false),
    ]))
}

struct BirthRow {
    date: i32,
    gender: usize,
    name: &'static str,
    num: i64,
    state: usize,
}

/// A first name with its rank-based popularity and the year it peaks.
struct Name {
    name: &'static str,
    popularity: f64,
    peak: i32,
}

impl Name {
    fn roster(random: &mut Random, names: &'static [&'static str]) -> Vec<Name> {
        names
            .iter()
            .enumerate()
            .map(|(rank, &name)| Name {
                name,
                popularity: 1000.0 / (rank + 40) as f64,
                peak: 1950 + random.below(66) as i32,
            })
            .collect()
    }

    /// Up to four times the base popularity in the peak year, fading over 15 years.
    fn popularity_in(&self, year: i32) -> f64 {
        let distance = f64::from((year - self.peak).abs());
        self.popularity * (1.0 + 3.0 * (1.0 - distance / 15.0).max(0.0))
    }
}

/// The rows one (year, state, gender) group at a time.
struct BirthRows {
    random: Random,
    rosters: [Vec<Name>; 2],
    /// The next group: year, state and gender counted in mixed radix.
    group: usize,
    pending: std::vec::IntoIter<BirthRow>,
}

impl BirthRows {
    fn new() -> BirthRows {
        let mut random = Random::new(SEED);
        let rosters = [
            Name::roster(&mut random, &BOYS),
            Name::roster(&mut random, &GIRLS),
        ];
        BirthRows {
            random,
            rosters,
            group: 0,
            pending: Vec::new().into_iter(),
        }
    }

    fn group_rows(&mut self, year: i32, state: usize, gender: usize) -> Vec<BirthRow> {
        let roster = &self.rosters[gender];
        let mut scored: Vec<(f64, &Name)> = roster
            .iter()
            .map(|n| (n.popularity_in(year) * (0.5 + self.random.unit()), n))
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        let listed = 20 + self.random.below(5) as usize;
        let date = days_since_epoch(NaiveDate::from_ymd_opt(year, 1, 1).expect("a valid year"));
        let births = STATES[state].1 as f64;
        scored
            .into_iter()
            .take(listed)
            .map(|(score, name)| BirthRow {
                date,
                gender,
                name: name.name,
                num: 5 + (births * score * 0.3).round() as i64,
                state,
            })
            .collect()
    }
}

impl Iterator for BirthRows {
    type Item = BirthRow;

    fn next(&mut self) -> Option<BirthRow> {
        let groups = YEARS * STATES.len() * GENDERS.len();
        loop {
            if let Some(row) = self.pending.next() {
                return Some(row);
            }
            if self.group == groups {
                return None;
            }
            let gender = self.group % GENDERS.len();
            let state = self.group / GENDERS.len() % STATES.len();
            let year = FIRST_YEAR + (self.group / GENDERS.len() / STATES.len()) as i32;
            self.group += 1;
            self.pending = self.group_rows(year, state, gender).into_iter();
        }
    }
}

fn batch(rows: &[BirthRow]) -> RecordBatch {
    let count_if = |gender: usize| {
        Int64Array::from_iter_values(
            rows.iter()
                .map(move |r| if r.gender == gender { r.num } else { 0 }),
        )
    };
    RecordBatch::try_new(
        schema(),
        vec![
            Arc::new(Date32Array::from_iter_values(rows.iter().map(|r| r.date))),
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|r| GENDERS[r.gender]),
            )),
            Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.name))),
            Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.num))),
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|r| STATES[r.state].0),
            )),
            Arc::new(count_if(0)),
            Arc::new(count_if(1)),
        ],
    )
    .expect("the arrays match the schema")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_are_unique_per_gender() {
        for names in [&BOYS[..], &GIRLS[..]] {
            let distinct: HashSet<_> = names.iter().collect();
            assert_eq!(distinct.len(), names.len());
        }
    }

    #[test]
    fn a_name_is_most_popular_in_its_peak_year() {
        let name = Name {
            name: "Ada",
            popularity: 10.0,
            peak: 1980,
        };
        assert_eq!(name.popularity_in(1980), 40.0);
        assert!(name.popularity_in(1990) < name.popularity_in(1985));
        assert_eq!(name.popularity_in(2000), 10.0);
    }
}
