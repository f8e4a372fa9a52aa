//! Unit tests of the parent module.

use super::*;

/// Every finite double, sampled by bit pattern (subnormals, huge values,
/// both zeros included), is written in a form each dialect's grammar
/// takes as a double literal and reads back bit for bit.
#[test]
fn scientific_round_trips_every_bit_pattern() {
    let mut state = 0x5eed_u64;
    let mut next = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let special = [0, 1, 2, 0x000f_ffff_ffff_ffff, 0x0010_0000_0000_0000];
    let bits = special
        .into_iter()
        .chain(special.map(|b| b | (1 << 63)))
        .chain([f64::MAX.to_bits(), f64::MIN.to_bits(), 1.0f64.to_bits()])
        .chain(std::iter::repeat_with(&mut next).take(200_000));
    for b in bits {
        let x = f64::from_bits(b);
        if !x.is_finite() {
            assert!(scientific(x).is_err());
            continue;
        }
        let text = scientific(x).unwrap();
        assert_eq!(text.parse::<f64>().unwrap().to_bits(), b, "{text}");
        // `-`? digit `.` digit+ `E` `-`? digit+: a double in Spark with
        // `D`, an `f64` in polars-sql (it needs the point), approximate
        // numeric in standard SQL.
        let body = text.strip_prefix('-').unwrap_or(&text);
        let (mantissa, exponent) = body.split_once('E').unwrap();
        let (int, frac) = mantissa.split_once('.').unwrap();
        assert!(
            int.len() == 1 && int.bytes().all(|c| c.is_ascii_digit()),
            "{text}"
        );
        assert!(
            !frac.is_empty() && frac.bytes().all(|c| c.is_ascii_digit()),
            "{text}"
        );
        let exp_digits = exponent.strip_prefix('-').unwrap_or(exponent);
        assert!(!exp_digits.is_empty() && exp_digits.bytes().all(|c| c.is_ascii_digit()));
    }
}

#[test]
fn comment_text_has_no_line_break_and_no_dollar() {
    let text = comment_text("a\nb\r\u{85}\u{2028}\u{202e}$\\\"\tü");
    assert_eq!(text, r#""a\nb\r\u{85}\u{2028}\u{202e}\u{24}\\\"\tü""#);
    assert!(!text.contains(['\n', '\r', '$']));
}

#[test]
fn dialect_names_round_trip() {
    for d in Dialect::ALL {
        assert_eq!(d.as_str().parse::<Dialect>().unwrap(), d);
        assert_eq!(d.to_string(), d.as_str());
    }
    assert_eq!("POLARS".parse::<Dialect>().unwrap(), Dialect::Polars);
    assert!("sqlite".parse::<Dialect>().is_err());
}

#[test]
fn spark_strings_escape_every_control_character() {
    let all: String = (1u32..0xa0).filter_map(char::from_u32).collect();
    let lit = quote_string(&all, Dialect::Spark, "value").unwrap();
    assert!(!lit.chars().any(char::is_control), "{lit}");
    assert!(lit.contains("\\u0001") && lit.contains("\\u009F") && lit.contains("\\u0024"));
}
