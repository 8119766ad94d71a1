//! Numbers printed as JavaScript's `Number.prototype.toString` prints them.

use serde_json::Number;

/// Appends `f` as JavaScript prints it: `1` not `1.0`, `1e+21`, `1.5e-7`, `-0` as `0`.
pub fn write_js_number(out: &mut String, f: f64) {
    if f == 0.0 {
        // ryu-js keeps the sign of negative zero; JavaScript's toString drops it.
        out.push('0');
        return;
    }
    let mut buf = ryu_js::Buffer::new();
    out.push_str(buf.format(f));
}

/// `f` as JavaScript prints it.
pub fn js_number(f: f64) -> String {
    let mut out = String::new();
    write_js_number(&mut out, f);
    out
}

/// Appends a JSON number as JavaScript would print it after parsing it into a double.
pub fn write_json_number(out: &mut String, n: &Number) {
    // Integers that a double holds exactly print as themselves without the float round trip.
    const EXACT: u64 = 1 << 53;
    if let Some(u) = n.as_u64() {
        if u <= EXACT {
            out.push_str(itoa_u64(u, &mut [0u8; 20]));
            return;
        }
    } else if let Some(i) = n.as_i64()
        && i.unsigned_abs() <= EXACT
    {
        if i < 0 {
            out.push('-');
        }
        out.push_str(itoa_u64(i.unsigned_abs(), &mut [0u8; 20]));
        return;
    }
    write_js_number(out, n.as_f64().unwrap_or(f64::NAN));
}

fn itoa_u64(mut v: u64, buf: &mut [u8; 20]) -> &str {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    // Only ASCII digits were written.
    std::str::from_utf8(&buf[i..]).unwrap_or("0")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> String {
        let n: Number = serde_json::from_str(text).unwrap();
        let mut out = String::new();
        write_json_number(&mut out, &n);
        out
    }

    #[test]
    fn doubles_print_as_javascript_does() {
        assert_eq!(js_number(1.0), "1");
        assert_eq!(js_number(-0.0), "0");
        assert_eq!(js_number(0.1), "0.1");
        assert_eq!(js_number(1e21), "1e+21");
        assert_eq!(js_number(1e20), "100000000000000000000");
        assert_eq!(js_number(1.5e-7), "1.5e-7");
        assert_eq!(js_number(0.000001), "0.000001");
        assert_eq!(js_number(-2.5), "-2.5");
        assert_eq!(js_number(123456789.125), "123456789.125");
        assert_eq!(js_number(f64::NAN), "NaN");
        assert_eq!(js_number(f64::NEG_INFINITY), "-Infinity");
    }

    #[test]
    fn json_numbers_print_as_javascript_does() {
        assert_eq!(json("1"), "1");
        assert_eq!(json("1.0"), "1");
        assert_eq!(json("-0"), "0");
        assert_eq!(json("-0.0"), "0");
        assert_eq!(json("-42"), "-42");
        assert_eq!(json("9007199254740992"), "9007199254740992");
        assert_eq!(json("-9007199254740992"), "-9007199254740992");
        // Beyond 2^53 JavaScript rounds to the nearest double.
        assert_eq!(json("12345678901234567890"), "12345678901234567000");
        assert_eq!(json("18446744073709551615"), "18446744073709552000");
        assert_eq!(json("1e21"), "1e+21");
        assert_eq!(json("1E-7"), "1e-7");
        assert_eq!(json("0.1"), "0.1");
    }
}
