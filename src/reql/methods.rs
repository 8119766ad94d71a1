//! The method table of the JavaScript driver 2.4.2: term type, arity check, optargs rule and
//! `r.row` wrapping per method, one line each. Written from `js-methods.json`; never read at
//! run time.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::OnceLock;

use super::parser::NameHasher;
use crate::protocol::TermType;

/// The arity check the driver performs before building a term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arity {
    /// No check: the server judges the argument count.
    Any,
    /// `varar(min, null)`: at least this many arguments.
    AtLeast(u8),
    /// `varar(min, max)`: between both bounds, inclusive.
    Between(u8, u8),
    /// `ar(fn)`: exactly this many arguments.
    Exactly(u8),
    /// `aropt(fn)`: exactly this many positional arguments plus an optional options object.
    Positional(u8),
    /// A term object such as `r.minval`, not a function.
    Constant,
    /// The method takes no arguments and silently drops any given (`config`, `status`...).
    Ignored,
}

/// How the driver decides that an argument is the optargs object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Optargs {
    /// Never: a trailing object literal is data.
    None,
    /// The argument after this many positional ones, if it is a plain object.
    Aropt(u8),
    /// A trailing plain object, whatever the argument count (`orderBy`, `union`, `group`).
    Trailing,
    /// A trailing plain object, only when there are at least two arguments (`getAll`).
    GetAll,
    /// The single argument, only when there is exactly one (`min`, `max`).
    MinMax,
    /// `slice(start, opts)` or `slice(start, end, opts)`.
    Slice,
    /// `indexCreate(name, opts)` or `indexCreate(name, fn, opts)`.
    IndexCreate,
    /// `reconfigure(opts)`: the single argument is the optargs.
    Reconfigure,
}

/// Which arguments the driver passes through `funcWrap` (an `r.row` inside becomes a function).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wrap {
    /// No argument is wrapped.
    None,
    /// Every positional argument.
    All,
    /// Only the last argument (`map`).
    Last,
    /// Every argument that is not an `r.asc`/`r.desc` term (`orderBy`, `union`).
    AllExceptOrdering,
    /// The positional argument at this index.
    Arg(u8),
    /// `do`: the last argument, which moves to the front of FUNCALL.
    Do,
}

/// One method of the driver.
#[derive(Debug, Clone, Copy)]
pub struct Method {
    /// JavaScript name, e.g. `orderBy`.
    pub name: &'static str,
    /// The term it builds; `Datum` for `r.expr`, which builds no term of its own.
    pub tt: TermType,
    /// Driver arity check.
    pub arity: Arity,
    /// Optargs detection rule.
    pub optargs: Optargs,
    /// `r.row` wrapping rule.
    pub wrap: Wrap,
    /// The arguments as a short signature, e.g. `predicate, {opts}?`.
    pub params: &'static str,
    /// Optarg names (camelCase, as written in JavaScript) when known.
    pub optarg_names: &'static [&'static str],
}

impl Method {
    /// A one-line signature such as `filter(predicate, {opts}?)`.
    pub fn signature(&self) -> String {
        if self.arity == Arity::Constant {
            self.name.to_string()
        } else {
            format!("{}({})", self.name, self.params)
        }
    }
}

/// One row per method: name, term type, arity, optargs rule, `r.row` wrapping, signature,
/// optarg names (each a variant of [`TermType`], [`Arity`], [`Optargs`], [`Wrap`]).
macro_rules! methods {
    ($($name:literal $tt:ident $ar:ident $(($($an:literal),+))? $opt:ident $(($on:literal))?
        $wrap:ident $(($wn:literal))? $params:literal [$($o:literal),*];)*) => {
        &[$(Method {
            name: $name,
            tt: TermType::$tt,
            arity: Arity::$ar $(($($an),+))?,
            optargs: Optargs::$opt $(($on))?,
            wrap: Wrap::$wrap $(($wn))?,
            params: $params,
            optarg_names: &[$($o),*],
        },)*]
    };
}

/// Methods called on a term: `r.table('t').filter(...)`.
#[rustfmt::skip]
static TERM_METHODS: &[Method] = methods! {
    "eq"               Eq               Any            None         None               "...args"                         [];
    "ne"               Ne               Any            None         None               "...args"                         [];
    "lt"               Lt               Any            None         None               "...args"                         [];
    "le"               Le               Any            None         None               "...args"                         [];
    "gt"               Gt               Any            None         None               "...args"                         [];
    "ge"               Ge               Any            None         None               "...args"                         [];
    "not"              Not              Any            None         None               "...args"                         [];
    "add"              Add              Any            None         None               "...args"                         [];
    "sub"              Sub              Any            None         None               "...args"                         [];
    "mul"              Mul              Any            None         None               "...args"                         [];
    "div"              Div              Any            None         None               "...args"                         [];
    "mod"              Mod              Any            None         None               "...args"                         [];
    "bitAnd"           BitAnd           Any            None         None               "...args"                         [];
    "bitOr"            BitOr            Any            None         None               "...args"                         [];
    "bitXor"           BitXor           Any            None         None               "...args"                         [];
    "bitNot"           BitNot           Any            None         None               "...args"                         [];
    "bitSal"           BitSal           Any            None         None               "...args"                         [];
    "bitSar"           BitSar           Any            None         None               "...args"                         [];
    "floor"            Floor            Any            None         None               "...args"                         [];
    "ceil"             Ceil             Any            None         None               "...args"                         [];
    "round"            Round            Any            None         None               "...args"                         [];
    "append"           Append           Any            None         None               "...args"                         [];
    "prepend"          Prepend          Any            None         None               "...args"                         [];
    "difference"       Difference       Any            None         None               "...args"                         [];
    "setInsert"        SetInsert        Any            None         None               "...args"                         [];
    "setUnion"         SetUnion         Any            None         None               "...args"                         [];
    "setIntersection"  SetIntersection  Any            None         None               "...args"                         [];
    "setDifference"    SetDifference    Any            None         None               "...args"                         [];
    "slice"            Slice            Between(1,3)   Slice        None               "start, end?, {opts}?"            ["leftBound", "rightBound"];
    "skip"             Skip             Any            None         None               "...args"                         [];
    "limit"            Limit            Any            None         None               "...args"                         [];
    "getField"         GetField         Any            None         None               "...args"                         [];
    "contains"         Contains         Any            None         All                "...args"                         [];
    "insertAt"         InsertAt         Any            None         None               "...args"                         [];
    "spliceAt"         SpliceAt         Any            None         None               "...args"                         [];
    "deleteAt"         DeleteAt         Any            None         None               "...args"                         [];
    "changeAt"         ChangeAt         Any            None         None               "...args"                         [];
    "offsetsOf"        OffsetsOf        Any            None         All                "...args"                         [];
    "hasFields"        HasFields        Any            None         None               "...args"                         [];
    "withFields"       WithFields       Any            None         None               "...args"                         [];
    "keys"             Keys             Any            None         None               "...args"                         [];
    "values"           Values           Any            None         None               "...args"                         [];
    "changes"          Changes          Positional(0)  Aropt(0)     None               "{opts}?"                         ["squash", "changefeedQueueSize", "includeInitial", "includeStates", "includeOffsets", "includeTypes"];
    "pluck"            Pluck            Any            None         None               "...args"                         [];
    "without"          Without          Any            None         None               "...args"                         [];
    "merge"            Merge            Any            None         All                "...args"                         [];
    "between"          Between          Positional(2)  Aropt(2)     None               "lower, upper, {opts}?"           ["index", "leftBound", "rightBound"];
    "reduce"           Reduce           Any            None         All                "...args"                         [];
    "map"              Map              AtLeast(1)     None         Last               "...seqs?, func"                  [];
    "fold"             Fold             Positional(2)  Aropt(2)     Arg(1)             "base, func, {opts}?"             ["emit", "finalEmit"];
    "filter"           Filter           Positional(1)  Aropt(1)     Arg(0)             "predicate, {opts}?"              ["default"];
    "concatMap"        ConcatMap        Any            None         All                "...args"                         [];
    "distinct"         Distinct         Positional(0)  Aropt(0)     None               "{opts}?"                         ["index"];
    "count"            Count            Any            None         All                "...args"                         [];
    "union"            Union            Any            Trailing     AllExceptOrdering  "...seqs, {opts}?"                ["interleave"];
    "nth"              Nth              Any            None         None               "...args"                         [];
    "bracket"          Bracket          Any            None         None               "...args"                         [];
    "toJSON"           ToJsonString     Any            None         None               "...args"                         [];
    "toJsonString"     ToJsonString     Any            None         None               "...args"                         [];
    "match"            Match            Any            None         None               "...args"                         [];
    "split"            Split            Any            None         All                "...args"                         [];
    "upcase"           Upcase           Any            None         None               "...args"                         [];
    "downcase"         Downcase         Any            None         None               "...args"                         [];
    "isEmpty"          IsEmpty          Any            None         None               "...args"                         [];
    "innerJoin"        InnerJoin        Any            None         None               "...args"                         [];
    "outerJoin"        OuterJoin        Any            None         None               "...args"                         [];
    "eqJoin"           EqJoin           Positional(2)  Aropt(2)     Arg(0)             "leftField, rightTable, {opts}?"  ["index", "ordered"];
    "zip"              Zip              Any            None         None               "...args"                         [];
    "coerceTo"         CoerceTo         Any            None         None               "...args"                         [];
    "ungroup"          Ungroup          Any            None         None               "...args"                         [];
    "typeOf"           TypeOf           Any            None         None               "...args"                         [];
    "update"           Update           Positional(1)  Aropt(1)     Arg(0)             "doc | func, {opts}?"             ["durability", "returnChanges", "nonAtomic", "ignoreWriteHook"];
    "delete"           Delete           Positional(0)  Aropt(0)     None               "{opts}?"                         ["durability", "returnChanges", "ignoreWriteHook"];
    "replace"          Replace          Positional(1)  Aropt(1)     Arg(0)             "doc | func, {opts}?"             ["durability", "returnChanges", "nonAtomic", "ignoreWriteHook"];
    "do"               Funcall          Any            None         Do                 "...args, func"                   [];
    "default"          Default          Any            None         None               "...args"                         [];
    "or"               Or               Any            None         None               "...args"                         [];
    "and"              And              Any            None         None               "...args"                         [];
    "branch"           Branch           Any            None         None               "...args"                         [];
    "forEach"          ForEach          Any            None         All                "...args"                         [];
    "sum"              Sum              Any            None         All                "...args"                         [];
    "avg"              Avg              Any            None         All                "...args"                         [];
    "info"             Info             Any            None         None               "...args"                         [];
    "sample"           Sample           Any            None         None               "...args"                         [];
    "group"            Group            Any            Trailing     All                "...fields, {opts}?"              ["index", "multi"];
    "orderBy"          OrderBy          Any            Trailing     AllExceptOrdering  "...keys, {opts}?"                ["index"];
    "toGeojson"        ToGeojson        Any            None         None               "...args"                         [];
    "distance"         Distance         Positional(1)  Aropt(1)     None               "geometry, {opts}?"               ["geoSystem", "unit"];
    "intersects"       Intersects       Any            None         None               "...args"                         [];
    "includes"         Includes         Any            None         None               "...args"                         [];
    "fill"             Fill             Any            None         None               "...args"                         [];
    "polygonSub"       PolygonSub       Any            None         None               "...args"                         [];
    "tableCreate"      TableCreate      Positional(1)  Aropt(1)     None               "name, {opts}?"                   ["primaryKey", "durability", "shards", "replicas", "primaryReplicaTag", "nonvotingReplicaTags"];
    "tableDrop"        TableDrop        Any            None         None               "...args"                         [];
    "tableList"        TableList        Any            None         None               "...args"                         [];
    "config"           Config           Ignored        None         None               ""                                [];
    "status"           Status           Ignored        None         None               ""                                [];
    "wait"             Wait             Positional(0)  Aropt(0)     None               "{opts}?"                         ["waitFor", "timeout"];
    "table"            Table            Positional(1)  Aropt(1)     None               "name, {opts}?"                   ["readMode", "identifierFormat"];
    "get"              Get              Any            None         None               "...args"                         [];
    "getAll"           GetAll           Any            GetAll       None               "...keys, {opts}?"                ["index"];
    "min"              Min              Any            MinMax       All                "field | func | {opts}?"          ["index"];
    "max"              Max              Any            MinMax       All                "field | func | {opts}?"          ["index"];
    "insert"           Insert           Positional(1)  Aropt(1)     None               "doc, {opts}?"                    ["durability", "returnChanges", "conflict", "ignoreWriteHook"];
    "setWriteHook"     SetWriteHook     Any            None         None               "...args"                         [];
    "getWriteHook"     GetWriteHook     Ignored        None         None               ""                                [];
    "indexCreate"      IndexCreate      Between(1,3)   IndexCreate  Arg(1)             "name, func?, {opts}?"            ["multi", "geo"];
    "indexDrop"        IndexDrop        Any            None         None               "...args"                         [];
    "indexList"        IndexList        Any            None         None               "...args"                         [];
    "indexStatus"      IndexStatus      Any            None         None               "...args"                         [];
    "indexWait"        IndexWait        Any            None         None               "...args"                         [];
    "indexRename"      IndexRename      Positional(2)  Aropt(2)     None               "oldName, newName, {opts}?"       ["overwrite"];
    "reconfigure"      Reconfigure      Any            Reconfigure  None               "{opts}"                          ["shards", "replicas", "primaryReplicaTag", "dryRun", "nonvotingReplicaTags", "emergencyRepair"];
    "rebalance"        Rebalance        Ignored        None         None               ""                                [];
    "sync"             Sync             Any            None         None               "...args"                         [];
    "grant"            Grant            Any            None         None               "...args"                         [];
    "toISO8601"        ToIso8601        Any            None         None               "...args"                         [];
    "toEpochTime"      ToEpochTime      Any            None         None               "...args"                         [];
    "inTimezone"       InTimezone       Any            None         None               "...args"                         [];
    "during"           During           Positional(2)  Aropt(2)     None               "start, end, {opts}?"             ["leftBound", "rightBound"];
    "date"             Date             Any            None         None               "...args"                         [];
    "timeOfDay"        TimeOfDay        Any            None         None               "...args"                         [];
    "timezone"         Timezone         Any            None         None               "...args"                         [];
    "year"             Year             Any            None         None               "...args"                         [];
    "month"            Month            Any            None         None               "...args"                         [];
    "day"              Day              Any            None         None               "...args"                         [];
    "dayOfWeek"        DayOfWeek        Any            None         None               "...args"                         [];
    "dayOfYear"        DayOfYear        Any            None         None               "...args"                         [];
    "hours"            Hours            Any            None         None               "...args"                         [];
    "minutes"          Minutes          Any            None         None               "...args"                         [];
    "seconds"          Seconds          Any            None         None               "...args"                         [];
    "uuid"             Uuid             Any            None         None               "...args"                         [];
    "getIntersecting"  GetIntersecting  Positional(1)  Aropt(1)     None               "geometry, {opts}?"               ["index"];
    "getNearest"       GetNearest       Positional(1)  Aropt(1)     None               "point, {opts}?"                  ["index", "maxResults", "maxDist", "unit", "geoSystem"];
};

/// Functions and constants of the `r` namespace: `r.table(...)`, `r.minval`; plus `r.format`.
#[rustfmt::skip]
static R_FUNCTIONS: &[Method] = methods! {
    "expr"         Datum        Between(1,2)   None      None  "value, depth?"            [];
    "js"           Javascript   Positional(1)  Aropt(1)  None  "source, {opts}?"          ["timeout"];
    "http"         Http         Positional(1)  Aropt(1)  None  "url, {opts}?"             ["timeout", "attempts", "redirects", "verify", "resultFormat", "method", "auth", "params", "header", "data", "page", "pageLimit"];
    "json"         Json         Any            None      None  "...args"                  [];
    "error"        Error        Any            None      None  "...args"                  [];
    "random"       Random       Any            Trailing  None  "...limits, {opts}?"       ["float"];
    "binary"       Binary       Exactly(1)     None      None  "data"                     [];
    "row"          ImplicitVar  Constant       None      None  ""                         [];
    "table"        Table        Positional(1)  Aropt(1)  None  "name, {opts}?"            ["readMode", "identifierFormat"];
    "db"           Db           Any            None      None  "...args"                  [];
    "dbCreate"     DbCreate     Any            None      None  "...args"                  [];
    "dbDrop"       DbDrop       Any            None      None  "...args"                  [];
    "dbList"       DbList       Any            None      None  "...args"                  [];
    "tableCreate"  TableCreate  Positional(1)  Aropt(1)  None  "name, {opts}?"            ["primaryKey", "durability", "shards", "replicas", "primaryReplicaTag", "nonvotingReplicaTags"];
    "tableDrop"    TableDrop    Any            None      None  "...args"                  [];
    "tableList"    TableList    Any            None      None  "...args"                  [];
    "grant"        Grant        Any            None      None  "...args"                  [];
    "do"           Funcall      AtLeast(1)     None      Do    "...args, func"            [];
    "branch"       Branch       Any            None      None  "...args"                  [];
    "map"          Map          AtLeast(1)     None      Last  "...seqs?, func"           [];
    "group"        Group        Any            None      All   "...fields, {opts}?"       ["index", "multi"];
    "reduce"       Reduce       Any            None      All   "...args"                  [];
    "count"        Count        Any            None      All   "...args"                  [];
    "sum"          Sum          Any            None      All   "...args"                  [];
    "avg"          Avg          Any            None      All   "...args"                  [];
    "min"          Min          Any            None      All   "field | func | {opts}?"   ["index"];
    "max"          Max          Any            None      All   "field | func | {opts}?"   ["index"];
    "distinct"     Distinct     Any            None      None  "{opts}?"                  ["index"];
    "contains"     Contains     Any            None      All   "...args"                  [];
    "asc"          Asc          Any            None      All   "...args"                  [];
    "desc"         Desc         Any            None      All   "...args"                  [];
    "eq"           Eq           Any            None      None  "...args"                  [];
    "ne"           Ne           Any            None      None  "...args"                  [];
    "lt"           Lt           Any            None      None  "...args"                  [];
    "le"           Le           Any            None      None  "...args"                  [];
    "gt"           Gt           Any            None      None  "...args"                  [];
    "ge"           Ge           Any            None      None  "...args"                  [];
    "or"           Or           Any            None      None  "...args"                  [];
    "and"          And          Any            None      None  "...args"                  [];
    "not"          Not          Any            None      None  "...args"                  [];
    "add"          Add          Any            None      None  "...args"                  [];
    "sub"          Sub          Any            None      None  "...args"                  [];
    "div"          Div          Any            None      None  "...args"                  [];
    "mul"          Mul          Any            None      None  "...args"                  [];
    "mod"          Mod          Any            None      None  "...args"                  [];
    "bitAnd"       BitAnd       Any            None      None  "...args"                  [];
    "bitOr"        BitOr        Any            None      None  "...args"                  [];
    "bitXor"       BitXor       Any            None      None  "...args"                  [];
    "bitNot"       BitNot       Any            None      None  "...args"                  [];
    "bitSal"       BitSal       Any            None      None  "...args"                  [];
    "bitSar"       BitSar       Any            None      None  "...args"                  [];
    "floor"        Floor        Any            None      None  "...args"                  [];
    "ceil"         Ceil         Any            None      None  "...args"                  [];
    "round"        Round        Any            None      None  "...args"                  [];
    "typeOf"       TypeOf       Any            None      None  "...args"                  [];
    "info"         Info         Any            None      None  "...args"                  [];
    "literal"      Literal      Any            None      None  "...args"                  [];
    "ISO8601"      Iso8601      Positional(1)  Aropt(1)  None  "string, {opts}?"          ["defaultTimezone"];
    "epochTime"    EpochTime    Any            None      None  "...args"                  [];
    "now"          Now          Any            None      None  "...args"                  [];
    "time"         Time         Any            None      None  "...args"                  [];
    "monday"       Monday       Constant       None      None  ""                         [];
    "tuesday"      Tuesday      Constant       None      None  ""                         [];
    "wednesday"    Wednesday    Constant       None      None  ""                         [];
    "thursday"     Thursday     Constant       None      None  ""                         [];
    "friday"       Friday       Constant       None      None  ""                         [];
    "saturday"     Saturday     Constant       None      None  ""                         [];
    "sunday"       Sunday       Constant       None      None  ""                         [];
    "january"      January      Constant       None      None  ""                         [];
    "february"     February     Constant       None      None  ""                         [];
    "march"        March        Constant       None      None  ""                         [];
    "april"        April        Constant       None      None  ""                         [];
    "may"          May          Constant       None      None  ""                         [];
    "june"         June         Constant       None      None  ""                         [];
    "july"         July         Constant       None      None  ""                         [];
    "august"       August       Constant       None      None  ""                         [];
    "september"    September    Constant       None      None  ""                         [];
    "october"      October      Constant       None      None  ""                         [];
    "november"     November     Constant       None      None  ""                         [];
    "december"     December     Constant       None      None  ""                         [];
    "minval"       Minval       Constant       None      None  ""                         [];
    "maxval"       Maxval       Constant       None      None  ""                         [];
    "object"       Object       Any            None      None  "...args"                  [];
    "args"         Args         Any            None      None  "...args"                  [];
    "geojson"      Geojson      Any            None      None  "...args"                  [];
    "point"        Point        Any            None      None  "...args"                  [];
    "line"         Line         Any            None      None  "...args"                  [];
    "polygon"      Polygon      Any            None      None  "...args"                  [];
    "intersects"   Intersects   Any            None      None  "...args"                  [];
    "distance"     Distance     Positional(2)  Aropt(2)  None  "geometry, {opts}?"        ["geoSystem", "unit"];
    "circle"       Circle       Positional(2)  Aropt(2)  None  "center, radius, {opts}?"  ["numVertices", "geoSystem", "unit", "fill"];
    "uuid"         Uuid         Any            None      None  "...args"                  [];
    "range"        Range        Any            None      None  "...args"                  [];
    "union"        Union        Any            None      None  "...seqs, {opts}?"         ["interleave"];
    "format"       Format       Any            None      None  "template, object"         [];
};

/// All methods callable on a term, for completion and suggestions.
pub fn term_methods() -> &'static [Method] {
    TERM_METHODS
}

/// All functions and constants of `r`, for completion and suggestions.
pub fn r_functions() -> &'static [Method] {
    R_FUNCTIONS
}

/// Names to methods; looked up for every call in a query, so with the light hash that suits
/// short names.
type Index = HashMap<&'static str, &'static Method, BuildHasherDefault<NameHasher>>;

fn index(list: &'static [Method]) -> Index {
    list.iter().map(|m| (m.name, m)).collect()
}

/// The term method with this JavaScript name.
pub fn term_method(name: &str) -> Option<&'static Method> {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| index(TERM_METHODS)).get(name).copied()
}

/// The `r` function or constant with this JavaScript name.
pub fn r_function(name: &str) -> Option<&'static Method> {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| index(R_FUNCTIONS)).get(name).copied()
}

/// Up to three names from `names` closest to `wanted` (edit distance, case-insensitive).
pub fn nearest<'a>(wanted: &str, names: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let w = wanted.to_ascii_lowercase();
    let limit = (w.chars().count() / 3).max(1) + 1;
    let mut scored: Vec<(usize, &str)> = names
        .filter_map(|n| {
            let d = edit_distance(&w, &n.to_ascii_lowercase());
            (d <= limit).then_some((d, n))
        })
        .collect();
    scored.sort_by_key(|&(d, n)| (d, n.len()));
    scored.dedup_by_key(|&mut (_, n)| n);
    // Only the best matches: a far second guess is noise.
    let best = scored.first().map_or(0, |&(d, _)| d);
    scored.retain(|&(d, _)| d <= best + 1);
    scored.into_iter().take(3).map(|(_, n)| n).collect()
}

/// Levenshtein distance with adjacent transpositions counted as one edit.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev2: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur: Vec<usize> = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_sizes_match_the_driver() {
        assert_eq!(term_methods().len(), 134);
        assert_eq!(r_functions().len(), 95);
    }

    #[test]
    fn suggestions_are_near() {
        assert_eq!(
            nearest("fitler", term_methods().iter().map(|m| m.name))[0],
            "filter"
        );
        assert_eq!(
            nearest("orderby", term_methods().iter().map(|m| m.name))[0],
            "orderBy"
        );
        assert!(nearest("zzzzzzzz", term_methods().iter().map(|m| m.name)).is_empty());
    }

    #[test]
    fn signatures_read_well() {
        assert_eq!(
            term_method("filter").map(Method::signature).as_deref(),
            Some("filter(predicate, {opts}?)")
        );
        assert_eq!(
            r_function("minval").map(Method::signature).as_deref(),
            Some("minval")
        );
    }
}
