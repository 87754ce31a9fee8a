//! `sales`: one row per order line, 2023-01-01 to 2024-12-31, in date order. Orders follow
//! the retail year (a quiet February, a busy November and December), the week (Friday
//! peaks, Sunday dips) and grow 12% in 2024; products differ in popularity and price, each
//! region has a favourite, and most orders are for a few units.

use crate::batches::in_batches;
use crate::random::{Random, cumulative};
use crate::{ExampleTable, days_since_epoch};
use arrow_array::{Date32Array, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use chrono::{Datelike, Days, NaiveDate};
use std::sync::Arc;

const ROWS: u64 = 1_000_000;
const SEED: u64 = 0x5a1e_5000_2023_2024;
const FIRST_DAY: NaiveDate = NaiveDate::from_ymd_opt(2023, 1, 1).expect("a valid date");
const DAYS: u64 = 731;

/// Name, share of the orders, and index of the product the region likes best.
const REGIONS: [(&str, u64, usize); 5] = [
    ("North", 21, 4),
    ("South", 20, 2),
    ("East", 20, 6),
    ("West", 22, 3),
    ("Central", 17, 7),
];

/// Name, popularity and base unit price.
const PRODUCTS: [(&str, u64, f64); 8] = [
    ("Contraption", 4, 179.99),
    ("Doohickey", 11, 4.49),
    ("Gadget", 18, 24.49),
    ("Gizmo", 15, 48.99),
    ("Sprocket", 13, 1.99),
    ("Thingamajig", 8, 14.49),
    ("Whatsit", 7, 99.99),
    ("Widget", 24, 9.99),
];

/// Order volume per month, January first.
const MONTHS: [u64; 12] = [82, 78, 90, 94, 100, 97, 95, 99, 96, 104, 128, 146];
/// Order volume per weekday, Monday first.
const WEEKDAYS: [u64; 7] = [100, 97, 99, 104, 115, 92, 78];
/// Order volume and price level per year, from 2023.
const YEARS: [(u64, f64); 2] = [(100, 1.0), (112, 1.04)];

pub(crate) fn table() -> ExampleTable {
    ExampleTable {
        name: "sales",
        description: "One million order lines of five regions and eight products, 2023-2024.",
        schema: schema(),
        main_dttm_col: "order_date",
        num_rows: ROWS as usize,
        metrics: &[("revenue", "SUM(quantity * price)")],
        version: 1,
        generate: || Box::new(in_batches(rows(), batch)),
    }
}

fn schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("order_date", DataType::Date32, false),
        Field::new("region", DataType::Utf8, false),
        Field::new("product", DataType::Utf8, false),
        Field::new("quantity", DataType::Int64, false),
        Field::new("price", DataType::Float64, false),
    ]))
}

struct Sale {
    date: i32,
    region: usize,
    product: usize,
    quantity: i64,
    price: f64,
}

#[derive(Clone, Copy)]
struct Day {
    date: i32,
    orders: u64,
    price_level: f64,
}

fn rows() -> impl Iterator<Item = Sale> {
    let mut random = Random::new(SEED);
    let regions = cumulative(REGIONS.iter().map(|r| r.1));
    let products: Vec<Vec<u64>> = REGIONS
        .iter()
        .map(|&(_, _, favourite)| {
            // Popularity in tenths; a region's favourite sells 40% more there.
            cumulative(
                PRODUCTS
                    .iter()
                    .enumerate()
                    .map(|(i, p)| p.1 * if i == favourite { 14 } else { 10 }),
            )
        })
        .collect();
    order_days()
        .into_iter()
        .flat_map(|day| std::iter::repeat_n(day, day.orders as usize))
        .map(move |day| {
            let region = random.weighted(&regions);
            let product = random.weighted(&products[region]);
            let u = random.unit();
            // 1..=20, mostly small: u² puts two thirds of the orders under 8 units.
            let quantity = 1 + (20.0 * u * u) as i64;
            let noise = 1.0 + 0.08 * random.centered();
            let price = PRODUCTS[product].2 * day.price_level * noise;
            Sale {
                date: day.date,
                region,
                product,
                quantity,
                price: (price * 100.0).round() / 100.0,
            }
        })
}

/// Every day of the two years with its number of orders: `ROWS` shared in proportion to
/// the day's weight, the rounding remainder going to the days that lost the most.
fn order_days() -> Vec<Day> {
    let days: Vec<(NaiveDate, u64, f64)> = (0..DAYS)
        .map(|i| {
            let date = FIRST_DAY + Days::new(i);
            let (year_weight, price_level) = YEARS[(date.year() - FIRST_DAY.year()) as usize];
            let weight = MONTHS[date.month0() as usize]
                * WEEKDAYS[date.weekday().num_days_from_monday() as usize]
                * year_weight;
            (date, weight, price_level)
        })
        .collect();
    let total: u64 = days.iter().map(|d| d.1).sum();
    let mut orders: Vec<u64> = days.iter().map(|d| ROWS * d.1 / total).collect();
    let left = ROWS - orders.iter().sum::<u64>();
    let mut by_remainder: Vec<usize> = (0..days.len()).collect();
    by_remainder.sort_by_key(|&i| std::cmp::Reverse(ROWS * days[i].1 % total));
    for &i in by_remainder.iter().take(left as usize) {
        orders[i] += 1;
    }
    days.iter()
        .zip(orders)
        .map(|(&(date, _, price_level), orders)| Day {
            date: days_since_epoch(date),
            orders,
            price_level,
        })
        .collect()
}

fn batch(rows: &[Sale]) -> RecordBatch {
    RecordBatch::try_new(
        schema(),
        vec![
            Arc::new(Date32Array::from_iter_values(rows.iter().map(|r| r.date))),
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|r| REGIONS[r.region].0),
            )),
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|r| PRODUCTS[r.product].0),
            )),
            Arc::new(Int64Array::from_iter_values(
                rows.iter().map(|r| r.quantity),
            )),
            Arc::new(Float64Array::from_iter_values(rows.iter().map(|r| r.price))),
        ],
    )
    .expect("the arrays match the schema")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_order_is_on_a_day_of_the_two_years() {
        let days = order_days();
        assert_eq!(days.len(), 731);
        assert_eq!(days.iter().map(|d| d.orders).sum::<u64>(), ROWS);
        assert_eq!(days[0].date, 19358, "2023-01-01");
        assert_eq!(days[730].date, 19358 + 730, "2024-12-31");
    }

    #[test]
    fn december_outsells_february() {
        let days = order_days();
        let month = |m: u32| -> u64 {
            days.iter()
                .filter(|d| crate::date_of(d.date).month() == m)
                .map(|d| d.orders)
                .sum()
        };
        assert!(month(12) > month(2) * 3 / 2);
    }
}
