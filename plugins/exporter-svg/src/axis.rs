//! The value axis: a domain that includes zero, rounded out to "nice" ticks, and short
//! tick labels (`1.5k`, `20M`).

/// A linear value scale with its ticks.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueAxis {
    pub min: f64,
    pub max: f64,
    pub ticks: Vec<f64>,
}

impl ValueAxis {
    /// An axis for `values` (finite ones), always including zero so bars have a base;
    /// with nothing to show it spans 0 to 1.
    pub fn new(values: impl Iterator<Item = f64>, tick_count: usize) -> Self {
        let (low, high) = values
            .filter(|v| v.is_finite())
            .fold((0.0_f64, 0.0_f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
        let (low, high) = if low == high { (0.0, 1.0) } else { (low, high) };
        let step = tick_step(low, high, tick_count.max(1));
        if !(step.is_finite() && step > 0.0) {
            // A span beyond f64 (values near ±1e308): the bare extremes.
            return Self {
                min: low,
                max: high,
                ticks: vec![low, high],
            };
        }
        let first = (low / step).floor();
        let last = (high / step).ceil();
        let ticks: Vec<f64> = (0..=(last - first) as i64)
            .map(|i| (first + i as f64) * step)
            .collect();
        Self {
            min: first * step,
            max: last * step,
            ticks,
        }
    }

    /// Where `value` falls between `start` (the axis minimum) and `end` (its maximum).
    pub fn position(&self, value: f64, start: f64, end: f64) -> f64 {
        start + (value - self.min) / (self.max - self.min) * (end - start)
    }
}

/// A step of 1, 2 or 5 times a power of ten giving about `count` intervals.
fn tick_step(low: f64, high: f64, count: usize) -> f64 {
    let raw = (high - low) / count as f64;
    let power = 10f64.powf(raw.log10().floor());
    let error = raw / power;
    let factor = if error >= 50f64.sqrt() {
        10.0
    } else if error >= 10f64.sqrt() {
        5.0
    } else if error >= 2f64.sqrt() {
        2.0
    } else {
        1.0
    };
    factor * power
}

/// A short label: three significant digits at most, with an SI suffix from a thousand
/// (`1.5k`, `2M`, `3.2G`, `1T`), scientific for tiny numbers.
pub fn short_number(value: f64) -> String {
    if !value.is_finite() {
        return String::new();
    }
    if value == 0.0 {
        return "0".into();
    }
    let magnitude = value.abs();
    if magnitude < 1e-3 {
        return trim_exponent(&format!("{value:.2e}"));
    }
    let (scaled, suffix) = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")]
        .into_iter()
        .find(|(unit, _)| magnitude >= *unit)
        .map_or((value, ""), |(unit, suffix)| (value / unit, suffix));
    let whole_digits = scaled.abs().log10().floor() as i32 + 1;
    let decimals = (3 - whole_digits).clamp(0, 3) as usize;
    let text = format!("{scaled:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        &text
    };
    format!("{text}{suffix}")
}

/// `1.50e-4` → `1.5e-4`.
fn trim_exponent(text: &str) -> String {
    match text.split_once('e') {
        Some((mantissa, exponent)) if mantissa.contains('.') => {
            let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
            format!("{mantissa}e{exponent}")
        }
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn axis(values: &[f64]) -> ValueAxis {
        ValueAxis::new(values.iter().copied(), 5)
    }

    #[test]
    fn nice_domains() {
        assert_eq!(
            axis(&[3.0, 97.0]).ticks,
            [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]
        );
        let mixed = axis(&[-35.0, 120.0]);
        assert_eq!((mixed.min, mixed.max), (-40.0, 120.0));
        assert!(mixed.ticks.contains(&0.0));
        let negative = axis(&[-5.0, -1.0]);
        assert_eq!((negative.min, negative.max), (-5.0, 0.0));
        assert_eq!(
            axis(&[]).ticks,
            [0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]
        );
        assert_eq!((axis(&[0.0]).min, axis(&[0.0]).max), (0.0, 1.0));
        assert_eq!(axis(&[f64::NAN, 7.0]).max, 7.0);
        let tiny = axis(&[0.0003]);
        assert!(tiny.max >= 0.0003 && tiny.ticks.len() <= 7, "{tiny:?}");
        let huge = axis(&[4.4e9]);
        assert_eq!(huge.max, 5e9);
        let extreme = axis(&[-f64::MAX, f64::MAX]);
        assert_eq!(extreme.ticks, [-f64::MAX, f64::MAX]);
    }

    #[test]
    fn positions() {
        let a = axis(&[100.0]);
        assert_eq!(a.position(0.0, 400.0, 0.0), 400.0);
        assert_eq!(a.position(100.0, 400.0, 0.0), 0.0);
        assert_eq!(a.position(50.0, 400.0, 0.0), 200.0);
    }

    #[test]
    fn short_labels() {
        let cases = [
            (0.0, "0"),
            (5.0, "5"),
            (12.5, "12.5"),
            (0.125, "0.125"),
            (999.0, "999"),
            (1500.0, "1.5k"),
            (20_000.0, "20k"),
            (4_452_990.0, "4.45M"),
            (-2_000_000.0, "-2M"),
            (3.2e9, "3.2G"),
            (1e12, "1T"),
            (0.00015, "1.5e-4"),
            (0.6000000000000001, "0.6"),
        ];
        for (value, expected) in cases {
            assert_eq!(short_number(value), expected, "{value}");
        }
    }
}
