//! The protocol's numbers: term types, query and response types, error types, notes, magic numbers.
//!
//! Names and values mirror `ql2.proto` (see `shared/reference/ql2-terms.txt`).

/// Declares a wire enum with `ALL`, `from_i64`, `as_i64` and `name` from one list of
/// `Variant = number => "QL2_NAME"` lines.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $value:expr => $wire:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* #[doc = concat!("`", $wire, "`")] $variant = $value,)*
        }

        impl $name {
            /// Every variant, in the order of ql2.proto.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The variant with this wire number, if there is one.
            pub fn from_i64(n: i64) -> Option<$name> {
                match n {
                    $($value => Some($name::$variant),)*
                    _ => None,
                }
            }

            /// The wire number.
            pub fn as_i64(self) -> i64 {
                self as i64
            }

            /// The ql2.proto name, e.g. `MAKE_ARRAY`.
            pub fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $wire,)*
                }
            }

            /// The variant with this ql2.proto name.
            pub fn from_name(name: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|t| t.name() == name)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_i64(self.as_i64())
            }
        }
    };
}

wire_enum! {
    /// Every `Term.TermType` of ql2.proto, in its order: the one list of term numbers.
    /// Serializes as its wire number, so `json!([TermType::Datum, [x]])` is a wire term.
    #[derive(PartialOrd, Ord)]
    #[repr(u16)]
    #[non_exhaustive]
    TermType {
        Datum = 1 => "DATUM",
        MakeArray = 2 => "MAKE_ARRAY",
        MakeObj = 3 => "MAKE_OBJ",
        Var = 10 => "VAR",
        Javascript = 11 => "JAVASCRIPT",
        Uuid = 169 => "UUID",
        Http = 153 => "HTTP",
        Error = 12 => "ERROR",
        ImplicitVar = 13 => "IMPLICIT_VAR",
        Db = 14 => "DB",
        Table = 15 => "TABLE",
        Get = 16 => "GET",
        GetAll = 78 => "GET_ALL",
        Eq = 17 => "EQ",
        Ne = 18 => "NE",
        Lt = 19 => "LT",
        Le = 20 => "LE",
        Gt = 21 => "GT",
        Ge = 22 => "GE",
        Not = 23 => "NOT",
        Add = 24 => "ADD",
        Sub = 25 => "SUB",
        Mul = 26 => "MUL",
        Div = 27 => "DIV",
        Mod = 28 => "MOD",
        Floor = 183 => "FLOOR",
        Ceil = 184 => "CEIL",
        Round = 185 => "ROUND",
        Append = 29 => "APPEND",
        Prepend = 80 => "PREPEND",
        Difference = 95 => "DIFFERENCE",
        SetInsert = 88 => "SET_INSERT",
        SetIntersection = 89 => "SET_INTERSECTION",
        SetUnion = 90 => "SET_UNION",
        SetDifference = 91 => "SET_DIFFERENCE",
        Slice = 30 => "SLICE",
        Skip = 70 => "SKIP",
        Limit = 71 => "LIMIT",
        OffsetsOf = 87 => "OFFSETS_OF",
        Contains = 93 => "CONTAINS",
        GetField = 31 => "GET_FIELD",
        Keys = 94 => "KEYS",
        Values = 186 => "VALUES",
        Object = 143 => "OBJECT",
        HasFields = 32 => "HAS_FIELDS",
        WithFields = 96 => "WITH_FIELDS",
        Pluck = 33 => "PLUCK",
        Without = 34 => "WITHOUT",
        Merge = 35 => "MERGE",
        BetweenDeprecated = 36 => "BETWEEN_DEPRECATED",
        Between = 182 => "BETWEEN",
        Reduce = 37 => "REDUCE",
        Map = 38 => "MAP",
        Fold = 187 => "FOLD",
        Filter = 39 => "FILTER",
        ConcatMap = 40 => "CONCAT_MAP",
        OrderBy = 41 => "ORDER_BY",
        Distinct = 42 => "DISTINCT",
        Count = 43 => "COUNT",
        IsEmpty = 86 => "IS_EMPTY",
        Union = 44 => "UNION",
        Nth = 45 => "NTH",
        Bracket = 170 => "BRACKET",
        InnerJoin = 48 => "INNER_JOIN",
        OuterJoin = 49 => "OUTER_JOIN",
        EqJoin = 50 => "EQ_JOIN",
        Zip = 72 => "ZIP",
        Range = 173 => "RANGE",
        InsertAt = 82 => "INSERT_AT",
        DeleteAt = 83 => "DELETE_AT",
        ChangeAt = 84 => "CHANGE_AT",
        SpliceAt = 85 => "SPLICE_AT",
        CoerceTo = 51 => "COERCE_TO",
        TypeOf = 52 => "TYPE_OF",
        Update = 53 => "UPDATE",
        Delete = 54 => "DELETE",
        Replace = 55 => "REPLACE",
        Insert = 56 => "INSERT",
        DbCreate = 57 => "DB_CREATE",
        DbDrop = 58 => "DB_DROP",
        DbList = 59 => "DB_LIST",
        TableCreate = 60 => "TABLE_CREATE",
        TableDrop = 61 => "TABLE_DROP",
        TableList = 62 => "TABLE_LIST",
        Config = 174 => "CONFIG",
        Status = 175 => "STATUS",
        Wait = 177 => "WAIT",
        Reconfigure = 176 => "RECONFIGURE",
        Rebalance = 179 => "REBALANCE",
        Sync = 138 => "SYNC",
        Grant = 188 => "GRANT",
        IndexCreate = 75 => "INDEX_CREATE",
        IndexDrop = 76 => "INDEX_DROP",
        IndexList = 77 => "INDEX_LIST",
        IndexStatus = 139 => "INDEX_STATUS",
        IndexWait = 140 => "INDEX_WAIT",
        IndexRename = 156 => "INDEX_RENAME",
        SetWriteHook = 189 => "SET_WRITE_HOOK",
        GetWriteHook = 190 => "GET_WRITE_HOOK",
        Funcall = 64 => "FUNCALL",
        Branch = 65 => "BRANCH",
        Or = 66 => "OR",
        And = 67 => "AND",
        ForEach = 68 => "FOR_EACH",
        Func = 69 => "FUNC",
        Asc = 73 => "ASC",
        Desc = 74 => "DESC",
        Info = 79 => "INFO",
        Match = 97 => "MATCH",
        Upcase = 141 => "UPCASE",
        Downcase = 142 => "DOWNCASE",
        Sample = 81 => "SAMPLE",
        Default = 92 => "DEFAULT",
        Json = 98 => "JSON",
        Iso8601 = 99 => "ISO8601",
        ToIso8601 = 100 => "TO_ISO8601",
        EpochTime = 101 => "EPOCH_TIME",
        ToEpochTime = 102 => "TO_EPOCH_TIME",
        Now = 103 => "NOW",
        InTimezone = 104 => "IN_TIMEZONE",
        During = 105 => "DURING",
        Date = 106 => "DATE",
        TimeOfDay = 126 => "TIME_OF_DAY",
        Timezone = 127 => "TIMEZONE",
        Year = 128 => "YEAR",
        Month = 129 => "MONTH",
        Day = 130 => "DAY",
        DayOfWeek = 131 => "DAY_OF_WEEK",
        DayOfYear = 132 => "DAY_OF_YEAR",
        Hours = 133 => "HOURS",
        Minutes = 134 => "MINUTES",
        Seconds = 135 => "SECONDS",
        Time = 136 => "TIME",
        Monday = 107 => "MONDAY",
        Tuesday = 108 => "TUESDAY",
        Wednesday = 109 => "WEDNESDAY",
        Thursday = 110 => "THURSDAY",
        Friday = 111 => "FRIDAY",
        Saturday = 112 => "SATURDAY",
        Sunday = 113 => "SUNDAY",
        January = 114 => "JANUARY",
        February = 115 => "FEBRUARY",
        March = 116 => "MARCH",
        April = 117 => "APRIL",
        May = 118 => "MAY",
        June = 119 => "JUNE",
        July = 120 => "JULY",
        August = 121 => "AUGUST",
        September = 122 => "SEPTEMBER",
        October = 123 => "OCTOBER",
        November = 124 => "NOVEMBER",
        December = 125 => "DECEMBER",
        Literal = 137 => "LITERAL",
        Group = 144 => "GROUP",
        Sum = 145 => "SUM",
        Avg = 146 => "AVG",
        Min = 147 => "MIN",
        Max = 148 => "MAX",
        Split = 149 => "SPLIT",
        Ungroup = 150 => "UNGROUP",
        Random = 151 => "RANDOM",
        Changes = 152 => "CHANGES",
        Args = 154 => "ARGS",
        Binary = 155 => "BINARY",
        Geojson = 157 => "GEOJSON",
        ToGeojson = 158 => "TO_GEOJSON",
        Point = 159 => "POINT",
        Line = 160 => "LINE",
        Polygon = 161 => "POLYGON",
        Distance = 162 => "DISTANCE",
        Intersects = 163 => "INTERSECTS",
        Includes = 164 => "INCLUDES",
        Circle = 165 => "CIRCLE",
        GetIntersecting = 166 => "GET_INTERSECTING",
        Fill = 167 => "FILL",
        GetNearest = 168 => "GET_NEAREST",
        PolygonSub = 171 => "POLYGON_SUB",
        ToJsonString = 172 => "TO_JSON_STRING",
        Minval = 180 => "MINVAL",
        Maxval = 181 => "MAXVAL",
        BitAnd = 191 => "BIT_AND",
        BitOr = 192 => "BIT_OR",
        BitXor = 193 => "BIT_XOR",
        BitNot = 194 => "BIT_NOT",
        BitSal = 195 => "BIT_SAL",
        BitSar = 196 => "BIT_SAR",
        Format = 197 => "FORMAT",
    }
}

wire_enum! {
    /// `Query.QueryType`: what a query frame asks for.
    QueryType {
        /// Start a new query.
        Start = 1 => "START",
        /// Ask for the next batch of a SUCCESS_PARTIAL answer.
        Continue = 2 => "CONTINUE",
        /// Abandon a query partway through.
        Stop = 3 => "STOP",
        /// Wait for noreply writes to finish.
        NoreplyWait = 4 => "NOREPLY_WAIT",
        /// Ask for the server's id and name.
        ServerInfo = 5 => "SERVER_INFO",
    }
}

wire_enum! {
    /// `Response.ResponseType`: the `t` field of a response.
    ResponseType {
        /// A single datum.
        SuccessAtom = 1 => "SUCCESS_ATOM",
        /// A sequence, finished.
        SuccessSequence = 2 => "SUCCESS_SEQUENCE",
        /// Part of a sequence; CONTINUE for more.
        SuccessPartial = 3 => "SUCCESS_PARTIAL",
        /// A NOREPLY_WAIT completed.
        WaitComplete = 4 => "WAIT_COMPLETE",
        /// The answer to SERVER_INFO.
        ServerInfo = 5 => "SERVER_INFO",
        /// The client sent something the server could not accept.
        ClientError = 16 => "CLIENT_ERROR",
        /// The query failed to compile.
        CompileError = 17 => "COMPILE_ERROR",
        /// The query failed while running.
        RuntimeError = 18 => "RUNTIME_ERROR",
    }
}

impl ResponseType {
    /// True for the three error types.
    pub fn is_error(self) -> bool {
        matches!(
            self,
            ResponseType::ClientError | ResponseType::CompileError | ResponseType::RuntimeError
        )
    }
}

wire_enum! {
    /// `Response.ErrorType`: the kind of a RUNTIME_ERROR (the `e` field).
    ErrorType {
        /// ReqlInternalError.
        Internal = 1000000 => "INTERNAL",
        /// ReqlResourceLimitError.
        ResourceLimit = 2000000 => "RESOURCE_LIMIT",
        /// ReqlQueryLogicError.
        QueryLogic = 3000000 => "QUERY_LOGIC",
        /// ReqlNonExistenceError.
        NonExistence = 3100000 => "NON_EXISTENCE",
        /// ReqlOpFailedError.
        OpFailed = 4100000 => "OP_FAILED",
        /// ReqlOpIndeterminateError.
        OpIndeterminate = 4200000 => "OP_INDETERMINATE",
        /// ReqlUserError (`r.error`).
        User = 5000000 => "USER",
        /// ReqlPermissionError.
        PermissionError = 6000000 => "PERMISSION_ERROR",
    }
}

impl ErrorType {
    /// The class name the JavaScript driver raises for this error type.
    pub fn js_class(self) -> &'static str {
        match self {
            ErrorType::Internal => "ReqlInternalError",
            ErrorType::ResourceLimit => "ReqlResourceLimitError",
            ErrorType::QueryLogic => "ReqlQueryLogicError",
            ErrorType::NonExistence => "ReqlNonExistenceError",
            ErrorType::OpFailed => "ReqlOpFailedError",
            ErrorType::OpIndeterminate => "ReqlOpIndeterminateError",
            ErrorType::User => "ReqlUserError",
            ErrorType::PermissionError => "ReqlPermissionError",
        }
    }
}

wire_enum! {
    /// `Response.ResponseNote`: what kind of stream a response belongs to (the `n` field).
    ResponseNote {
        /// `table.changes()`.
        SequenceFeed = 1 => "SEQUENCE_FEED",
        /// `get(x).changes()`.
        AtomFeed = 2 => "ATOM_FEED",
        /// `orderBy({index}).limit(n).changes()`.
        OrderByLimitFeed = 3 => "ORDER_BY_LIMIT_FEED",
        /// A union of feeds.
        UnionedFeed = 4 => "UNIONED_FEED",
        /// The stream carries `{state: ...}` objects.
        IncludesStates = 5 => "INCLUDES_STATES",
    }
}

impl ResponseNote {
    /// True for the notes that mark a changefeed (which never ends on its own).
    pub fn is_feed(self) -> bool {
        !matches!(self, ResponseNote::IncludesStates)
    }
}

wire_enum! {
    /// `Frame.FrameType` of the old protobuf backtraces, kept for completeness.
    FrameType {
        /// Error in a positional argument.
        Pos = 1 => "POS",
        /// Error in an optional argument.
        Opt = 2 => "OPT",
    }
}

/// `VersionDummy.Version`: the magic number a client sends first (little-endian u32).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// Oldest protocol.
    V0_1,
    /// Authorization key.
    V0_2,
    /// Authorization key and protocol.
    V0_3,
    /// Auth key, queries in parallel (RethinkDB 2.0–2.2).
    V0_4,
    /// Users and SCRAM-SHA-256 (RethinkDB 2.3+).
    V1_0,
}

impl Version {
    /// The magic number on the wire.
    pub fn magic(self) -> u32 {
        match self {
            Version::V0_1 => 0x3f61_ba36,
            Version::V0_2 => 0x7230_81e1,
            Version::V0_3 => 0x5f75_e83e,
            Version::V0_4 => 0x400c_2d20,
            Version::V1_0 => 0x34c2_bdc3,
        }
    }

    /// The version with this magic number.
    pub fn from_magic(magic: u32) -> Option<Version> {
        [
            Version::V0_1,
            Version::V0_2,
            Version::V0_3,
            Version::V0_4,
            Version::V1_0,
        ]
        .into_iter()
        .find(|v| v.magic() == magic)
    }
}

/// `VersionDummy.Protocol` JSON magic (sent after the auth key by V0_3/V0_4 clients).
pub const PROTOCOL_JSON: u32 = 0x7e69_70c7;
/// `VersionDummy.Protocol` PROTOBUF magic (no longer supported by servers).
pub const PROTOCOL_PROTOBUF: u32 = 0x271f_fc41;
/// The only `protocol_version` the V1_0 handshake speaks.
pub const V1_0_PROTOCOL_VERSION: i64 = 0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn term_numbers_round_trip() {
        assert_eq!(TermType::ALL.len(), 187);
        for t in TermType::ALL {
            assert_eq!(TermType::from_i64(t.as_i64()), Some(*t));
            assert_eq!(TermType::from_name(t.name()), Some(*t));
        }
        assert_eq!(TermType::from_i64(0), None);
        assert_eq!(TermType::MakeArray.as_i64(), 2);
        assert_eq!(TermType::Format.as_i64(), 197);
        assert_eq!(TermType::Bracket.name(), "BRACKET");
    }

    #[test]
    fn every_reference_number_is_known() {
        let text = include_str!("testdata/ql2-terms.txt");
        let mut section = "";
        let mut seen = 0;
        for line in text.lines() {
            if let Some(s) = line.strip_prefix("## ") {
                section = s;
                continue;
            }
            let Some((name, rest)) = line.trim().split_once(" = ") else {
                continue;
            };
            let number: String = rest.chars().take_while(char::is_ascii_digit).collect();
            let Ok(n) = number.parse::<i64>() else {
                continue;
            };
            let known = match section {
                "Term.TermType" => TermType::from_i64(n).map(|t| t.name()),
                "Query.QueryType" => QueryType::from_i64(n).map(|t| t.name()),
                "Response.ResponseType" => ResponseType::from_i64(n).map(|t| t.name()),
                "Response.ErrorType" => ErrorType::from_i64(n).map(|t| t.name()),
                "Response.ResponseNote" => ResponseNote::from_i64(n).map(|t| t.name()),
                "VersionDummy.Version" => Version::from_magic(n as u32).map(|_| name),
                _ => continue,
            };
            assert_eq!(known, Some(name), "{section} {name} = {n}");
            seen += 1;
        }
        assert!(seen > 200);
    }
}
