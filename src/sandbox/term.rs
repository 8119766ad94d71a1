//! Names of the ql2 term types, used in error messages.

/// Name of a term type number as ql2.proto spells it, if known.
pub fn term_name(tt: u64) -> Option<&'static str> {
    Some(match tt {
        1 => "DATUM",
        2 => "MAKE_ARRAY",
        3 => "MAKE_OBJ",
        10 => "VAR",
        11 => "JAVASCRIPT",
        169 => "UUID",
        153 => "HTTP",
        12 => "ERROR",
        13 => "IMPLICIT_VAR",
        14 => "DB",
        15 => "TABLE",
        16 => "GET",
        78 => "GET_ALL",
        17 => "EQ",
        18 => "NE",
        19 => "LT",
        20 => "LE",
        21 => "GT",
        22 => "GE",
        23 => "NOT",
        24 => "ADD",
        25 => "SUB",
        26 => "MUL",
        27 => "DIV",
        28 => "MOD",
        183 => "FLOOR",
        184 => "CEIL",
        185 => "ROUND",
        29 => "APPEND",
        80 => "PREPEND",
        95 => "DIFFERENCE",
        88 => "SET_INSERT",
        89 => "SET_INTERSECTION",
        90 => "SET_UNION",
        91 => "SET_DIFFERENCE",
        30 => "SLICE",
        70 => "SKIP",
        71 => "LIMIT",
        87 => "OFFSETS_OF",
        93 => "CONTAINS",
        31 => "GET_FIELD",
        94 => "KEYS",
        186 => "VALUES",
        143 => "OBJECT",
        32 => "HAS_FIELDS",
        96 => "WITH_FIELDS",
        33 => "PLUCK",
        34 => "WITHOUT",
        35 => "MERGE",
        36 => "BETWEEN_DEPRECATED",
        182 => "BETWEEN",
        37 => "REDUCE",
        38 => "MAP",
        187 => "FOLD",
        39 => "FILTER",
        40 => "CONCAT_MAP",
        41 => "ORDER_BY",
        42 => "DISTINCT",
        43 => "COUNT",
        86 => "IS_EMPTY",
        44 => "UNION",
        45 => "NTH",
        170 => "BRACKET",
        48 => "INNER_JOIN",
        49 => "OUTER_JOIN",
        50 => "EQ_JOIN",
        72 => "ZIP",
        173 => "RANGE",
        82 => "INSERT_AT",
        83 => "DELETE_AT",
        84 => "CHANGE_AT",
        85 => "SPLICE_AT",
        51 => "COERCE_TO",
        52 => "TYPE_OF",
        53 => "UPDATE",
        54 => "DELETE",
        55 => "REPLACE",
        56 => "INSERT",
        57 => "DB_CREATE",
        58 => "DB_DROP",
        59 => "DB_LIST",
        60 => "TABLE_CREATE",
        61 => "TABLE_DROP",
        62 => "TABLE_LIST",
        174 => "CONFIG",
        175 => "STATUS",
        177 => "WAIT",
        176 => "RECONFIGURE",
        179 => "REBALANCE",
        138 => "SYNC",
        188 => "GRANT",
        75 => "INDEX_CREATE",
        76 => "INDEX_DROP",
        77 => "INDEX_LIST",
        139 => "INDEX_STATUS",
        140 => "INDEX_WAIT",
        156 => "INDEX_RENAME",
        189 => "SET_WRITE_HOOK",
        190 => "GET_WRITE_HOOK",
        64 => "FUNCALL",
        65 => "BRANCH",
        66 => "OR",
        67 => "AND",
        68 => "FOR_EACH",
        69 => "FUNC",
        73 => "ASC",
        74 => "DESC",
        79 => "INFO",
        97 => "MATCH",
        141 => "UPCASE",
        142 => "DOWNCASE",
        81 => "SAMPLE",
        92 => "DEFAULT",
        98 => "JSON",
        99 => "ISO8601",
        100 => "TO_ISO8601",
        101 => "EPOCH_TIME",
        102 => "TO_EPOCH_TIME",
        103 => "NOW",
        104 => "IN_TIMEZONE",
        105 => "DURING",
        106 => "DATE",
        126 => "TIME_OF_DAY",
        127 => "TIMEZONE",
        128 => "YEAR",
        129 => "MONTH",
        130 => "DAY",
        131 => "DAY_OF_WEEK",
        132 => "DAY_OF_YEAR",
        133 => "HOURS",
        134 => "MINUTES",
        135 => "SECONDS",
        136 => "TIME",
        107 => "MONDAY",
        108 => "TUESDAY",
        109 => "WEDNESDAY",
        110 => "THURSDAY",
        111 => "FRIDAY",
        112 => "SATURDAY",
        113 => "SUNDAY",
        114 => "JANUARY",
        115 => "FEBRUARY",
        116 => "MARCH",
        117 => "APRIL",
        118 => "MAY",
        119 => "JUNE",
        120 => "JULY",
        121 => "AUGUST",
        122 => "SEPTEMBER",
        123 => "OCTOBER",
        124 => "NOVEMBER",
        125 => "DECEMBER",
        137 => "LITERAL",
        144 => "GROUP",
        145 => "SUM",
        146 => "AVG",
        147 => "MIN",
        148 => "MAX",
        149 => "SPLIT",
        150 => "UNGROUP",
        151 => "RANDOM",
        152 => "CHANGES",
        154 => "ARGS",
        155 => "BINARY",
        157 => "GEOJSON",
        158 => "TO_GEOJSON",
        159 => "POINT",
        160 => "LINE",
        161 => "POLYGON",
        162 => "DISTANCE",
        163 => "INTERSECTS",
        164 => "INCLUDES",
        165 => "CIRCLE",
        166 => "GET_INTERSECTING",
        167 => "FILL",
        168 => "GET_NEAREST",
        171 => "POLYGON_SUB",
        172 => "TO_JSON_STRING",
        180 => "MINVAL",
        181 => "MAXVAL",
        191 => "BIT_AND",
        192 => "BIT_OR",
        193 => "BIT_XOR",
        194 => "BIT_NOT",
        195 => "BIT_SAL",
        196 => "BIT_SAR",
        197 => "FORMAT",
        _ => return None,
    })
}

/// Allowed positional argument counts of a term type: (min, max), None max = unbounded.
pub fn arity(tt: u64) -> Option<(usize, Option<usize>)> {
    let exact = |n| Some((n, Some(n)));
    match tt {
        59 | 103 | 180 | 181 | 107..=125 => exact(0),
        14
        | 23
        | 52
        | 94
        | 186
        | 141
        | 142
        | 98
        | 172
        | 100
        | 102
        | 106
        | 126..=135
        | 86
        | 72
        | 150
        | 183..=185
        | 57
        | 58
        | 77
        | 79
        | 174
        | 175
        | 101
        | 99
        | 54
        | 42
        | 155
        | 138
        | 73
        | 74
        | 154 => exact(1),
        16
        | 29
        | 80
        | 95
        | 88..=91
        | 70
        | 71
        | 45
        | 170
        | 31
        | 87
        | 28
        | 51
        | 97
        | 104
        | 40
        | 39
        | 37
        | 53
        | 55
        | 76
        | 68
        | 92
        | 56 => exact(2),
        194 => Some((1, Some(1))),
        195 | 196 | 81 => Some((2, Some(2))),
        151 => Some((0, Some(2))),
        191..=193 => Some((1, None)),
        82 | 84 | 85 | 105 | 48 | 49 | 50 | 187 | 156 | 182 => exact(3),
        169 | 12 | 137 | 62 => Some((0, Some(1))),
        173 => Some((0, Some(2))),
        83 | 30 => Some((2, Some(3))),
        43 | 145..=148 | 15 | 60 | 61 => Some((1, Some(2))),
        149 => Some((1, Some(3))),
        75 => Some((2, Some(3))),
        17..=22 => Some((2, None)),
        38 => Some((2, None)),
        64 | 24..=27 | 32..=35 | 96 | 41 | 144 | 78 | 93 | 139 | 140 | 152 | 177 => Some((1, None)),
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
pub fn optargs(tt: u64) -> Option<&'static [&'static str]> {
    Some(match tt {
        15 => &["read_mode", "identifier_format", "use_outdated"],
        39 => &["default"],
        151 => &["float"],
        41 | 42 | 78 | 147 | 148 => &["index"],
        53 | 55 => &[
            "durability",
            "return_changes",
            "non_atomic",
            "ignore_write_hook",
        ],
        54 => &["durability", "return_changes", "ignore_write_hook"],
        56 => &[
            "conflict",
            "durability",
            "return_changes",
            "ignore_write_hook",
        ],
        60 => &[
            "primary_key",
            "shards",
            "replicas",
            "primary_replica_tag",
            "nonvoting_replica_tags",
            "durability",
        ],
        75 => &["multi", "geo"],
        182 => &["index", "left_bound", "right_bound"],
        30 | 105 => &["left_bound", "right_bound"],
        99 => &["default_timezone"],
        144 => &["index", "multi"],
        50 => &["index", "ordered"],
        44 => &["interleave"],
        152 => &[
            "squash",
            "include_initial",
            "include_states",
            "include_offsets",
            "include_types",
            "changefeed_queue_size",
        ],
        156 => &["overwrite"],
        187 => &["emit", "final_emit"],
        _ => return None,
    })
}
