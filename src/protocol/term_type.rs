//! The protocol's numbers: term types, query and response types, error types, notes, magic numbers.
//!
//! Names and values mirror `ql2.proto` (see `shared/reference/ql2-terms.txt`).

/// Every `Term.TermType` of ql2.proto.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum TermType {
    /// `DATUM`
    Datum = 1,
    /// `MAKE_ARRAY`
    MakeArray = 2,
    /// `MAKE_OBJ`
    MakeObj = 3,
    /// `VAR`
    Var = 10,
    /// `JAVASCRIPT`
    Javascript = 11,
    /// `UUID`
    Uuid = 169,
    /// `HTTP`
    Http = 153,
    /// `ERROR`
    Error = 12,
    /// `IMPLICIT_VAR`
    ImplicitVar = 13,
    /// `DB`
    Db = 14,
    /// `TABLE`
    Table = 15,
    /// `GET`
    Get = 16,
    /// `GET_ALL`
    GetAll = 78,
    /// `EQ`
    Eq = 17,
    /// `NE`
    Ne = 18,
    /// `LT`
    Lt = 19,
    /// `LE`
    Le = 20,
    /// `GT`
    Gt = 21,
    /// `GE`
    Ge = 22,
    /// `NOT`
    Not = 23,
    /// `ADD`
    Add = 24,
    /// `SUB`
    Sub = 25,
    /// `MUL`
    Mul = 26,
    /// `DIV`
    Div = 27,
    /// `MOD`
    Mod = 28,
    /// `FLOOR`
    Floor = 183,
    /// `CEIL`
    Ceil = 184,
    /// `ROUND`
    Round = 185,
    /// `APPEND`
    Append = 29,
    /// `PREPEND`
    Prepend = 80,
    /// `DIFFERENCE`
    Difference = 95,
    /// `SET_INSERT`
    SetInsert = 88,
    /// `SET_INTERSECTION`
    SetIntersection = 89,
    /// `SET_UNION`
    SetUnion = 90,
    /// `SET_DIFFERENCE`
    SetDifference = 91,
    /// `SLICE`
    Slice = 30,
    /// `SKIP`
    Skip = 70,
    /// `LIMIT`
    Limit = 71,
    /// `OFFSETS_OF`
    OffsetsOf = 87,
    /// `CONTAINS`
    Contains = 93,
    /// `GET_FIELD`
    GetField = 31,
    /// `KEYS`
    Keys = 94,
    /// `VALUES`
    Values = 186,
    /// `OBJECT`
    Object = 143,
    /// `HAS_FIELDS`
    HasFields = 32,
    /// `WITH_FIELDS`
    WithFields = 96,
    /// `PLUCK`
    Pluck = 33,
    /// `WITHOUT`
    Without = 34,
    /// `MERGE`
    Merge = 35,
    /// `BETWEEN_DEPRECATED`
    BetweenDeprecated = 36,
    /// `BETWEEN`
    Between = 182,
    /// `REDUCE`
    Reduce = 37,
    /// `MAP`
    Map = 38,
    /// `FOLD`
    Fold = 187,
    /// `FILTER`
    Filter = 39,
    /// `CONCAT_MAP`
    ConcatMap = 40,
    /// `ORDER_BY`
    OrderBy = 41,
    /// `DISTINCT`
    Distinct = 42,
    /// `COUNT`
    Count = 43,
    /// `IS_EMPTY`
    IsEmpty = 86,
    /// `UNION`
    Union = 44,
    /// `NTH`
    Nth = 45,
    /// `BRACKET`
    Bracket = 170,
    /// `INNER_JOIN`
    InnerJoin = 48,
    /// `OUTER_JOIN`
    OuterJoin = 49,
    /// `EQ_JOIN`
    EqJoin = 50,
    /// `ZIP`
    Zip = 72,
    /// `RANGE`
    Range = 173,
    /// `INSERT_AT`
    InsertAt = 82,
    /// `DELETE_AT`
    DeleteAt = 83,
    /// `CHANGE_AT`
    ChangeAt = 84,
    /// `SPLICE_AT`
    SpliceAt = 85,
    /// `COERCE_TO`
    CoerceTo = 51,
    /// `TYPE_OF`
    TypeOf = 52,
    /// `UPDATE`
    Update = 53,
    /// `DELETE`
    Delete = 54,
    /// `REPLACE`
    Replace = 55,
    /// `INSERT`
    Insert = 56,
    /// `DB_CREATE`
    DbCreate = 57,
    /// `DB_DROP`
    DbDrop = 58,
    /// `DB_LIST`
    DbList = 59,
    /// `TABLE_CREATE`
    TableCreate = 60,
    /// `TABLE_DROP`
    TableDrop = 61,
    /// `TABLE_LIST`
    TableList = 62,
    /// `CONFIG`
    Config = 174,
    /// `STATUS`
    Status = 175,
    /// `WAIT`
    Wait = 177,
    /// `RECONFIGURE`
    Reconfigure = 176,
    /// `REBALANCE`
    Rebalance = 179,
    /// `SYNC`
    Sync = 138,
    /// `GRANT`
    Grant = 188,
    /// `INDEX_CREATE`
    IndexCreate = 75,
    /// `INDEX_DROP`
    IndexDrop = 76,
    /// `INDEX_LIST`
    IndexList = 77,
    /// `INDEX_STATUS`
    IndexStatus = 139,
    /// `INDEX_WAIT`
    IndexWait = 140,
    /// `INDEX_RENAME`
    IndexRename = 156,
    /// `SET_WRITE_HOOK`
    SetWriteHook = 189,
    /// `GET_WRITE_HOOK`
    GetWriteHook = 190,
    /// `FUNCALL`
    Funcall = 64,
    /// `BRANCH`
    Branch = 65,
    /// `OR`
    Or = 66,
    /// `AND`
    And = 67,
    /// `FOR_EACH`
    ForEach = 68,
    /// `FUNC`
    Func = 69,
    /// `ASC`
    Asc = 73,
    /// `DESC`
    Desc = 74,
    /// `INFO`
    Info = 79,
    /// `MATCH`
    Match = 97,
    /// `UPCASE`
    Upcase = 141,
    /// `DOWNCASE`
    Downcase = 142,
    /// `SAMPLE`
    Sample = 81,
    /// `DEFAULT`
    Default = 92,
    /// `JSON`
    Json = 98,
    /// `ISO8601`
    Iso8601 = 99,
    /// `TO_ISO8601`
    ToIso8601 = 100,
    /// `EPOCH_TIME`
    EpochTime = 101,
    /// `TO_EPOCH_TIME`
    ToEpochTime = 102,
    /// `NOW`
    Now = 103,
    /// `IN_TIMEZONE`
    InTimezone = 104,
    /// `DURING`
    During = 105,
    /// `DATE`
    Date = 106,
    /// `TIME_OF_DAY`
    TimeOfDay = 126,
    /// `TIMEZONE`
    Timezone = 127,
    /// `YEAR`
    Year = 128,
    /// `MONTH`
    Month = 129,
    /// `DAY`
    Day = 130,
    /// `DAY_OF_WEEK`
    DayOfWeek = 131,
    /// `DAY_OF_YEAR`
    DayOfYear = 132,
    /// `HOURS`
    Hours = 133,
    /// `MINUTES`
    Minutes = 134,
    /// `SECONDS`
    Seconds = 135,
    /// `TIME`
    Time = 136,
    /// `MONDAY`
    Monday = 107,
    /// `TUESDAY`
    Tuesday = 108,
    /// `WEDNESDAY`
    Wednesday = 109,
    /// `THURSDAY`
    Thursday = 110,
    /// `FRIDAY`
    Friday = 111,
    /// `SATURDAY`
    Saturday = 112,
    /// `SUNDAY`
    Sunday = 113,
    /// `JANUARY`
    January = 114,
    /// `FEBRUARY`
    February = 115,
    /// `MARCH`
    March = 116,
    /// `APRIL`
    April = 117,
    /// `MAY`
    May = 118,
    /// `JUNE`
    June = 119,
    /// `JULY`
    July = 120,
    /// `AUGUST`
    August = 121,
    /// `SEPTEMBER`
    September = 122,
    /// `OCTOBER`
    October = 123,
    /// `NOVEMBER`
    November = 124,
    /// `DECEMBER`
    December = 125,
    /// `LITERAL`
    Literal = 137,
    /// `GROUP`
    Group = 144,
    /// `SUM`
    Sum = 145,
    /// `AVG`
    Avg = 146,
    /// `MIN`
    Min = 147,
    /// `MAX`
    Max = 148,
    /// `SPLIT`
    Split = 149,
    /// `UNGROUP`
    Ungroup = 150,
    /// `RANDOM`
    Random = 151,
    /// `CHANGES`
    Changes = 152,
    /// `ARGS`
    Args = 154,
    /// `BINARY`
    Binary = 155,
    /// `GEOJSON`
    Geojson = 157,
    /// `TO_GEOJSON`
    ToGeojson = 158,
    /// `POINT`
    Point = 159,
    /// `LINE`
    Line = 160,
    /// `POLYGON`
    Polygon = 161,
    /// `DISTANCE`
    Distance = 162,
    /// `INTERSECTS`
    Intersects = 163,
    /// `INCLUDES`
    Includes = 164,
    /// `CIRCLE`
    Circle = 165,
    /// `GET_INTERSECTING`
    GetIntersecting = 166,
    /// `FILL`
    Fill = 167,
    /// `GET_NEAREST`
    GetNearest = 168,
    /// `POLYGON_SUB`
    PolygonSub = 171,
    /// `TO_JSON_STRING`
    ToJsonString = 172,
    /// `MINVAL`
    Minval = 180,
    /// `MAXVAL`
    Maxval = 181,
    /// `BIT_AND`
    BitAnd = 191,
    /// `BIT_OR`
    BitOr = 192,
    /// `BIT_XOR`
    BitXor = 193,
    /// `BIT_NOT`
    BitNot = 194,
    /// `BIT_SAL`
    BitSal = 195,
    /// `BIT_SAR`
    BitSar = 196,
    /// `FORMAT`
    Format = 197,
}

impl TermType {
    /// Every term type, in the order of ql2.proto.
    pub const ALL: &'static [TermType] = &[
        TermType::Datum,
        TermType::MakeArray,
        TermType::MakeObj,
        TermType::Var,
        TermType::Javascript,
        TermType::Uuid,
        TermType::Http,
        TermType::Error,
        TermType::ImplicitVar,
        TermType::Db,
        TermType::Table,
        TermType::Get,
        TermType::GetAll,
        TermType::Eq,
        TermType::Ne,
        TermType::Lt,
        TermType::Le,
        TermType::Gt,
        TermType::Ge,
        TermType::Not,
        TermType::Add,
        TermType::Sub,
        TermType::Mul,
        TermType::Div,
        TermType::Mod,
        TermType::Floor,
        TermType::Ceil,
        TermType::Round,
        TermType::Append,
        TermType::Prepend,
        TermType::Difference,
        TermType::SetInsert,
        TermType::SetIntersection,
        TermType::SetUnion,
        TermType::SetDifference,
        TermType::Slice,
        TermType::Skip,
        TermType::Limit,
        TermType::OffsetsOf,
        TermType::Contains,
        TermType::GetField,
        TermType::Keys,
        TermType::Values,
        TermType::Object,
        TermType::HasFields,
        TermType::WithFields,
        TermType::Pluck,
        TermType::Without,
        TermType::Merge,
        TermType::BetweenDeprecated,
        TermType::Between,
        TermType::Reduce,
        TermType::Map,
        TermType::Fold,
        TermType::Filter,
        TermType::ConcatMap,
        TermType::OrderBy,
        TermType::Distinct,
        TermType::Count,
        TermType::IsEmpty,
        TermType::Union,
        TermType::Nth,
        TermType::Bracket,
        TermType::InnerJoin,
        TermType::OuterJoin,
        TermType::EqJoin,
        TermType::Zip,
        TermType::Range,
        TermType::InsertAt,
        TermType::DeleteAt,
        TermType::ChangeAt,
        TermType::SpliceAt,
        TermType::CoerceTo,
        TermType::TypeOf,
        TermType::Update,
        TermType::Delete,
        TermType::Replace,
        TermType::Insert,
        TermType::DbCreate,
        TermType::DbDrop,
        TermType::DbList,
        TermType::TableCreate,
        TermType::TableDrop,
        TermType::TableList,
        TermType::Config,
        TermType::Status,
        TermType::Wait,
        TermType::Reconfigure,
        TermType::Rebalance,
        TermType::Sync,
        TermType::Grant,
        TermType::IndexCreate,
        TermType::IndexDrop,
        TermType::IndexList,
        TermType::IndexStatus,
        TermType::IndexWait,
        TermType::IndexRename,
        TermType::SetWriteHook,
        TermType::GetWriteHook,
        TermType::Funcall,
        TermType::Branch,
        TermType::Or,
        TermType::And,
        TermType::ForEach,
        TermType::Func,
        TermType::Asc,
        TermType::Desc,
        TermType::Info,
        TermType::Match,
        TermType::Upcase,
        TermType::Downcase,
        TermType::Sample,
        TermType::Default,
        TermType::Json,
        TermType::Iso8601,
        TermType::ToIso8601,
        TermType::EpochTime,
        TermType::ToEpochTime,
        TermType::Now,
        TermType::InTimezone,
        TermType::During,
        TermType::Date,
        TermType::TimeOfDay,
        TermType::Timezone,
        TermType::Year,
        TermType::Month,
        TermType::Day,
        TermType::DayOfWeek,
        TermType::DayOfYear,
        TermType::Hours,
        TermType::Minutes,
        TermType::Seconds,
        TermType::Time,
        TermType::Monday,
        TermType::Tuesday,
        TermType::Wednesday,
        TermType::Thursday,
        TermType::Friday,
        TermType::Saturday,
        TermType::Sunday,
        TermType::January,
        TermType::February,
        TermType::March,
        TermType::April,
        TermType::May,
        TermType::June,
        TermType::July,
        TermType::August,
        TermType::September,
        TermType::October,
        TermType::November,
        TermType::December,
        TermType::Literal,
        TermType::Group,
        TermType::Sum,
        TermType::Avg,
        TermType::Min,
        TermType::Max,
        TermType::Split,
        TermType::Ungroup,
        TermType::Random,
        TermType::Changes,
        TermType::Args,
        TermType::Binary,
        TermType::Geojson,
        TermType::ToGeojson,
        TermType::Point,
        TermType::Line,
        TermType::Polygon,
        TermType::Distance,
        TermType::Intersects,
        TermType::Includes,
        TermType::Circle,
        TermType::GetIntersecting,
        TermType::Fill,
        TermType::GetNearest,
        TermType::PolygonSub,
        TermType::ToJsonString,
        TermType::Minval,
        TermType::Maxval,
        TermType::BitAnd,
        TermType::BitOr,
        TermType::BitXor,
        TermType::BitNot,
        TermType::BitSal,
        TermType::BitSar,
        TermType::Format,
    ];

    /// The term type with this wire number, if there is one.
    pub fn from_i64(n: i64) -> Option<TermType> {
        Some(match n {
            1 => TermType::Datum,
            2 => TermType::MakeArray,
            3 => TermType::MakeObj,
            10 => TermType::Var,
            11 => TermType::Javascript,
            169 => TermType::Uuid,
            153 => TermType::Http,
            12 => TermType::Error,
            13 => TermType::ImplicitVar,
            14 => TermType::Db,
            15 => TermType::Table,
            16 => TermType::Get,
            78 => TermType::GetAll,
            17 => TermType::Eq,
            18 => TermType::Ne,
            19 => TermType::Lt,
            20 => TermType::Le,
            21 => TermType::Gt,
            22 => TermType::Ge,
            23 => TermType::Not,
            24 => TermType::Add,
            25 => TermType::Sub,
            26 => TermType::Mul,
            27 => TermType::Div,
            28 => TermType::Mod,
            183 => TermType::Floor,
            184 => TermType::Ceil,
            185 => TermType::Round,
            29 => TermType::Append,
            80 => TermType::Prepend,
            95 => TermType::Difference,
            88 => TermType::SetInsert,
            89 => TermType::SetIntersection,
            90 => TermType::SetUnion,
            91 => TermType::SetDifference,
            30 => TermType::Slice,
            70 => TermType::Skip,
            71 => TermType::Limit,
            87 => TermType::OffsetsOf,
            93 => TermType::Contains,
            31 => TermType::GetField,
            94 => TermType::Keys,
            186 => TermType::Values,
            143 => TermType::Object,
            32 => TermType::HasFields,
            96 => TermType::WithFields,
            33 => TermType::Pluck,
            34 => TermType::Without,
            35 => TermType::Merge,
            36 => TermType::BetweenDeprecated,
            182 => TermType::Between,
            37 => TermType::Reduce,
            38 => TermType::Map,
            187 => TermType::Fold,
            39 => TermType::Filter,
            40 => TermType::ConcatMap,
            41 => TermType::OrderBy,
            42 => TermType::Distinct,
            43 => TermType::Count,
            86 => TermType::IsEmpty,
            44 => TermType::Union,
            45 => TermType::Nth,
            170 => TermType::Bracket,
            48 => TermType::InnerJoin,
            49 => TermType::OuterJoin,
            50 => TermType::EqJoin,
            72 => TermType::Zip,
            173 => TermType::Range,
            82 => TermType::InsertAt,
            83 => TermType::DeleteAt,
            84 => TermType::ChangeAt,
            85 => TermType::SpliceAt,
            51 => TermType::CoerceTo,
            52 => TermType::TypeOf,
            53 => TermType::Update,
            54 => TermType::Delete,
            55 => TermType::Replace,
            56 => TermType::Insert,
            57 => TermType::DbCreate,
            58 => TermType::DbDrop,
            59 => TermType::DbList,
            60 => TermType::TableCreate,
            61 => TermType::TableDrop,
            62 => TermType::TableList,
            174 => TermType::Config,
            175 => TermType::Status,
            177 => TermType::Wait,
            176 => TermType::Reconfigure,
            179 => TermType::Rebalance,
            138 => TermType::Sync,
            188 => TermType::Grant,
            75 => TermType::IndexCreate,
            76 => TermType::IndexDrop,
            77 => TermType::IndexList,
            139 => TermType::IndexStatus,
            140 => TermType::IndexWait,
            156 => TermType::IndexRename,
            189 => TermType::SetWriteHook,
            190 => TermType::GetWriteHook,
            64 => TermType::Funcall,
            65 => TermType::Branch,
            66 => TermType::Or,
            67 => TermType::And,
            68 => TermType::ForEach,
            69 => TermType::Func,
            73 => TermType::Asc,
            74 => TermType::Desc,
            79 => TermType::Info,
            97 => TermType::Match,
            141 => TermType::Upcase,
            142 => TermType::Downcase,
            81 => TermType::Sample,
            92 => TermType::Default,
            98 => TermType::Json,
            99 => TermType::Iso8601,
            100 => TermType::ToIso8601,
            101 => TermType::EpochTime,
            102 => TermType::ToEpochTime,
            103 => TermType::Now,
            104 => TermType::InTimezone,
            105 => TermType::During,
            106 => TermType::Date,
            126 => TermType::TimeOfDay,
            127 => TermType::Timezone,
            128 => TermType::Year,
            129 => TermType::Month,
            130 => TermType::Day,
            131 => TermType::DayOfWeek,
            132 => TermType::DayOfYear,
            133 => TermType::Hours,
            134 => TermType::Minutes,
            135 => TermType::Seconds,
            136 => TermType::Time,
            107 => TermType::Monday,
            108 => TermType::Tuesday,
            109 => TermType::Wednesday,
            110 => TermType::Thursday,
            111 => TermType::Friday,
            112 => TermType::Saturday,
            113 => TermType::Sunday,
            114 => TermType::January,
            115 => TermType::February,
            116 => TermType::March,
            117 => TermType::April,
            118 => TermType::May,
            119 => TermType::June,
            120 => TermType::July,
            121 => TermType::August,
            122 => TermType::September,
            123 => TermType::October,
            124 => TermType::November,
            125 => TermType::December,
            137 => TermType::Literal,
            144 => TermType::Group,
            145 => TermType::Sum,
            146 => TermType::Avg,
            147 => TermType::Min,
            148 => TermType::Max,
            149 => TermType::Split,
            150 => TermType::Ungroup,
            151 => TermType::Random,
            152 => TermType::Changes,
            154 => TermType::Args,
            155 => TermType::Binary,
            157 => TermType::Geojson,
            158 => TermType::ToGeojson,
            159 => TermType::Point,
            160 => TermType::Line,
            161 => TermType::Polygon,
            162 => TermType::Distance,
            163 => TermType::Intersects,
            164 => TermType::Includes,
            165 => TermType::Circle,
            166 => TermType::GetIntersecting,
            167 => TermType::Fill,
            168 => TermType::GetNearest,
            171 => TermType::PolygonSub,
            172 => TermType::ToJsonString,
            180 => TermType::Minval,
            181 => TermType::Maxval,
            191 => TermType::BitAnd,
            192 => TermType::BitOr,
            193 => TermType::BitXor,
            194 => TermType::BitNot,
            195 => TermType::BitSal,
            196 => TermType::BitSar,
            197 => TermType::Format,
            _ => return None,
        })
    }

    /// The wire number.
    pub fn as_i64(self) -> i64 {
        self as i64
    }

    /// The ql2.proto name, e.g. `MAKE_ARRAY`.
    pub fn name(self) -> &'static str {
        match self {
            TermType::Datum => "DATUM",
            TermType::MakeArray => "MAKE_ARRAY",
            TermType::MakeObj => "MAKE_OBJ",
            TermType::Var => "VAR",
            TermType::Javascript => "JAVASCRIPT",
            TermType::Uuid => "UUID",
            TermType::Http => "HTTP",
            TermType::Error => "ERROR",
            TermType::ImplicitVar => "IMPLICIT_VAR",
            TermType::Db => "DB",
            TermType::Table => "TABLE",
            TermType::Get => "GET",
            TermType::GetAll => "GET_ALL",
            TermType::Eq => "EQ",
            TermType::Ne => "NE",
            TermType::Lt => "LT",
            TermType::Le => "LE",
            TermType::Gt => "GT",
            TermType::Ge => "GE",
            TermType::Not => "NOT",
            TermType::Add => "ADD",
            TermType::Sub => "SUB",
            TermType::Mul => "MUL",
            TermType::Div => "DIV",
            TermType::Mod => "MOD",
            TermType::Floor => "FLOOR",
            TermType::Ceil => "CEIL",
            TermType::Round => "ROUND",
            TermType::Append => "APPEND",
            TermType::Prepend => "PREPEND",
            TermType::Difference => "DIFFERENCE",
            TermType::SetInsert => "SET_INSERT",
            TermType::SetIntersection => "SET_INTERSECTION",
            TermType::SetUnion => "SET_UNION",
            TermType::SetDifference => "SET_DIFFERENCE",
            TermType::Slice => "SLICE",
            TermType::Skip => "SKIP",
            TermType::Limit => "LIMIT",
            TermType::OffsetsOf => "OFFSETS_OF",
            TermType::Contains => "CONTAINS",
            TermType::GetField => "GET_FIELD",
            TermType::Keys => "KEYS",
            TermType::Values => "VALUES",
            TermType::Object => "OBJECT",
            TermType::HasFields => "HAS_FIELDS",
            TermType::WithFields => "WITH_FIELDS",
            TermType::Pluck => "PLUCK",
            TermType::Without => "WITHOUT",
            TermType::Merge => "MERGE",
            TermType::BetweenDeprecated => "BETWEEN_DEPRECATED",
            TermType::Between => "BETWEEN",
            TermType::Reduce => "REDUCE",
            TermType::Map => "MAP",
            TermType::Fold => "FOLD",
            TermType::Filter => "FILTER",
            TermType::ConcatMap => "CONCAT_MAP",
            TermType::OrderBy => "ORDER_BY",
            TermType::Distinct => "DISTINCT",
            TermType::Count => "COUNT",
            TermType::IsEmpty => "IS_EMPTY",
            TermType::Union => "UNION",
            TermType::Nth => "NTH",
            TermType::Bracket => "BRACKET",
            TermType::InnerJoin => "INNER_JOIN",
            TermType::OuterJoin => "OUTER_JOIN",
            TermType::EqJoin => "EQ_JOIN",
            TermType::Zip => "ZIP",
            TermType::Range => "RANGE",
            TermType::InsertAt => "INSERT_AT",
            TermType::DeleteAt => "DELETE_AT",
            TermType::ChangeAt => "CHANGE_AT",
            TermType::SpliceAt => "SPLICE_AT",
            TermType::CoerceTo => "COERCE_TO",
            TermType::TypeOf => "TYPE_OF",
            TermType::Update => "UPDATE",
            TermType::Delete => "DELETE",
            TermType::Replace => "REPLACE",
            TermType::Insert => "INSERT",
            TermType::DbCreate => "DB_CREATE",
            TermType::DbDrop => "DB_DROP",
            TermType::DbList => "DB_LIST",
            TermType::TableCreate => "TABLE_CREATE",
            TermType::TableDrop => "TABLE_DROP",
            TermType::TableList => "TABLE_LIST",
            TermType::Config => "CONFIG",
            TermType::Status => "STATUS",
            TermType::Wait => "WAIT",
            TermType::Reconfigure => "RECONFIGURE",
            TermType::Rebalance => "REBALANCE",
            TermType::Sync => "SYNC",
            TermType::Grant => "GRANT",
            TermType::IndexCreate => "INDEX_CREATE",
            TermType::IndexDrop => "INDEX_DROP",
            TermType::IndexList => "INDEX_LIST",
            TermType::IndexStatus => "INDEX_STATUS",
            TermType::IndexWait => "INDEX_WAIT",
            TermType::IndexRename => "INDEX_RENAME",
            TermType::SetWriteHook => "SET_WRITE_HOOK",
            TermType::GetWriteHook => "GET_WRITE_HOOK",
            TermType::Funcall => "FUNCALL",
            TermType::Branch => "BRANCH",
            TermType::Or => "OR",
            TermType::And => "AND",
            TermType::ForEach => "FOR_EACH",
            TermType::Func => "FUNC",
            TermType::Asc => "ASC",
            TermType::Desc => "DESC",
            TermType::Info => "INFO",
            TermType::Match => "MATCH",
            TermType::Upcase => "UPCASE",
            TermType::Downcase => "DOWNCASE",
            TermType::Sample => "SAMPLE",
            TermType::Default => "DEFAULT",
            TermType::Json => "JSON",
            TermType::Iso8601 => "ISO8601",
            TermType::ToIso8601 => "TO_ISO8601",
            TermType::EpochTime => "EPOCH_TIME",
            TermType::ToEpochTime => "TO_EPOCH_TIME",
            TermType::Now => "NOW",
            TermType::InTimezone => "IN_TIMEZONE",
            TermType::During => "DURING",
            TermType::Date => "DATE",
            TermType::TimeOfDay => "TIME_OF_DAY",
            TermType::Timezone => "TIMEZONE",
            TermType::Year => "YEAR",
            TermType::Month => "MONTH",
            TermType::Day => "DAY",
            TermType::DayOfWeek => "DAY_OF_WEEK",
            TermType::DayOfYear => "DAY_OF_YEAR",
            TermType::Hours => "HOURS",
            TermType::Minutes => "MINUTES",
            TermType::Seconds => "SECONDS",
            TermType::Time => "TIME",
            TermType::Monday => "MONDAY",
            TermType::Tuesday => "TUESDAY",
            TermType::Wednesday => "WEDNESDAY",
            TermType::Thursday => "THURSDAY",
            TermType::Friday => "FRIDAY",
            TermType::Saturday => "SATURDAY",
            TermType::Sunday => "SUNDAY",
            TermType::January => "JANUARY",
            TermType::February => "FEBRUARY",
            TermType::March => "MARCH",
            TermType::April => "APRIL",
            TermType::May => "MAY",
            TermType::June => "JUNE",
            TermType::July => "JULY",
            TermType::August => "AUGUST",
            TermType::September => "SEPTEMBER",
            TermType::October => "OCTOBER",
            TermType::November => "NOVEMBER",
            TermType::December => "DECEMBER",
            TermType::Literal => "LITERAL",
            TermType::Group => "GROUP",
            TermType::Sum => "SUM",
            TermType::Avg => "AVG",
            TermType::Min => "MIN",
            TermType::Max => "MAX",
            TermType::Split => "SPLIT",
            TermType::Ungroup => "UNGROUP",
            TermType::Random => "RANDOM",
            TermType::Changes => "CHANGES",
            TermType::Args => "ARGS",
            TermType::Binary => "BINARY",
            TermType::Geojson => "GEOJSON",
            TermType::ToGeojson => "TO_GEOJSON",
            TermType::Point => "POINT",
            TermType::Line => "LINE",
            TermType::Polygon => "POLYGON",
            TermType::Distance => "DISTANCE",
            TermType::Intersects => "INTERSECTS",
            TermType::Includes => "INCLUDES",
            TermType::Circle => "CIRCLE",
            TermType::GetIntersecting => "GET_INTERSECTING",
            TermType::Fill => "FILL",
            TermType::GetNearest => "GET_NEAREST",
            TermType::PolygonSub => "POLYGON_SUB",
            TermType::ToJsonString => "TO_JSON_STRING",
            TermType::Minval => "MINVAL",
            TermType::Maxval => "MAXVAL",
            TermType::BitAnd => "BIT_AND",
            TermType::BitOr => "BIT_OR",
            TermType::BitXor => "BIT_XOR",
            TermType::BitNot => "BIT_NOT",
            TermType::BitSal => "BIT_SAL",
            TermType::BitSar => "BIT_SAR",
            TermType::Format => "FORMAT",
        }
    }

    /// The term type with this ql2.proto name (e.g. `GET_FIELD`).
    pub fn from_name(name: &str) -> Option<TermType> {
        TermType::ALL.iter().copied().find(|t| t.name() == name)
    }
}

/// Declares a small wire enum with `from_i64`, `as_i64` and `name`.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $value:expr => $wire:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant = $value,)*
        }

        impl $name {
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

            /// The ql2.proto name.
            pub fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $wire,)*
                }
            }
        }
    };
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
