//! Number formatting checked against Node's `String(x)` (values recorded from node v20.20.2 as bit
//! patterns, so the comparison is exact).
// Tests state expectations with unwrap, expect and panic (denied outside tests, Cargo.toml).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use rdbsh::render::js_number;

const NODE: &[(u64, &str)] = &[
    (0x0000000000000000, "0"),
    (0x8000000000000000, "0"),
    (0x3ff0000000000000, "1"),
    (0xbff0000000000000, "-1"),
    (0x3fb999999999999a, "0.1"),
    (0x3fd3333333333334, "0.30000000000000004"),
    (0x3fd5555555555555, "0.3333333333333333"),
    (0x3fe5555555555555, "0.6666666666666666"),
    (0x444b1ae4d6e2ef50, "1e+21"),
    (0x4415af1d78b58c40, "100000000000000000000"),
    (0x4450ab6b74cb909e, "1.23e+21"),
    (0x3eb0c6f7a0b5ed8d, "0.000001"),
    (0x3e7ad7f29abcaf48, "1e-7"),
    (0x3e8421f5f40d8376, "1.5e-7"),
    (0xbe8421f5f40d8376, "-1.5e-7"),
    (0x0000000000000001, "5e-324"),
    (0x7fefffffffffffff, "1.7976931348623157e+308"),
    (0x4340000000000000, "9007199254740992"),
    (0x4340000000000001, "9007199254740994"),
    (0x43f0000000000000, "18446744073709552000"),
    (0x43e56a95319d63e1, "12345678901234567000"),
    (0x3eb4b3fd5942cd96, "0.000001234"),
    (0x40fe240c9fbe76c9, "123456.789"),
    (0x54b249ad2594c37d, "1e+100"),
    (0xab2bff2ee48e0530, "-1e-100"),
    (0x4011666666666666, "4.35"),
    (0x3fe0000000000000, "0.5"),
    (0x4059000000000000, "100"),
    (0x412e848000000000, "1000000"),
    (0x3ee9cb8320b15070, "0.0000123"),
    (0x444b1ae4d6e2ef4f, "999999999999999900000"),
    (0x403f000000000000, "31"),
    (0x41dac251a407df3b, "1795770000.123"),
    (0xc05edd2f1a9fbe77, "-123.456"),
    (0x3efa36e2eb1c432d, "0.000025"),
    (0x3ee4f8b588e368f1, "0.00001"),
];

#[test]
fn doubles_print_exactly_as_node_prints_them() {
    for &(bits, expected) in NODE {
        let x = f64::from_bits(bits);
        assert_eq!(js_number(x), expected, "bits {bits:#018x}");
    }
}

#[test]
fn json_numbers_in_pretty_output_match_node() {
    // The server sends doubles as JSON text; pretty output must show what JavaScript shows.
    for &(bits, expected) in NODE {
        let x = f64::from_bits(bits);
        let Some(n) = serde_json::Number::from_f64(x) else {
            continue;
        };
        let v = serde_json::Value::Number(n);
        assert_eq!(
            rdbsh::render::compact(&v, false),
            expected,
            "bits {bits:#018x}"
        );
    }
}
