//! Decoding PostgreSQL's binary `numeric`: a sign, a weight and base-10000 digits.

use std::fmt::Write;

use tessera_plugin_sdk::Result;

use crate::types::malformed;

const NEGATIVE: u16 = 0x4000;
const NAN: u16 = 0xC000;
const POS_INFINITY: u16 = 0xD000;
const NEG_INFINITY: u16 = 0xF000;

/// Powers of ten that fit an i128.
const POW10: [i128; 39] = {
    let mut table = [1i128; 39];
    let mut i = 1;
    while i < 39 {
        table[i] = table[i - 1] * 10;
        i += 1;
    }
    table
};

struct Numeric<'a> {
    /// Power of 10000 of the first digit.
    weight: i32,
    sign: u16,
    /// Big-endian i16 base-10000 digits.
    digits: &'a [u8],
}

impl Numeric<'_> {
    fn parse(v: &[u8]) -> Result<Numeric<'_>> {
        let header = v.get(..8).ok_or_else(|| malformed("numeric"))?;
        let ndigits = usize::from(u16::from_be_bytes([header[0], header[1]]));
        let digits = v.get(8..).filter(|d| d.len() == ndigits * 2);
        Ok(Numeric {
            weight: i32::from(i16::from_be_bytes([header[2], header[3]])),
            sign: u16::from_be_bytes([header[4], header[5]]),
            digits: digits.ok_or_else(|| malformed("numeric"))?,
        })
    }

    fn digits(&self) -> impl Iterator<Item = i32> + '_ {
        self.digits
            .chunks_exact(2)
            .map(|d| i32::from(i16::from_be_bytes([d[0], d[1]])))
    }
}

/// The value as a Decimal128 of `scale`, rounded half away from zero; NaN and the
/// infinities have no decimal form and become NULL.
pub fn to_i128(v: &[u8], scale: i8) -> Result<Option<i128>> {
    let n = Numeric::parse(v)?;
    if matches!(n.sign, NAN | POS_INFINITY | NEG_INFINITY) {
        return Ok(None);
    }
    let overflow = || malformed("numeric (out of Decimal128 range)");
    let mut acc: i128 = 0;
    for (i, digit) in n.digits().enumerate() {
        // The power of ten this digit group stands for in the unscaled integer.
        let place = i32::from(scale) + 4 * (n.weight - i as i32);
        let term = if place >= 0 {
            let pow = POW10.get(place as usize).ok_or_else(overflow)?;
            i128::from(digit).checked_mul(*pow).ok_or_else(overflow)?
        } else if place > -4 {
            let divisor = POW10[(-place) as usize] as i32;
            let rounded = digit / divisor + i32::from(digit % divisor * 2 >= divisor);
            i128::from(rounded)
        } else {
            break;
        };
        acc = acc.checked_add(term).ok_or_else(overflow)?;
        if place < 0 {
            break;
        }
    }
    Ok(Some(if n.sign == NEGATIVE { -acc } else { acc }))
}

/// The value as the nearest double. `scratch` is reused for the values too long for
/// the exact fast path.
pub fn to_f64(v: &[u8], scratch: &mut String) -> Result<f64> {
    let n = Numeric::parse(v)?;
    let magnitude = match n.sign {
        NAN => return Ok(f64::NAN),
        POS_INFINITY => return Ok(f64::INFINITY),
        NEG_INFINITY => return Ok(f64::NEG_INFINITY),
        _ => magnitude(&n, scratch)?,
    };
    Ok(if n.sign == NEGATIVE {
        -magnitude
    } else {
        magnitude
    })
}

fn magnitude(n: &Numeric, scratch: &mut String) -> Result<f64> {
    let ndigits = (n.digits.len() / 2) as i32;
    let exponent = 4 * (n.weight - ndigits + 1);
    // Exact when the integer and the power of ten are both exact doubles: one
    // correctly rounded operation (Clinger's fast path).
    if ndigits <= 4 && (-22..=22).contains(&exponent) {
        let int = n.digits().fold(0i64, |acc, d| acc * 10_000 + i64::from(d));
        if int < 1 << 53 {
            let pow = POW10[exponent.unsigned_abs() as usize] as f64;
            let int = int as f64;
            return Ok(if exponent >= 0 { int * pow } else { int / pow });
        }
    }
    scratch.clear();
    for digit in n.digits() {
        let _ = write!(scratch, "{digit:04}");
    }
    let _ = write!(scratch, "e{exponent}");
    scratch.parse().map_err(|_| malformed("numeric"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(sign: u16, weight: i16, digits: &[i16]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend((digits.len() as i16).to_be_bytes());
        v.extend(weight.to_be_bytes());
        v.extend(sign.to_be_bytes());
        v.extend(0u16.to_be_bytes());
        for d in digits {
            v.extend(d.to_be_bytes());
        }
        v
    }

    #[test]
    fn decimal_rescales_and_rounds() {
        // 12345.678 as numeric: digits 1|2345|6780, weight 1.
        let v = encode(0, 1, &[1, 2345, 6780]);
        assert_eq!(to_i128(&v, 3).unwrap(), Some(12_345_678));
        assert_eq!(to_i128(&v, 5).unwrap(), Some(1_234_567_800));
        assert_eq!(to_i128(&v, 2).unwrap(), Some(1_234_568));
        assert_eq!(to_i128(&v, -2).unwrap(), Some(123));
        let neg = encode(NEGATIVE, -1, &[5]);
        assert_eq!(to_i128(&neg, 4).unwrap(), Some(-5));
        assert_eq!(to_i128(&encode(NAN, 0, &[]), 2).unwrap(), None);
        assert_eq!(to_i128(&encode(0, 0, &[]), 2).unwrap(), Some(0));
    }

    #[test]
    fn float_fast_and_slow_paths() {
        let mut s = String::new();
        let v = encode(0, 1, &[1, 2345, 6780]);
        assert_eq!(to_f64(&v, &mut s).unwrap(), 12345.678);
        let long = encode(NEGATIVE, 0, &[3, 1415, 9265, 3589, 7932, 3846]);
        let expected: f64 = "-3.14159265358979323846".parse().unwrap();
        assert_eq!(to_f64(&long, &mut s).unwrap(), expected);
        let big = encode(0, 10, &[1]);
        assert_eq!(to_f64(&big, &mut s).unwrap(), 1e40);
        assert!(to_f64(&encode(NAN, 0, &[]), &mut s).unwrap().is_nan());
        assert_eq!(
            to_f64(&encode(NEG_INFINITY, 0, &[]), &mut s).unwrap(),
            f64::NEG_INFINITY
        );
    }
}
