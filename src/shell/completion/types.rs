//! The ReQL type of a chain's value, as far as a cheap look at its calls tells, and which
//! methods apply to each type: what method completion offers after a `.`.

/// A receiver's ReQL type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// `r.db('x')`.
    Db,
    /// `r.table('x')`.
    Table,
    /// A selection of documents from a table (`filter`, `between`, `getAll`, `orderBy`).
    Selection,
    /// One document of a table (`get`): an object that can be written.
    Single,
    /// A stream that is no selection (`map`, `pluck` on a table, `r.range()`).
    Stream,
    Array,
    Object,
    Time,
    Str,
    Num,
    Bool,
    /// Not known (a binding, a literal the scan does not follow): every method.
    Any,
}

use Ty::{Array, Bool, Db, Num, Object, Selection, Single, Str, Stream, Table, Time};

/// Sequences of every kind.
const SEQ: &[Ty] = &[Table, Selection, Stream, Array];
/// Sequences and objects (field operations).
const FIELDS: &[Ty] = &[Table, Selection, Single, Stream, Array, Object];

/// The types a method applies to; `None` for the methods that apply to any value.
fn applies_to(name: &str) -> Option<&'static [Ty]> {
    Some(match name {
        "tableCreate" | "tableDrop" | "tableList" | "table" => &[Db],
        "grant" | "config" | "wait" | "rebalance" | "reconfigure" | "status" => &[Db, Table],
        "get" | "getAll" | "insert" | "indexCreate" | "indexDrop" | "indexList" | "indexRename"
        | "indexStatus" | "indexWait" | "getIntersecting" | "getNearest" | "setWriteHook"
        | "getWriteHook" | "sync" | "between" => &[Table],
        "update" | "replace" | "delete" | "changes" => &[Table, Selection, Single],
        "filter" | "map" | "concatMap" | "orderBy" | "skip" | "limit" | "slice" | "nth"
        | "union" | "withFields" | "sum" | "avg" | "min" | "max" | "distinct" | "group"
        | "reduce" | "fold" | "isEmpty" | "contains" | "eqJoin" | "innerJoin" | "outerJoin"
        | "zip" | "sample" | "offsetsOf" | "forEach" | "ungroup" => SEQ,
        "count" => &[Table, Selection, Stream, Array, Str, Object, Single],
        "pluck" | "without" | "merge" | "hasFields" | "getField" | "bracket" => FIELDS,
        "keys" | "values" => &[Object, Single],
        "append" | "prepend" | "insertAt" | "deleteAt" | "changeAt" | "spliceAt" | "setInsert"
        | "setUnion" | "setIntersection" | "setDifference" | "difference" => &[Array],
        "toISO8601" | "toEpochTime" | "inTimezone" | "during" | "date" | "timeOfDay"
        | "timezone" | "year" | "month" | "day" | "dayOfWeek" | "dayOfYear" | "hours"
        | "minutes" | "seconds" => &[Time],
        "match" | "split" | "upcase" | "downcase" | "uuid" => &[Str],
        "sub" => &[Num, Time],
        "mul" => &[Num, Array],
        "div" | "mod" | "floor" | "ceil" | "round" | "bitAnd" | "bitOr" | "bitXor" | "bitNot"
        | "bitSal" | "bitSar" => &[Num],
        "add" => &[Num, Str, Array, Time],
        "not" | "and" | "or" => &[Bool],
        _ => return None,
    })
}

/// True when method `name` may be called on a value of type `ty`.
pub fn applies(name: &str, ty: Ty) -> bool {
    ty == Ty::Any || applies_to(name).is_none_or(|types| types.contains(&ty))
}

/// The type of `r.NAME(args)`.
pub fn of_r_function(name: &str, args: &str) -> Ty {
    match name {
        "db" => Db,
        "table" => Table,
        "now" | "time" | "epochTime" | "ISO8601" => Time,
        "range" => Stream,
        "uuid" | "typeOf" => Str,
        "random" => Num,
        "object" => Object,
        "args" | "dbList" | "tableList" => Array,
        "expr" => of_literal(args),
        _ => Ty::Any,
    }
}

/// The type of a literal argument (`r.expr([1, 2])`).
fn of_literal(args: &str) -> Ty {
    match args.trim_start().chars().next() {
        Some('[') => Array,
        Some('{') => Object,
        Some('\'' | '"' | '`') => Str,
        Some(c) if c.is_ascii_digit() || c == '-' => Num,
        _ if matches!(args.trim(), "true" | "false") => Bool,
        _ => Ty::Any,
    }
}

/// The type of `receiver.NAME(...)`.
pub fn of_method(receiver: Ty, name: &str) -> Ty {
    let sequence_like = |ty: Ty| match ty {
        Array => Array,
        Ty::Any => Ty::Any,
        _ => Stream,
    };
    match name {
        "table" => Table,
        "get" => Single,
        "getAll" | "between" => Selection,
        "filter" | "orderBy" | "skip" | "limit" | "slice" | "sample" | "distinct" => match receiver
        {
            Table | Selection => Selection,
            other => sequence_like(other),
        },
        "nth" | "min" | "max" => match receiver {
            Table | Selection => Single,
            _ => Ty::Any,
        },
        "map" | "concatMap" | "withFields" | "eqJoin" | "innerJoin" | "outerJoin" | "zip"
        | "union" | "changes" => sequence_like(receiver),
        "pluck" | "without" | "merge" => match receiver {
            Single | Object => Object,
            other => sequence_like(other),
        },
        "count" | "sum" | "avg" | "toEpochTime" | "year" | "month" | "day" | "dayOfWeek"
        | "dayOfYear" | "hours" | "minutes" | "seconds" | "timeOfDay" => Num,
        "isEmpty" | "contains" | "hasFields" | "eq" | "ne" | "lt" | "le" | "gt" | "ge" | "not"
        | "and" | "or" | "during" => Bool,
        "keys" | "values" | "split" | "append" | "prepend" | "insertAt" | "deleteAt"
        | "changeAt" | "spliceAt" | "setInsert" | "setUnion" | "setIntersection"
        | "setDifference" | "difference" | "offsetsOf" => Array,
        "toISO8601" | "upcase" | "downcase" | "typeOf" | "toJSON" | "toJsonString" | "timezone" => {
            Str
        }
        "inTimezone" | "date" => Time,
        "match" => Object,
        "add" | "sub" | "mul" | "div" | "mod" | "floor" | "ceil" | "round" => match receiver {
            Time if name == "sub" => Ty::Any,
            other => other,
        },
        _ => Ty::Any,
    }
}

/// How often a method is reached for: lower comes first in completion (then alphabetical).
pub fn frequency_rank(name: &str) -> usize {
    const FREQUENT: &[&str] = &[
        "filter",
        "get",
        "getAll",
        "pluck",
        "orderBy",
        "limit",
        "count",
        "map",
        "insert",
        "update",
        "delete",
        "changes",
        "between",
        "merge",
        "without",
        "eqJoin",
        "group",
        "ungroup",
        "sum",
        "avg",
        "min",
        "max",
        "distinct",
        "skip",
        "nth",
        "contains",
        "hasFields",
        "concatMap",
        "reduce",
        "replace",
        "getField",
        "default",
        "coerceTo",
        "indexCreate",
        "indexList",
        "indexWait",
        "eq",
        "ne",
        "gt",
        "lt",
        "ge",
        "le",
        "and",
        "or",
        "not",
        "add",
        "sub",
        "match",
        "split",
        "upcase",
        "downcase",
        "keys",
        "values",
        "append",
        "date",
        "year",
        "month",
        "day",
        "hours",
        "minutes",
        "toISO8601",
        "tableList",
        "tableCreate",
        "tableDrop",
        "table",
    ];
    FREQUENT
        .iter()
        .position(|f| *f == name)
        .unwrap_or(FREQUENT.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_follow_the_receiver_type() {
        assert!(applies("filter", Table));
        assert!(!applies("hours", Table));
        assert!(!applies("uuid", Table));
        assert!(!applies("table", Table));
        assert!(applies("hours", Time));
        assert!(!applies("filter", Time));
        assert!(applies("eq", Time));
        assert!(applies("anything", Ty::Any));
        assert_eq!(of_method(Table, "filter"), Selection);
        assert_eq!(of_method(Table, "map"), Stream);
        assert_eq!(of_method(Array, "map"), Array);
        assert_eq!(of_method(Table, "get"), Single);
        assert_eq!(of_r_function("expr", "[1, 2]"), Array);
    }
}
