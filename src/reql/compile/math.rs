//! `Math`: the functions of JavaScript's `Math` object rdbsh evaluates on plain numbers.

/// A function of `Math`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum MathFn {
    Floor,
    Ceil,
    Round,
    Abs,
    Min,
    Max,
    Pow,
    Sqrt,
    Cbrt,
    Trunc,
    Sign,
    Log,
    Log10,
    Log2,
    Log1p,
    Exp,
    Expm1,
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Atan2,
    Hypot,
    Random,
}

/// Each function with its JavaScript name.
const NAMES: [(MathFn, &str); 26] = [
    (MathFn::Floor, "floor"),
    (MathFn::Ceil, "ceil"),
    (MathFn::Round, "round"),
    (MathFn::Abs, "abs"),
    (MathFn::Min, "min"),
    (MathFn::Max, "max"),
    (MathFn::Pow, "pow"),
    (MathFn::Sqrt, "sqrt"),
    (MathFn::Cbrt, "cbrt"),
    (MathFn::Trunc, "trunc"),
    (MathFn::Sign, "sign"),
    (MathFn::Log, "log"),
    (MathFn::Log10, "log10"),
    (MathFn::Log2, "log2"),
    (MathFn::Log1p, "log1p"),
    (MathFn::Exp, "exp"),
    (MathFn::Expm1, "expm1"),
    (MathFn::Sin, "sin"),
    (MathFn::Cos, "cos"),
    (MathFn::Tan, "tan"),
    (MathFn::Asin, "asin"),
    (MathFn::Acos, "acos"),
    (MathFn::Atan, "atan"),
    (MathFn::Atan2, "atan2"),
    (MathFn::Hypot, "hypot"),
    (MathFn::Random, "random"),
];

impl MathFn {
    /// The function `Math.name`, if rdbsh evaluates it.
    pub(super) fn named(name: &str) -> Option<MathFn> {
        NAMES.iter().find(|(_, n)| *n == name).map(|&(f, _)| f)
    }

    /// Its JavaScript name.
    pub(super) fn name(self) -> &'static str {
        NAMES
            .iter()
            .find(|(f, _)| *f == self)
            .map_or("?", |&(_, n)| n)
    }

    /// The result for these arguments; `None` when `Math.random` cannot read the system's
    /// random source.
    pub(super) fn apply(self, nums: &[f64]) -> Option<f64> {
        let a = nums.first().copied().unwrap_or(f64::NAN);
        let b = || nums.get(1).copied().unwrap_or(f64::NAN);
        Some(match self {
            MathFn::Floor => a.floor(),
            MathFn::Ceil => a.ceil(),
            MathFn::Round => js_round(a),
            MathFn::Abs => a.abs(),
            MathFn::Trunc => a.trunc(),
            MathFn::Sign if a == 0.0 || a.is_nan() => a,
            MathFn::Sign => a.signum(),
            MathFn::Sqrt => a.sqrt(),
            MathFn::Cbrt => a.cbrt(),
            MathFn::Log => a.ln(),
            MathFn::Log10 => a.log10(),
            MathFn::Log2 => a.log2(),
            MathFn::Log1p => a.ln_1p(),
            MathFn::Exp => a.exp(),
            MathFn::Expm1 => a.exp_m1(),
            MathFn::Sin => a.sin(),
            MathFn::Cos => a.cos(),
            MathFn::Tan => a.tan(),
            MathFn::Asin => a.asin(),
            MathFn::Acos => a.acos(),
            MathFn::Atan => a.atan(),
            MathFn::Atan2 => a.atan2(b()),
            MathFn::Hypot if nums.iter().any(|x| x.is_infinite()) => f64::INFINITY,
            MathFn::Hypot => nums.iter().map(|x| x * x).sum::<f64>().sqrt(),
            MathFn::Pow => js_pow(a, b()),
            MathFn::Min => nums
                .iter()
                .copied()
                .fold(f64::INFINITY, |m, x| js_min_max(m, x, true)),
            MathFn::Max => nums
                .iter()
                .copied()
                .fold(f64::NEG_INFINITY, |m, x| js_min_max(m, x, false)),
            MathFn::Random => js_random()?,
        })
    }
}

/// `Math.round`: halves go up, and a negative number that rounds to zero stays -0.
fn js_round(x: f64) -> f64 {
    if !x.is_finite() {
        return x;
    }
    let f = x.floor();
    let r = if x - f >= 0.5 { f + 1.0 } else { f };
    if r == 0.0 && x < 0.0 { -0.0 } else { r }
}

/// `**` and `Math.pow`: unlike `powf`, 1 to a NaN or an infinite power is NaN.
pub(super) fn js_pow(a: f64, b: f64) -> f64 {
    if b.is_nan() || (a.abs() == 1.0 && b.is_infinite()) {
        f64::NAN
    } else {
        a.powf(b)
    }
}

/// One step of `Math.min` (`min`) or `Math.max`: NaN wins, and -0 is below 0.
fn js_min_max(m: f64, x: f64, min: bool) -> f64 {
    if m.is_nan() || x.is_nan() {
        return f64::NAN;
    }
    if m == 0.0 && x == 0.0 {
        let either_negative = m.is_sign_negative() || x.is_sign_negative();
        let both_negative = m.is_sign_negative() && x.is_sign_negative();
        let negative = if min { either_negative } else { both_negative };
        return if negative { -0.0 } else { 0.0 };
    }
    if min { m.min(x) } else { m.max(x) }
}

/// `Math.random()`: uniform in [0, 1) from the system's random source, 53 random bits as V8
/// gives (the clock's nanoseconds were neither uniform nor unpredictable).
fn js_random() -> Option<f64> {
    use ring::rand::SecureRandom as _;
    let mut bytes = [0u8; 8];
    ring::rand::SystemRandom::new().fill(&mut bytes).ok()?;
    let bits = u64::from_le_bytes(bytes) >> 11;
    Some(bits as f64 / (1u64 << 53) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_functions_pair_up() {
        for (f, n) in NAMES {
            assert_eq!(MathFn::named(n), Some(f));
            assert_eq!(f.name(), n);
        }
        assert_eq!(MathFn::named("fround"), None);
        assert_eq!(
            MathFn::Round.apply(&[-0.4]).map(f64::is_sign_negative),
            Some(true)
        );
        assert_eq!(MathFn::Max.apply(&[]), Some(f64::NEG_INFINITY));
    }
}
