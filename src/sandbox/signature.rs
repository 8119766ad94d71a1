//! What each term accepts: its positional argument counts and optional arguments, checked
//! before it is evaluated, with the server's compile error texts.

use crate::protocol::TermType as T;

/// Allowed positional argument counts of a term type: (min, max), None max = unbounded.
#[rustfmt::skip]
pub fn arity(tt: T) -> Option<(usize, Option<usize>)> {
    let exact = |n| Some((n, Some(n)));
    match tt {
        T::DbList | T::Now | T::Minval | T::Maxval | T::Monday | T::Tuesday | T::Wednesday
            | T::Thursday | T::Friday | T::Saturday | T::Sunday | T::January | T::February
            | T::March | T::April | T::May | T::June | T::July | T::August | T::September
            | T::October | T::November | T::December => exact(0),
        T::Db | T::Not | T::TypeOf | T::Keys | T::Values | T::Upcase | T::Downcase | T::Json
            | T::ToJsonString | T::ToIso8601 | T::ToEpochTime | T::Date | T::TimeOfDay
            | T::Timezone | T::Year | T::Month | T::Day | T::DayOfWeek | T::DayOfYear | T::Hours
            | T::Minutes | T::Seconds | T::IsEmpty | T::Zip | T::Ungroup | T::Floor | T::Ceil
            | T::Round | T::DbCreate | T::DbDrop | T::IndexList | T::Info | T::Config
            | T::Status | T::EpochTime | T::Iso8601 | T::Delete | T::Distinct | T::Binary
            | T::Sync | T::Asc | T::Desc | T::Args | T::Reconfigure | T::Rebalance => exact(1),
        T::Get | T::Append | T::Prepend | T::Difference | T::SetInsert | T::SetIntersection
            | T::SetUnion | T::SetDifference | T::Skip | T::Limit | T::Nth | T::Bracket
            | T::GetField | T::OffsetsOf | T::Mod | T::CoerceTo | T::Match | T::InTimezone
            | T::ConcatMap | T::Filter | T::Reduce | T::Update | T::Replace | T::IndexDrop
            | T::ForEach | T::Default | T::Insert => exact(2),
        T::BitNot => Some((1, Some(1))),
        T::BitSal | T::BitSar | T::Sample => Some((2, Some(2))),
        T::Random => Some((0, Some(2))),
        T::BitAnd | T::BitOr | T::BitXor => Some((1, None)),
        T::InsertAt | T::ChangeAt | T::SpliceAt | T::During | T::InnerJoin | T::OuterJoin
            | T::EqJoin | T::Fold | T::IndexRename | T::Between => exact(3),
        T::Uuid | T::Error | T::Literal | T::TableList => Some((0, Some(1))),
        T::Range => Some((0, Some(2))),
        T::DeleteAt | T::Slice => Some((2, Some(3))),
        T::Count | T::Sum | T::Avg | T::Min | T::Max | T::Table | T::TableCreate
            | T::TableDrop => Some((1, Some(2))),
        T::Split => Some((1, Some(3))),
        T::IndexCreate => Some((2, Some(3))),
        T::Eq | T::Ne | T::Lt | T::Le | T::Gt | T::Ge => Some((2, None)),
        T::Map => Some((2, None)),
        T::Funcall | T::Add | T::Sub | T::Mul | T::Div | T::HasFields | T::Pluck | T::Without
            | T::Merge | T::WithFields | T::OrderBy | T::Group | T::GetAll | T::Contains
            | T::IndexStatus | T::IndexWait | T::Changes | T::Wait => Some((1, None)),
        _ => None,
    }
}

/// The server's compile error text for a wrong argument count.
pub fn arity_message(min: usize, max: Option<usize>, found: usize) -> String {
    let s = |n: usize| if n == 1 { "" } else { "s" };
    match max {
        Some(m) if m == min => format!("Expected {min} argument{} but found {found}.", s(min)),
        Some(m) => format!("Expected between {min} and {m} arguments but found {found}."),
        None => format!("Expected {min} or more arguments but found {found}.",),
    }
}

/// Optional arguments a term accepts, for the terms that take any (others are not checked).
pub fn optargs(tt: T) -> Option<&'static [&'static str]> {
    Some(match tt {
        T::Table => &["read_mode", "identifier_format", "use_outdated"],
        T::Filter => &["default"],
        T::Random => &["float"],
        T::OrderBy | T::Distinct | T::GetAll | T::Min | T::Max => &["index"],
        T::Update | T::Replace => &[
            "durability",
            "return_changes",
            "non_atomic",
            "ignore_write_hook",
        ],
        T::Delete => &["durability", "return_changes", "ignore_write_hook"],
        T::Insert => &[
            "conflict",
            "durability",
            "return_changes",
            "ignore_write_hook",
        ],
        T::TableCreate => &[
            "primary_key",
            "shards",
            "replicas",
            "primary_replica_tag",
            "nonvoting_replica_tags",
            "durability",
        ],
        T::IndexCreate => &["multi", "geo"],
        T::Between => &["index", "left_bound", "right_bound"],
        T::Slice | T::During => &["left_bound", "right_bound"],
        T::Iso8601 => &["default_timezone"],
        T::Wait => &["wait_for", "timeout"],
        T::Reconfigure => &[
            "shards",
            "replicas",
            "primary_replica_tag",
            "nonvoting_replica_tags",
            "dry_run",
            "emergency_repair",
        ],
        T::Group => &["index", "multi"],
        T::EqJoin => &["index", "ordered"],
        T::Union => &["interleave"],
        T::Changes => &[
            "squash",
            "include_initial",
            "include_states",
            "include_offsets",
            "include_types",
            "changefeed_queue_size",
        ],
        T::IndexRename => &["overwrite"],
        T::Fold => &["emit", "final_emit"],
        _ => return None,
    })
}
