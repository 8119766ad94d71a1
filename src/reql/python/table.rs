//! The Python driver 2.4.10's names: which methods exist on which class (`insert` only on a
//! table, `table_create` only on a database), their term types, whether they take keyword
//! arguments, and which arguments its `func_wrap` turns into functions. Written from the
//! driver's `ast.py` and `query.py`; never read at run time.

use crate::protocol::TermType;

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
    /// The term it builds.
    pub tt: TermType,
    /// It accepts keyword arguments (`**kwargs`); else Python raises `TypeError`.
    pub kwargs: bool,
    /// Where it is defined.
    pub on: On,
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
const CONSTANTS: [(&str, TermType); 21] = [
    ("minval", TermType::Minval),
    ("maxval", TermType::Maxval),
    ("monday", TermType::Monday),
    ("tuesday", TermType::Tuesday),
    ("wednesday", TermType::Wednesday),
    ("thursday", TermType::Thursday),
    ("friday", TermType::Friday),
    ("saturday", TermType::Saturday),
    ("sunday", TermType::Sunday),
    ("january", TermType::January),
    ("february", TermType::February),
    ("march", TermType::March),
    ("april", TermType::April),
    ("may", TermType::May),
    ("june", TermType::June),
    ("july", TermType::July),
    ("august", TermType::August),
    ("september", TermType::September),
    ("october", TermType::October),
    ("november", TermType::November),
    ("december", TermType::December),
];

/// The constant `r.name`.
pub(super) fn r_constant(name: &str) -> Option<TermType> {
    CONSTANTS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|&(_, tt)| tt)
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

/// One row per method: Python name, term type, `kwargs` when it takes keyword arguments (`-`
/// when not), and the class it is defined on.
macro_rules! py_methods {
    (@kwargs kwargs) => { true };
    (@kwargs -) => { false };
    ($($name:literal $tt:ident $kw:tt $on:ident;)*) => {
        &[$(PyMethod { name: $name, tt: TermType::$tt, kwargs: py_methods!(@kwargs $kw), on: On::$on },)*]
    };
}

#[rustfmt::skip]
pub(super) static TERM_METHODS: &[PyMethod] = py_methods! {
    "eq"                Eq               -       Any;
    "ne"                Ne               -       Any;
    "lt"                Lt               -       Any;
    "le"                Le               -       Any;
    "gt"                Gt               -       Any;
    "ge"                Ge               -       Any;
    "add"               Add              -       Any;
    "sub"               Sub              -       Any;
    "mul"               Mul              -       Any;
    "div"               Div              -       Any;
    "mod"               Mod              -       Any;
    "bit_and"           BitAnd           -       Any;
    "bit_or"            BitOr            -       Any;
    "bit_xor"           BitXor           -       Any;
    "bit_not"           BitNot           -       Any;
    "bit_sal"           BitSal           -       Any;
    "bit_sar"           BitSar           -       Any;
    "floor"             Floor            -       Any;
    "ceil"              Ceil             -       Any;
    "round"             Round            -       Any;
    "and_"              And              -       Any;
    "or_"               Or               -       Any;
    "not_"              Not              -       Any;
    "contains"          Contains         -       Any;
    "has_fields"        HasFields        -       Any;
    "with_fields"       WithFields       -       Any;
    "keys"              Keys             -       Any;
    "values"            Values           -       Any;
    "changes"           Changes          kwargs  Any;
    "pluck"             Pluck            -       Any;
    "without"           Without          -       Any;
    "do"                Funcall          -       Any;
    "default"           Default          -       Any;
    "update"            Update           kwargs  Any;
    "replace"           Replace          kwargs  Any;
    "delete"            Delete           kwargs  Any;
    "coerce_to"         CoerceTo         -       Any;
    "ungroup"           Ungroup          -       Any;
    "type_of"           TypeOf           -       Any;
    "merge"             Merge            -       Any;
    "append"            Append           -       Any;
    "prepend"           Prepend          -       Any;
    "difference"        Difference       -       Any;
    "set_insert"        SetInsert        -       Any;
    "set_union"         SetUnion         -       Any;
    "set_intersection"  SetIntersection  -       Any;
    "set_difference"    SetDifference    -       Any;
    "get_field"         GetField         -       Any;
    "nth"               Nth              -       Any;
    "to_json"           ToJsonString     -       Any;
    "to_json_string"    ToJsonString     -       Any;
    "match"             Match            -       Any;
    "split"             Split            -       Any;
    "upcase"            Upcase           -       Any;
    "downcase"          Downcase         -       Any;
    "is_empty"          IsEmpty          -       Any;
    "offsets_of"        OffsetsOf        -       Any;
    "slice"             Slice            kwargs  Any;
    "skip"              Skip             -       Any;
    "limit"             Limit            -       Any;
    "reduce"            Reduce           -       Any;
    "sum"               Sum              -       Any;
    "avg"               Avg              -       Any;
    "min"               Min              kwargs  Any;
    "max"               Max              kwargs  Any;
    "map"               Map              -       Any;
    "fold"              Fold             kwargs  Any;
    "filter"            Filter           kwargs  Any;
    "concat_map"        ConcatMap        -       Any;
    "order_by"          OrderBy          kwargs  Any;
    "between"           Between          kwargs  Any;
    "distinct"          Distinct         kwargs  Any;
    "count"             Count            -       Any;
    "union"             Union            kwargs  Any;
    "inner_join"        InnerJoin        -       Any;
    "outer_join"        OuterJoin        -       Any;
    "eq_join"           EqJoin           kwargs  Any;
    "zip"               Zip              -       Any;
    "group"             Group            kwargs  Any;
    "branch"            Branch           -       Any;
    "for_each"          ForEach          -       Any;
    "info"              Info             -       Any;
    "insert_at"         InsertAt         -       Any;
    "splice_at"         SpliceAt         -       Any;
    "delete_at"         DeleteAt         -       Any;
    "change_at"         ChangeAt         -       Any;
    "sample"            Sample           -       Any;
    "to_iso8601"        ToIso8601        -       Any;
    "to_epoch_time"     ToEpochTime      -       Any;
    "during"            During           kwargs  Any;
    "date"              Date             -       Any;
    "time_of_day"       TimeOfDay        -       Any;
    "timezone"          Timezone         -       Any;
    "year"              Year             -       Any;
    "month"             Month            -       Any;
    "day"               Day              -       Any;
    "day_of_week"       DayOfWeek        -       Any;
    "day_of_year"       DayOfYear        -       Any;
    "hours"             Hours            -       Any;
    "minutes"           Minutes          -       Any;
    "seconds"           Seconds          -       Any;
    "in_timezone"       InTimezone       -       Any;
    "to_geojson"        ToGeojson        -       Any;
    "distance"          Distance         kwargs  Any;
    "intersects"        Intersects       -       Any;
    "includes"          Includes         -       Any;
    "fill"              Fill             -       Any;
    "polygon_sub"       PolygonSub       -       Any;
    "table_list"        TableList        -       Db;
    "config"            Config           -       Db;
    "wait"              Wait             kwargs  Db;
    "reconfigure"       Reconfigure      kwargs  Db;
    "rebalance"         Rebalance        kwargs  Db;
    "grant"             Grant            kwargs  Db;
    "table_create"      TableCreate      kwargs  Db;
    "table_drop"        TableDrop        -       Db;
    "table"             Table            kwargs  Db;
    "insert"            Insert           kwargs  Table;
    "get"               Get              -       Table;
    "get_all"           GetAll           kwargs  Table;
    "set_write_hook"    SetWriteHook     kwargs  Table;
    "get_write_hook"    GetWriteHook     kwargs  Table;
    "index_create"      IndexCreate      kwargs  Table;
    "index_drop"        IndexDrop        -       Table;
    "index_rename"      IndexRename      kwargs  Table;
    "index_list"        IndexList        -       Table;
    "index_status"      IndexStatus      -       Table;
    "index_wait"        IndexWait        -       Table;
    "status"            Status           -       Table;
    "config"            Config           -       Table;
    "wait"              Wait             kwargs  Table;
    "reconfigure"       Reconfigure      kwargs  Table;
    "rebalance"         Rebalance        kwargs  Table;
    "sync"              Sync             -       Table;
    "grant"             Grant            kwargs  Table;
    "get_intersecting"  GetIntersecting  kwargs  Table;
    "get_nearest"       GetNearest       kwargs  Table;
    "uuid"              Uuid             kwargs  Table;
};

#[rustfmt::skip]
pub(super) static R_FUNCTIONS: &[PyMethod] = py_methods! {
    "json"          Json         -       R;
    "js"            Javascript   kwargs  R;
    "args"          Args         -       R;
    "http"          Http         kwargs  R;
    "error"         Error        -       R;
    "random"        Random       kwargs  R;
    "do"            Funcall      -       R;
    "table"         Table        kwargs  R;
    "db"            Db           -       R;
    "db_create"     DbCreate     -       R;
    "db_drop"       DbDrop       -       R;
    "db_list"       DbList       -       R;
    // skip r db_config set()
    "table_create"  TableCreate  kwargs  R;
    "table_drop"    TableDrop    -       R;
    "table_list"    TableList    -       R;
    "grant"         Grant        kwargs  R;
    "branch"        Branch       -       R;
    "union"         Union        -       R;
    "map"           Map          -       R;
    "group"         Group        -       R;
    "reduce"        Reduce       -       R;
    "count"         Count        -       R;
    "sum"           Sum          -       R;
    "avg"           Avg          -       R;
    "min"           Min          -       R;
    "max"           Max          -       R;
    "distinct"      Distinct     -       R;
    "contains"      Contains     -       R;
    "asc"           Asc          -       R;
    "desc"          Desc         -       R;
    "eq"            Eq           -       R;
    "ne"            Ne           -       R;
    "lt"            Lt           -       R;
    "le"            Le           -       R;
    "gt"            Gt           -       R;
    "ge"            Ge           -       R;
    "add"           Add          -       R;
    "sub"           Sub          -       R;
    "mul"           Mul          -       R;
    "div"           Div          -       R;
    "mod"           Mod          -       R;
    "bit_and"       BitAnd       -       R;
    "bit_or"        BitOr        -       R;
    "bit_xor"       BitXor       -       R;
    "bit_not"       BitNot       -       R;
    "bit_sal"       BitSal       -       R;
    "bit_sar"       BitSar       -       R;
    "floor"         Floor        -       R;
    "ceil"          Ceil         -       R;
    "round"         Round        -       R;
    "not_"          Not          -       R;
    "and_"          And          -       R;
    "or_"           Or           -       R;
    "type_of"       TypeOf       -       R;
    "info"          Info         -       R;
    "binary"        Binary       -       R;
    "range"         Range        -       R;
    "time"          Time         -       R;
    "iso8601"       Iso8601      kwargs  R;
    "epoch_time"    EpochTime    -       R;
    "now"           Now          -       R;
    // skip r make_timezone set()
    "literal"       Literal      -       R;
    "object"        Object       -       R;
    "uuid"          Uuid         -       R;
    "geojson"       Geojson      -       R;
    "point"         Point        -       R;
    "line"          Line         -       R;
    "polygon"       Polygon      -       R;
    "distance"      Distance     kwargs  R;
    "intersects"    Intersects   -       R;
    "circle"        Circle       kwargs  R;
};

/// The Python method that builds term type `tt` on a receiver of term type `receiver`.
pub(super) fn method_name(tt: TermType, receiver: Option<TermType>) -> Option<&'static str> {
    TERM_METHODS
        .iter()
        .find(|m| {
            m.tt == tt
                && match m.on {
                    On::Any => true,
                    On::Table => receiver == Some(TermType::Table),
                    On::Db => receiver == Some(TermType::Db),
                    On::R => false,
                }
        })
        .map(|m| m.name)
}

/// The `r` function or constant that builds term type `tt`.
pub(super) fn r_name(tt: TermType) -> Option<&'static str> {
    R_FUNCTIONS
        .iter()
        .find(|m| m.tt == tt)
        .map(|m| m.name)
        .or_else(|| CONSTANTS.iter().find(|&&(_, c)| c == tt).map(|&(n, _)| n))
}
