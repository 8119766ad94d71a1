//! The Python driver 2.4.10's names: which methods exist on which class (`insert` only on a
//! table, `table_create` only on a database), their term numbers, whether they take keyword
//! arguments, and which arguments its `func_wrap` turns into functions. Written from the
//! driver's `ast.py` and `query.py`; never read at run time.

/// The class a method is defined on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum On {
    /// Every query object.
    Any,
    /// `r.db(...)`.
    Db,
    /// `r.table(...)` / `db.table(...)`.
    Table,
    /// The `r` namespace.
    R,
}

/// One Python method or `r` function.
#[derive(Debug, Clone, Copy)]
pub(super) struct PyMethod {
    /// snake_case name.
    pub name: &'static str,
    /// Term type number.
    pub tt: u32,
    /// It accepts keyword arguments (`**kwargs`); else Python raises `TypeError`.
    pub kwargs: bool,
    /// Where it is defined.
    pub on: On,
}

impl PyMethod {
    const fn new(name: &'static str, tt: u32, kwargs: bool, on: On) -> Self {
        PyMethod {
            name,
            tt,
            kwargs,
            on,
        }
    }
}

/// Which arguments `func_wrap` passes through (an `r.row` inside becomes a function).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PyWrap {
    None,
    /// Every positional argument.
    All,
    /// The last positional argument (`map`), and every keyword one too with `fold`.
    Last,
    /// The last positional and every keyword argument (`fold`).
    LastAndKeywords,
    /// Every positional argument that is not `r.asc`/`r.desc` (`order_by`).
    AllExceptOrdering,
    /// Keyword arguments only (`union`).
    Keywords,
    /// Arguments after the first, when there are at least two (`index_create`).
    AfterFirst,
    /// The last argument, moved to the front (`do`).
    Do,
}

/// The wrapping rule of a method (`r_function`: called as `r.name(...)`).
pub(super) fn wrap_of(name: &str, r_function: bool) -> PyWrap {
    match (name, r_function) {
        ("do", _) => PyWrap::Do,
        ("map", _) => PyWrap::Last,
        ("fold", false) => PyWrap::LastAndKeywords,
        ("order_by", false) => PyWrap::AllExceptOrdering,
        ("union", false) => PyWrap::Keywords,
        ("index_create", false) => PyWrap::AfterFirst,
        (
            "filter" | "concat_map" | "reduce" | "for_each" | "merge" | "count" | "sum" | "avg"
            | "min" | "max" | "group" | "contains" | "offsets_of" | "update" | "replace"
            | "eq_join",
            false,
        ) => PyWrap::All,
        (
            "group" | "reduce" | "count" | "sum" | "avg" | "min" | "max" | "distinct" | "contains"
            | "asc" | "desc" | "http",
            true,
        ) => PyWrap::All,
        _ => PyWrap::None,
    }
}

/// The method `name` as defined on a query object of class `on`.
pub(super) fn term_method(name: &str, on: On) -> Option<&'static PyMethod> {
    TERM_METHODS
        .iter()
        .find(|m| m.name == name && (m.on == On::Any || m.on == on))
}

/// The method `name` on any class (for a hint when it is missing on this one).
pub(super) fn any_term_method(name: &str) -> Option<&'static PyMethod> {
    TERM_METHODS.iter().find(|m| m.name == name)
}

/// The function `r.name`.
pub(super) fn r_function(name: &str) -> Option<&'static PyMethod> {
    R_FUNCTIONS.iter().find(|m| m.name == name)
}

/// Constants of the `r` namespace: `r.minval`, `r.monday`, `r.january`...
pub(super) fn r_constant(name: &str) -> Option<u32> {
    const DAYS: [&str; 7] = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    match name {
        "minval" => Some(180),
        "maxval" => Some(181),
        _ => DAYS
            .iter()
            .position(|d| *d == name)
            .map(|i| 107 + i as u32)
            .or_else(|| {
                MONTHS
                    .iter()
                    .position(|m| *m == name)
                    .map(|i| 114 + i as u32)
            }),
    }
}

/// Every name the Python front end completes after a dot.
pub fn completion_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = TERM_METHODS
        .iter()
        .chain(R_FUNCTIONS)
        .map(|m| m.name)
        .collect();
    names.extend(["row", "expr", "minval", "maxval"]);
    names.sort_unstable();
    names.dedup();
    names
}

pub(super) static TERM_METHODS: &[PyMethod] = &[
    PyMethod::new("eq", 17, false, On::Any),
    PyMethod::new("ne", 18, false, On::Any),
    PyMethod::new("lt", 19, false, On::Any),
    PyMethod::new("le", 20, false, On::Any),
    PyMethod::new("gt", 21, false, On::Any),
    PyMethod::new("ge", 22, false, On::Any),
    PyMethod::new("add", 24, false, On::Any),
    PyMethod::new("sub", 25, false, On::Any),
    PyMethod::new("mul", 26, false, On::Any),
    PyMethod::new("div", 27, false, On::Any),
    PyMethod::new("mod", 28, false, On::Any),
    PyMethod::new("bit_and", 191, false, On::Any),
    PyMethod::new("bit_or", 192, false, On::Any),
    PyMethod::new("bit_xor", 193, false, On::Any),
    PyMethod::new("bit_not", 194, false, On::Any),
    PyMethod::new("bit_sal", 195, false, On::Any),
    PyMethod::new("bit_sar", 196, false, On::Any),
    PyMethod::new("floor", 183, false, On::Any),
    PyMethod::new("ceil", 184, false, On::Any),
    PyMethod::new("round", 185, false, On::Any),
    PyMethod::new("and_", 67, false, On::Any),
    PyMethod::new("or_", 66, false, On::Any),
    PyMethod::new("not_", 23, false, On::Any),
    PyMethod::new("contains", 93, false, On::Any),
    PyMethod::new("has_fields", 32, false, On::Any),
    PyMethod::new("with_fields", 96, false, On::Any),
    PyMethod::new("keys", 94, false, On::Any),
    PyMethod::new("values", 186, false, On::Any),
    PyMethod::new("changes", 152, true, On::Any),
    PyMethod::new("pluck", 33, false, On::Any),
    PyMethod::new("without", 34, false, On::Any),
    PyMethod::new("do", 64, false, On::Any),
    PyMethod::new("default", 92, false, On::Any),
    PyMethod::new("update", 53, true, On::Any),
    PyMethod::new("replace", 55, true, On::Any),
    PyMethod::new("delete", 54, true, On::Any),
    PyMethod::new("coerce_to", 51, false, On::Any),
    PyMethod::new("ungroup", 150, false, On::Any),
    PyMethod::new("type_of", 52, false, On::Any),
    PyMethod::new("merge", 35, false, On::Any),
    PyMethod::new("append", 29, false, On::Any),
    PyMethod::new("prepend", 80, false, On::Any),
    PyMethod::new("difference", 95, false, On::Any),
    PyMethod::new("set_insert", 88, false, On::Any),
    PyMethod::new("set_union", 90, false, On::Any),
    PyMethod::new("set_intersection", 89, false, On::Any),
    PyMethod::new("set_difference", 91, false, On::Any),
    PyMethod::new("get_field", 31, false, On::Any),
    PyMethod::new("nth", 45, false, On::Any),
    PyMethod::new("to_json", 172, false, On::Any),
    PyMethod::new("to_json_string", 172, false, On::Any),
    PyMethod::new("match", 97, false, On::Any),
    PyMethod::new("split", 149, false, On::Any),
    PyMethod::new("upcase", 141, false, On::Any),
    PyMethod::new("downcase", 142, false, On::Any),
    PyMethod::new("is_empty", 86, false, On::Any),
    PyMethod::new("offsets_of", 87, false, On::Any),
    PyMethod::new("slice", 30, true, On::Any),
    PyMethod::new("skip", 70, false, On::Any),
    PyMethod::new("limit", 71, false, On::Any),
    PyMethod::new("reduce", 37, false, On::Any),
    PyMethod::new("sum", 145, false, On::Any),
    PyMethod::new("avg", 146, false, On::Any),
    PyMethod::new("min", 147, true, On::Any),
    PyMethod::new("max", 148, true, On::Any),
    PyMethod::new("map", 38, false, On::Any),
    PyMethod::new("fold", 187, true, On::Any),
    PyMethod::new("filter", 39, true, On::Any),
    PyMethod::new("concat_map", 40, false, On::Any),
    PyMethod::new("order_by", 41, true, On::Any),
    PyMethod::new("between", 182, true, On::Any),
    PyMethod::new("distinct", 42, true, On::Any),
    PyMethod::new("count", 43, false, On::Any),
    PyMethod::new("union", 44, true, On::Any),
    PyMethod::new("inner_join", 48, false, On::Any),
    PyMethod::new("outer_join", 49, false, On::Any),
    PyMethod::new("eq_join", 50, true, On::Any),
    PyMethod::new("zip", 72, false, On::Any),
    PyMethod::new("group", 144, true, On::Any),
    PyMethod::new("branch", 65, false, On::Any),
    PyMethod::new("for_each", 68, false, On::Any),
    PyMethod::new("info", 79, false, On::Any),
    PyMethod::new("insert_at", 82, false, On::Any),
    PyMethod::new("splice_at", 85, false, On::Any),
    PyMethod::new("delete_at", 83, false, On::Any),
    PyMethod::new("change_at", 84, false, On::Any),
    PyMethod::new("sample", 81, false, On::Any),
    PyMethod::new("to_iso8601", 100, false, On::Any),
    PyMethod::new("to_epoch_time", 102, false, On::Any),
    PyMethod::new("during", 105, true, On::Any),
    PyMethod::new("date", 106, false, On::Any),
    PyMethod::new("time_of_day", 126, false, On::Any),
    PyMethod::new("timezone", 127, false, On::Any),
    PyMethod::new("year", 128, false, On::Any),
    PyMethod::new("month", 129, false, On::Any),
    PyMethod::new("day", 130, false, On::Any),
    PyMethod::new("day_of_week", 131, false, On::Any),
    PyMethod::new("day_of_year", 132, false, On::Any),
    PyMethod::new("hours", 133, false, On::Any),
    PyMethod::new("minutes", 134, false, On::Any),
    PyMethod::new("seconds", 135, false, On::Any),
    PyMethod::new("in_timezone", 104, false, On::Any),
    PyMethod::new("to_geojson", 158, false, On::Any),
    PyMethod::new("distance", 162, true, On::Any),
    PyMethod::new("intersects", 163, false, On::Any),
    PyMethod::new("includes", 164, false, On::Any),
    PyMethod::new("fill", 167, false, On::Any),
    PyMethod::new("polygon_sub", 171, false, On::Any),
    PyMethod::new("table_list", 62, false, On::Db),
    PyMethod::new("config", 174, false, On::Db),
    PyMethod::new("wait", 177, true, On::Db),
    PyMethod::new("reconfigure", 176, true, On::Db),
    PyMethod::new("rebalance", 179, true, On::Db),
    PyMethod::new("grant", 188, true, On::Db),
    PyMethod::new("table_create", 60, true, On::Db),
    PyMethod::new("table_drop", 61, false, On::Db),
    PyMethod::new("table", 15, true, On::Db),
    PyMethod::new("insert", 56, true, On::Table),
    PyMethod::new("get", 16, false, On::Table),
    PyMethod::new("get_all", 78, true, On::Table),
    PyMethod::new("set_write_hook", 189, true, On::Table),
    PyMethod::new("get_write_hook", 190, true, On::Table),
    PyMethod::new("index_create", 75, true, On::Table),
    PyMethod::new("index_drop", 76, false, On::Table),
    PyMethod::new("index_rename", 156, true, On::Table),
    PyMethod::new("index_list", 77, false, On::Table),
    PyMethod::new("index_status", 139, false, On::Table),
    PyMethod::new("index_wait", 140, false, On::Table),
    PyMethod::new("status", 175, false, On::Table),
    PyMethod::new("config", 174, false, On::Table),
    PyMethod::new("wait", 177, true, On::Table),
    PyMethod::new("reconfigure", 176, true, On::Table),
    PyMethod::new("rebalance", 179, true, On::Table),
    PyMethod::new("sync", 138, false, On::Table),
    PyMethod::new("grant", 188, true, On::Table),
    PyMethod::new("get_intersecting", 166, true, On::Table),
    PyMethod::new("get_nearest", 168, true, On::Table),
    PyMethod::new("uuid", 169, true, On::Table),
];
pub(super) static R_FUNCTIONS: &[PyMethod] = &[
    PyMethod::new("json", 98, false, On::R),
    PyMethod::new("js", 11, true, On::R),
    PyMethod::new("args", 154, false, On::R),
    PyMethod::new("http", 153, true, On::R),
    PyMethod::new("error", 12, false, On::R),
    PyMethod::new("random", 151, true, On::R),
    PyMethod::new("do", 64, false, On::R),
    PyMethod::new("table", 15, true, On::R),
    PyMethod::new("db", 14, false, On::R),
    PyMethod::new("db_create", 57, false, On::R),
    PyMethod::new("db_drop", 58, false, On::R),
    PyMethod::new("db_list", 59, false, On::R),
    //skip r db_config set()
    PyMethod::new("table_create", 60, true, On::R),
    PyMethod::new("table_drop", 61, false, On::R),
    PyMethod::new("table_list", 62, false, On::R),
    PyMethod::new("grant", 188, true, On::R),
    PyMethod::new("branch", 65, false, On::R),
    PyMethod::new("union", 44, false, On::R),
    PyMethod::new("map", 38, false, On::R),
    PyMethod::new("group", 144, false, On::R),
    PyMethod::new("reduce", 37, false, On::R),
    PyMethod::new("count", 43, false, On::R),
    PyMethod::new("sum", 145, false, On::R),
    PyMethod::new("avg", 146, false, On::R),
    PyMethod::new("min", 147, false, On::R),
    PyMethod::new("max", 148, false, On::R),
    PyMethod::new("distinct", 42, false, On::R),
    PyMethod::new("contains", 93, false, On::R),
    PyMethod::new("asc", 73, false, On::R),
    PyMethod::new("desc", 74, false, On::R),
    PyMethod::new("eq", 17, false, On::R),
    PyMethod::new("ne", 18, false, On::R),
    PyMethod::new("lt", 19, false, On::R),
    PyMethod::new("le", 20, false, On::R),
    PyMethod::new("gt", 21, false, On::R),
    PyMethod::new("ge", 22, false, On::R),
    PyMethod::new("add", 24, false, On::R),
    PyMethod::new("sub", 25, false, On::R),
    PyMethod::new("mul", 26, false, On::R),
    PyMethod::new("div", 27, false, On::R),
    PyMethod::new("mod", 28, false, On::R),
    PyMethod::new("bit_and", 191, false, On::R),
    PyMethod::new("bit_or", 192, false, On::R),
    PyMethod::new("bit_xor", 193, false, On::R),
    PyMethod::new("bit_not", 194, false, On::R),
    PyMethod::new("bit_sal", 195, false, On::R),
    PyMethod::new("bit_sar", 196, false, On::R),
    PyMethod::new("floor", 183, false, On::R),
    PyMethod::new("ceil", 184, false, On::R),
    PyMethod::new("round", 185, false, On::R),
    PyMethod::new("not_", 23, false, On::R),
    PyMethod::new("and_", 67, false, On::R),
    PyMethod::new("or_", 66, false, On::R),
    PyMethod::new("type_of", 52, false, On::R),
    PyMethod::new("info", 79, false, On::R),
    PyMethod::new("binary", 155, false, On::R),
    PyMethod::new("range", 173, false, On::R),
    PyMethod::new("time", 136, false, On::R),
    PyMethod::new("iso8601", 99, true, On::R),
    PyMethod::new("epoch_time", 101, false, On::R),
    PyMethod::new("now", 103, false, On::R),
    //skip r make_timezone set()
    PyMethod::new("literal", 137, false, On::R),
    PyMethod::new("object", 143, false, On::R),
    PyMethod::new("uuid", 169, false, On::R),
    PyMethod::new("geojson", 157, false, On::R),
    PyMethod::new("point", 159, false, On::R),
    PyMethod::new("line", 160, false, On::R),
    PyMethod::new("polygon", 161, false, On::R),
    PyMethod::new("distance", 162, true, On::R),
    PyMethod::new("intersects", 163, false, On::R),
    PyMethod::new("circle", 165, true, On::R),
];

/// The Python method that builds term type `tt` on a receiver of term type `receiver`.
pub(super) fn method_name(tt: u32, receiver: Option<u64>) -> Option<&'static str> {
    TERM_METHODS
        .iter()
        .find(|m| {
            m.tt == tt
                && match m.on {
                    On::Any => true,
                    On::Table => receiver == Some(15),
                    On::Db => receiver == Some(14),
                    On::R => false,
                }
        })
        .map(|m| m.name)
}

/// The `r` function or constant that builds term type `tt`.
pub(super) fn r_name(tt: u32) -> Option<&'static str> {
    if let Some(m) = R_FUNCTIONS.iter().find(|m| m.tt == tt) {
        return Some(m.name);
    }
    const CONSTANTS: [&str; 21] = [
        "minval",
        "maxval",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    CONSTANTS.into_iter().find(|c| r_constant(c) == Some(tt))
}
