"""The differential test's queries, as data: Python-driver expressions run on both peers.

Each entry is a dict: `src` (an expression over `r`, the tables `P` people, `O` orders,
`W` writes, `F` feeds, `E` empty, and `D` the database), `section`, and flags:
`unordered` (sort a list result), `norm` (a function applied to both results), `run` (run
optargs), `keep_uuids` (compare uuids as they are), `feed` with `writes` and `take`.
Queries run in order and share the database: writes change what later queries read.
"""

from rethinkdb import RethinkDB

r = RethinkDB()
QUERIES = []
SECTION = ["start"]


def section(name):
    SECTION[0] = name


def q(src, **flags):
    entry = dict(flags)
    entry["src"] = src
    entry["section"] = SECTION[0]
    QUERIES.append(entry)


def build(src):
    D = r.db("diff")
    names = {
        "r": r,
        "D": D,
        "P": D.table("people"),
        "O": D.table("orders"),
        "W": D.table("writes"),
        "F": D.table("feeds"),
        "E": D.table("empty"),
        "B": D.table("bulk"),
    }
    return eval(src, names)  # noqa: S307 - the sources are the fixed strings below


def pluck_keys(*keys):
    def norm(v):
        if isinstance(v, list):
            return [norm(x) for x in v]
        if isinstance(v, dict):
            return {k: v[k] for k in keys if k in v}
        return v

    return norm


def drop_keys(*keys):
    def norm(v):
        if isinstance(v, list):
            return [norm(x) for x in v]
        if isinstance(v, dict):
            return {k: norm(x) for k, x in v.items() if k not in keys}
        return v

    return norm


def sort_groups(v):
    """Rows within a group come in table order, which is unspecified."""
    if isinstance(v, dict) and v.get("$reql_type$") == "GROUPED_DATA":
        data = [[g, sorted(x, key=repr) if isinstance(x, list) else x] for g, x in v["data"]]
        return dict(v, data=data)
    return v


def sort_initial(v):
    """A feed's initial values come in table order, which is unspecified."""
    out, run = [], []
    for x in v:
        if isinstance(x, dict) and "new_val" in x and "old_val" not in x:
            run.append(x)
            continue
        out.extend(sorted(run, key=repr))
        run = []
        out.append(x)
    return out + sorted(run, key=repr)


# ---------------------------------------------------------------------------------------------
section("datum")
for v in [
    "1", "-1", "0", "1.5", "-0.0", "1e308", "-1e308", "2**53", "2**53 + 1", "2**63",
    "-2**63", "2**64", "10**20", "5e-324", "0.1", "123456789012345678", "'str'", "''",
    "'ünïcödé ☃ 𝄞'", "None", "True", "False", "[]", "{}", "[1, [2, [3, [4]]]]",
    "{'a': {'b': {'c': [1, {'d': None}]}}}", "{'$reql_type$': 'GEOMETRY'}",
    "{'b': 1, 'a': 2, 'c': {'z': 1, 'y': 2}}", "[None, True, 'x', 1.25]",
]:
    q("r.expr(%s)" % v)
q("r.expr({'$reql_type$': 'TIME', 'epoch_time': 1, 'timezone': '+00:00'})")
q("r.expr({'$reql_type$': 'TIME', 'epoch_time': 1})")
q("r.expr({'$reql_type$': 'NOPE'})")
q("r.expr({'$reql_type$': 'BINARY', 'data': 'aGVsbG8='})")
q("r.expr({'$reql_type$': 'BINARY', 'data': 'not base64!'})")
q("r.expr([1, 2, 3]).type_of()")
for data in ["'aGVsbG8'", "'aGV sbG8='", "'aGVsbG8=x'", "1", "''"]:
    q("r.expr({'$reql_type$': 'BINARY', 'data': %s})" % data)
q("r.expr({'$reql_type$': 'BINARY'})")
q("r.expr({'$reql_type$': 'BINARY', 'data': '', 'x': 1})")
q("r.expr({'$reql_type$': 'TIME', 'epoch_time': 1, 'timezone': 'Z'})")
q("r.expr({'$reql_type$': 'TIME', 'epoch_time': 'a', 'timezone': '+00:00'})")
q("r.expr({'a': {'$reql_type$': 'NOPE'}})")
q("r.expr([1, {'$reql_type$': 'NOPE'}])")
q("r.expr(r.minval)")
q("r.expr([r.maxval])")
q("r.expr(float('nan'))")

# ---------------------------------------------------------------------------------------------
section("arithmetic")
PAIRS = [
    (7, 2), (-7, 2), (7, -2), (1, 0), (0, 0), (-1, 0), (1e308, 10), (-1e308, 10),
    (2**53, 1), (0.1, 0.2), (7.5, 2), (-7.5, 2), (5, 0.5), (10**20, 3), (3, 1e-320),
]
for a, b in PAIRS:
    for op in ["add", "sub", "mul", "div", "mod"]:
        q("r.expr(%r).%s(%r)" % (a, op, b))
for v in [2.5, -2.5, 0.5, -0.5, 1e308, 3, -0.0, 2**53 + 0.5, 1.4999999999999999]:
    for op in ["floor", "ceil", "round"]:
        q("r.expr(%r).%s()" % (v, op))
for src in [
    "r.expr(1).add(2, 3, 4)", "r.add(1, 2)", "r.expr('a').add('b', 'c')", "r.expr([1]).add([2], [3])",
    "r.expr(1).add('x')", "r.expr('x').add(1)", "r.expr([1]).add(1)", "r.expr({}).add({})",
    "r.expr(None).add(1)", "r.expr(1).sub('a')", "r.expr('ab').mul(3)", "r.expr([1, 2]).mul(2)",
    "r.expr('ab').mul(0)", "r.expr('ab').mul(-1)", "r.expr('ab').mul(1.5)", "r.expr(1).div(3).mul(3)",
    "r.expr(10).mod(3.5)", "r.expr(10.5).mod(3)", "r.expr(-10).mod(3)", "r.expr(2**60).mod(7)",
    "r.expr(1e308).mul(1e308)", "r.expr(1e308).add(1e308)", "r.expr(-1e308).sub(1e308)",
    "r.expr(5).div(0.0)", "r.expr('a').floor()", "r.expr(1).mul(True)", "r.expr([]).mul(1000000)",
    "r.expr(3).bit_and(5)", "r.expr(3).bit_or(5)", "r.expr(3).bit_xor(5)", "r.expr(3).bit_not()",
    "r.expr(3).bit_sal(2)", "r.expr(-16).bit_sar(2)", "r.expr(1.5).bit_and(1)",
    "r.expr(2).sub()", "r.expr(8).div(2, 2)", "r.expr(7).mod(2, 2)",
    "r.random(1, 1)", "r.random(5, 5, float=True)", "r.random(2, 1)", "r.random(1.5)",
    "r.expr([1, 2, 3]).sample(3).count()", "r.expr([1, 2]).sample(-1)",
]:
    q(src)

# ---------------------------------------------------------------------------------------------
section("comparison")
VALUES = [
    "1", "'1'", "None", "True", "False", "[]", "{}", "[1, 2]", "{'a': 1}", "1.0", "r.minval",
    "r.maxval", "r.time(2020, 1, 1, 'Z')", "r.binary(b'a')", "'a'", "'B'", "[1, 'a']",
]
for i, a in enumerate(VALUES):
    b = VALUES[(i * 7 + 3) % len(VALUES)]
    for op in ["eq", "ne", "lt", "le", "gt", "ge"]:
        q("r.expr(%s).%s(%s)" % (a, op, b))
for src in [
    "r.expr(1).lt(2, 3)", "r.expr(1).lt(3, 2)", "r.expr(1).eq(1, 1)", "r.expr(1).ne(1, 2)",
    "r.expr([1, 2]).lt([1, 2, 0])", "r.expr({'a': 1}).lt({'a': 1, 'b': 0})",
    "r.expr({'b': 1}).gt({'a': 2})", "r.expr('abc').lt('abd')", "r.expr('Z').lt('a')",
    "r.expr('é').gt('z')", "r.expr(True).not_()", "r.expr(1).not_()", "r.expr(None).not_()",
    "r.expr(True).and_(False)", "r.expr(False).or_(1)", "r.and_()", "r.or_()",
    "r.expr(1).and_(2, 3)", "r.expr(None).or_(False, None)", "r.expr(r.minval).lt(r.maxval)",
    "r.expr([r.minval]).lt([None])", "r.expr(1).eq()", "r.expr(-0.0).eq(0)",
    "r.expr(2**53).eq(2**53 + 1)", "r.expr(1).eq('1').not_()",
]:
    q(src)

# ---------------------------------------------------------------------------------------------
section("strings")
for src in [
    "r.expr('Hello World').upcase()", "r.expr('ÉCOLE Straße').downcase()", "r.expr('ÉCOLE').upcase()",
    "r.expr('a,b,,c').split(',')", "r.expr('a,b,,c').split(',', 1)", "r.expr('  a  b \\n c ').split()",
    "r.expr('abc').split('')", "r.expr('abc').split(None, 1)", "r.expr('a--b--c').split('--', -1)",
    "r.expr('ünï').split('')", "r.expr('').split(',')", "r.expr('').split()", "r.expr(1).split()",
    "r.expr('abc').match('b')", "r.expr('abc').match('^b')", "r.expr('foo bar').match('(?P<w>o+) (b)')",
    "r.expr('foo').match('(x)?foo')", "r.expr('abc').match('(')", "r.expr('ABC').match('(?i)b')",
    "r.expr('aaa').match('a*?')", "r.expr('héllo').match('é(.)')", "r.expr(1).match('1')",
    "r.expr('a1b22').match('\\\\d+')", "r.expr('x').match('[[:alpha:]]')",
    "r.expr('abc').count()", "r.expr('ünï☃').count()", "r.expr('abcdef').slice(1, 3)",
    "r.expr('abcdef').slice(-2)", "r.expr('ünïcödé').slice(2, 4)", "r.expr('abc').slice(5)",
    "r.expr('abcdef').slice(1, 3, left_bound='open', right_bound='closed')",
    "r.expr('abc').slice(0, 2, left_bound='x')", "r.expr('abc').nth(1)", "r.expr('abc')[1]",
    "r.expr('abc').contains('b')", "r.expr('abc').coerce_to('array')",
    "r.expr('12').coerce_to('number')", "r.expr(' 12 ').coerce_to('number')",
    "r.expr('1e3').coerce_to('number')", "r.expr('0x10').coerce_to('number')",
    "r.expr('abc').coerce_to('number')", "r.expr('').coerce_to('number')",
    "r.expr('1e400').coerce_to('number')", "r.expr('-0').coerce_to('number')",
    "r.expr('abc').coerce_to('string')", "r.expr('abc').coerce_to('binary')",
    "r.expr('abc').coerce_to('object')", "r.expr('abc').coerce_to('bool')",
    "r.expr('abc').coerce_to('nope')", "r.expr('abc').coerce_to('STRING')",
    "r.expr('a').add(r.expr(1).coerce_to('string'))", "r.expr(1.5).coerce_to('string')",
    "r.expr(1e21).coerce_to('string')", "r.expr(0.1).add(0.2).coerce_to('string')",
    "r.expr(2**53 + 2).coerce_to('string')", "r.expr(-0.0).coerce_to('string')",
    "r.expr(1e-7).coerce_to('string')", "r.expr(123456789.125).coerce_to('string')",
    "r.expr([1, 'a']).coerce_to('string')", "r.expr({'a': [1]}).coerce_to('string')",
    "r.expr(None).coerce_to('string')", "r.expr(True).coerce_to('string')",
    "r.expr('abc').to_json_string()", "r.expr({'a': [1, 2.5, None]}).to_json()",
    "r.expr(1e300).to_json()", "r.json('[1, 2, {\"a\": true}]')", "r.json('{\"a\": 1, \"a\": 2}')",
    "r.json('[1,')", "r.json('1e400')", "r.json('\"\\\\u00e9\"')", "r.json(' 5 ')",
    "r.expr('%s-%s').split('-')", "r.expr('tab\\there').split('\\t')",
]:
    q(src)

for v in ["1e20", "123.456", "0.001", "1e-7", "1.5e300", "-2.5", "1e-6", "0.000001234", "1e16", "2**64",
          "1.7976931348623157e308", "5e-324", "-1e21", "0.5", "100.25", "1/3"]:
    q("r.expr(%s).coerce_to('string')" % v)
q("r.expr([1.5, -0.0, 1e21, {'a': 0.001}]).to_json()")
q("r.iso8601('x2020')")
q("r.iso8601('2020-05-06T07:08:09+25:00')")
q("r.iso8601('2020-05-06T24:00:00Z')")
q("r.iso8601('2020-05-06T23:60:00Z')")
q("r.iso8601('2020-366T00:00:00Z')")
q("r.iso8601('2021-366T00:00:00Z')")
q("r.now().in_timezone('+25:00').type_of()")
q("r.expr([1]).filter(lambda a, b: a)")

# ---------------------------------------------------------------------------------------------
section("objects and arrays")
OBJ = "r.expr({'a': 1, 'b': {'c': 2, 'd': [3, 4]}, 'e': None})"
for src in [
    OBJ + ".keys()", OBJ + ".values()", OBJ + "['b']['c']", OBJ + "['x']", OBJ + "['b']['x']",
    OBJ + "['e']['x']", OBJ + ".get_field('a')", OBJ + ".pluck('a', 'x')", OBJ + ".pluck({'b': ['c']})",
    OBJ + ".pluck({'b': {'d': True}})", OBJ + ".without('b')", OBJ + ".without({'b': 'c'})",
    OBJ + ".merge({'a': 5, 'f': 6})", OBJ + ".merge({'b': {'z': 1}})", OBJ + ".merge({'b': r.literal({'z': 1})})",
    OBJ + ".merge({'b': r.literal()})", OBJ + ".merge(lambda o: {'n': o['a'].add(1)})",
    OBJ + ".merge(1)", OBJ + ".has_fields('a', 'e')", OBJ + ".has_fields('x')",
    OBJ + ".has_fields({'b': 'c'})", OBJ + ".has_fields({'b': {'d': True}})",
    OBJ + ".has_fields('e')", OBJ + ".count()", OBJ + ".coerce_to('array')",
    OBJ + ".contains('a')", OBJ + ".keys().contains('a')", OBJ + "[0]", OBJ + ".type_of()",
    "r.object('a', 1, 'b', 2)", "r.object('a', 1, 'a', 2)", "r.object('a')", "r.object(1, 2)",
    "r.object()", "r.expr([['a', 1], ['b', 2]]).coerce_to('object')",
    "r.expr([['a', 1], ['b']]).coerce_to('object')", "r.expr({'a': 1}).keys().map(lambda k: k.upcase())",
    "r.literal({'a': 1})", "r.expr({'a': r.literal(1)})", "r.expr({'a': {'b': 1}}).merge({'a': {'c': 2}}, {'a': {'b': 3}})",
    "r.expr([{'a': 1}, {'a': 2}]).merge({'b': 3})", "r.expr([1, 2]).merge({'b': 3})",
    "r.expr({}).merge({'a': r.literal(r.literal(1))})",
    "r.expr([1, 2, 3]).append(4)", "r.expr([1, 2, 3]).prepend(0)", "r.expr([1, 2, 3]).insert_at(1, 9)",
    "r.expr([1, 2, 3]).insert_at(3, 9)", "r.expr([1, 2, 3]).insert_at(4, 9)", "r.expr([1, 2, 3]).insert_at(-1, 9)",
    "r.expr([1, 2, 3]).delete_at(0)", "r.expr([1, 2, 3]).delete_at(-1)", "r.expr([1, 2, 3]).delete_at(0, 2)",
    "r.expr([1, 2, 3]).delete_at(5)", "r.expr([1, 2, 3]).delete_at(2, 1)", "r.expr([1, 2, 3]).change_at(1, 'x')",
    "r.expr([1, 2, 3]).change_at(3, 'x')", "r.expr([1, 2, 3]).splice_at(1, ['a', 'b'])",
    "r.expr([1, 2, 3]).splice_at(9, ['a'])", "r.expr([1, 2, 2, 3]).difference([2])",
    "r.expr([1, 2, 2, 3]).set_insert(2)", "r.expr([1, 2, 2, 3]).set_insert(4)",
    "r.expr([3, 1, 2, 1]).set_union([2, 5, 5])", "r.expr([1, 2, 2, 3]).set_intersection([2, 3, 3, 4])",
    "r.expr([1, 2, 2, 3]).set_difference([2])", "r.expr([[1], {'a': 1}, [1]]).set_insert({'a': 1})",
    "r.expr([1, 2, 3, 4, 5]).slice(1, 3)", "r.expr([1, 2, 3, 4, 5]).slice(-3, -1)",
    "r.expr([1, 2, 3, 4, 5]).slice(1, 3, right_bound='closed')", "r.expr([1, 2, 3, 4, 5]).slice(3, 1)",
    "r.expr([1, 2, 3, 4, 5]).slice(1.5)", "r.expr([1, 2, 3, 4, 5]).skip(2)", "r.expr([1, 2, 3, 4, 5]).skip(-1)",
    "r.expr([1, 2, 3, 4, 5]).limit(2)", "r.expr([1, 2, 3, 4, 5]).limit(-1)", "r.expr([1, 2, 3, 4, 5]).limit(0)",
    "r.expr([1, 2, 3])[5]", "r.expr([1, 2, 3])[-1]", "r.expr([1, 2, 3])[-4]", "r.expr([1, 2, 3]).nth(1.5)",
    "r.expr([1, 2, 3])['a']", "r.expr([{'a': 1}, {'b': 2}, {'a': 3}])['a']",
    "r.expr([1, 2, 3, 2]).offsets_of(2)", "r.expr([1, 2, 3, 2]).offsets_of(lambda x: x.gt(1))",
    "r.expr([1, 2, 3]).contains(2, 3)", "r.expr([1, 2, 3]).contains(lambda x: x.gt(2))", "r.expr([1, 2, 3]).contains()",
    "r.expr([1, 2, 3]).is_empty()", "r.expr([]).is_empty()", "r.expr([3, 1, 2]).union([4], [5])",
    "r.expr([1, 2]).union(r.expr([3]).limit(1))", "r.expr([1, 2]).zip()", "r.expr([{'left': 1, 'right': {'a': 2}}]).zip()",
    "r.expr([{'left': {'a': 1}, 'right': {'a': 2, 'b': 3}}]).zip()", "r.expr([3, 1, 3, 'a', 1]).distinct()",
    "r.expr([1, 2, 3]).count(2)", "r.expr([1, 2, 3]).count(lambda x: x.gt(1))", "r.expr([1, 'a', None]).count(None)",
    "r.expr([1, 2, 3]).sum()", "r.expr([1, 2, 3]).avg()", "r.expr([]).sum()", "r.expr([]).avg()",
    "r.expr([]).min()", "r.expr([]).max()", "r.expr([1, 'a']).sum()", "r.expr([3, 1, 2]).min()",
    "r.expr([3, 'a', None, [1]]).max()", "r.expr([{'a': 3}, {'a': 1}]).min('a')", "r.expr([{'a': 3}, {'b': 1}]).max('a')",
    "r.expr([{'a': 3}, {'a': 1}]).sum('a')", "r.expr([{'a': 3}, {'b': 1}]).avg('a')", "r.expr([{'a': 3}, {'a': 1}]).min(lambda x: x['a'].mul(-1))",
    "r.expr([1, 2, 3]).reduce(lambda a, b: a.add(b))", "r.expr([]).reduce(lambda a, b: a.add(b))",
    "r.expr([5]).reduce(lambda a, b: a.add(b))", "r.expr([1, 2, 3]).fold(10, lambda acc, x: acc.add(x))",
    "r.expr([1, 2, 3]).fold([], lambda acc, x: acc.append(x.mul(2)))",
    "r.expr([1, 2, 3]).fold(0, lambda acc, x: acc.add(x), emit=lambda old, x, new: [new])",
    "r.expr([[1, 2], [3]]).concat_map(lambda x: x)", "r.expr([1, 2]).concat_map(lambda x: [x, x])",
    "r.expr([1, 2]).concat_map(lambda x: x)", "r.expr([1, 2, 3]).map(lambda x: x.mul(2))",
    "r.expr([1, 2]).map(r.expr([3, 4]), lambda a, b: a.add(b))", "r.expr([1, 2, 3]).map(r.expr([3, 4]), lambda a, b: [a, b])",
    "r.map([1, 2], [10, 20], lambda a, b: a.mul(b))", "r.expr([1, 2]).map(lambda a, b: a)",
    "r.expr([1, 2, 3]).filter(lambda x: x.gt(1))", "r.expr([{'a': 1}, {'a': 2}, {'b': 1}]).filter({'a': 1})",
    "r.expr([{'a': 1}, {'b': 2}]).filter(lambda x: x['a'].eq(1))",
    "r.expr([{'a': 1}, {'b': 2}]).filter(lambda x: x['a'].eq(1), default=True)",
    "r.expr([{'a': 1}, {'b': 2}]).filter(lambda x: x['a'].eq(1), default=r.error('oops'))",
    "r.expr([1, 2, 3]).filter(r.row.gt(1))", "r.expr([1, 2, 3]).filter(1)", "r.expr([1, None, False, 0]).filter(lambda x: x)",
    "r.expr([3, 1, 2]).order_by(lambda x: x)", "r.expr([{'a': 2}, {'a': 1}, {'b': 0}]).order_by('a')",
    "r.expr([{'a': 2}, {'a': 1}]).order_by(r.desc('a'))", "r.expr([{'a': 1, 'b': 2}, {'a': 1, 'b': 1}]).order_by('a', r.desc('b'))",
    "r.expr([3, 'a', None, [1], {'x': 1}, True, 1.5]).order_by(lambda x: x)",
    "r.expr(['b', 'B', 'a', 'é', 'A']).order_by(lambda x: x)",
    "r.expr([[2], [1, 2], [1]]).order_by(lambda x: x)",
    "r.expr([1, 2]).order_by(index='id')", "r.expr([1, 2, 3, 4]).order_by(r.desc(lambda x: x.mod(2)), lambda x: x)",
    "r.range(5)", "r.range(2, 5)", "r.range(5, 2)", "r.range(-3)", "r.range(1.5)", "r.range(3).map(lambda x: x.mul(x))",
    "r.range().limit(3)", "r.range(0, 10).skip(8)", "r.range(1, 2, 3)", "r.range(3).coerce_to('array')",
    "r.range(3).type_of()", "r.expr([1, 2]).type_of()", "r.range(3).union([9]).type_of()",
    "r.expr([1, [2, [3, [4]]]]).coerce_to('string')", "r.expr([1, 2]).coerce_to('object')",
    "r.expr({'a': 1}).coerce_to('object')", "r.expr(1).coerce_to('array')", "r.expr(None).coerce_to('null')",
]:
    q(src)

# ---------------------------------------------------------------------------------------------
section("control")
for src in [
    "r.branch(True, 1, 2)", "r.branch(None, 1, 2)", "r.branch(0, 1, 2)", "r.branch(False, 1, True, 2, 3)",
    "r.branch(False, 1, False, 2, 3)", "r.branch(True, 1)", "r.branch(True, 1, 2, 3)",
    "r.expr(1).branch(2, 3)", "r.branch(r.error('x'), 1, 2)", "r.branch(True, r.error('taken'), 2)",
    "r.expr(None).default(5)", "r.expr(1).default(5)", "r.expr({'a': 1})['b'].default('none')",
    "r.expr({'a': 1})['b'].default(lambda e: e)", "r.expr([1])[5].default(9)",
    "r.expr(1).add('a').default(0)", "r.error('boom').default(1)", "r.expr({'a': None})['a']['b'].default(2)",
    "r.expr({'a': 1})['b'].default(r.error())", "r.expr(None).default(r.error())",
    "r.expr([{'a': 1}, {}]).map(lambda x: x['a'].default(0))", "r.expr([{'a': 1}, {}]).map(lambda x: x['a'])",
    "r.error('custom message')", "r.error()", "r.error(1)", "r.expr(1).do(lambda x: x.add(1))",
    "r.do(1, 2, lambda a, b: a.add(b))", "r.do(1, 2, lambda a: a)", "r.expr(5).do(r.row.mul(2))", "r.do(lambda: 7)",
    "r.expr([1, 2]).do(lambda a: a.count())", "r.expr(3).do(4)",
    "r.expr([1, 2, 3]).for_each(lambda x: r.expr([]))", "r.args([1, 2])", "r.expr([1]).add(r.args([[2], [3]]))",
    "r.add(r.args([1, 2, 3]))", "r.branch(r.args([True, 1, 2]))", "r.object(r.args(['a', 1]))",
    "r.expr([3, 1]).union(r.args([[2], [0]]))", "r.add(r.args(1))", "r.add(1, r.args([]))",
    "r.expr({'a': 1}).pluck(r.args(['a']))", "r.js('1 + 1')", "r.uuid().count()",
    "r.uuid('rdbsh')", "r.uuid('')", "r.uuid(1)",
    "r.expr([1, 2, 3]).map(lambda x: r.expr({'k': x}).merge({'v': x.mul(10)}))",
    "r.expr([1, 2]).map(lambda x: r.expr([3, 4]).map(lambda y: x.add(y)))",
    "r.expr([1, 2]).map(lambda x: r.expr([3]).map(lambda y: r.row))",
    "r.expr([1, 2]).map(lambda x: r.expr([3]).filter(r.row.eq(x)))", "r.expr([1]).map(r.row.add(1))",
    "r.expr([[1]]).map(r.row.map(lambda y: y.add(1)))", "r.do(lambda: r.expr([1]).map(r.row))",
    "r.expr([[1, 2]]).map(lambda x: x.filter(lambda y: y.gt(1)))", "r.expr(r.row)",
]:
    q(src, keep_uuids="uuid(" in src)

# ---------------------------------------------------------------------------------------------
section("time")
for src in [
    "r.time(2020, 2, 29, 'Z')", "r.time(2021, 2, 29, 'Z')", "r.time(2020, 1, 1, 23, 59, 59.5, '+05:30')",
    "r.time(2020, 13, 1, 'Z')", "r.time(2020, 1, 1, 'nope')", "r.time(2020, 1, 1)", "r.time(1970, 1, 1, 'Z')",
    "r.time(1, 1, 1, 'Z')", "r.time(10000, 1, 1, 'Z')", "r.time(2020, 1, 1, 24, 0, 0, 'Z')",
    "r.epoch_time(0)", "r.epoch_time(1.5)", "r.epoch_time(-86400.25)", "r.epoch_time(1e12)", "r.epoch_time('x')",
    "r.iso8601('2020-05-06T07:08:09Z')", "r.iso8601('2020-05-06T07:08:09.123456+02:00')",
    "r.iso8601('2020-05-06T07:08:09')", "r.iso8601('2020-05-06T07:08:09', default_timezone='-07:00')",
    "r.iso8601('2020-05-06')", "r.iso8601('20200506T070809Z')", "r.iso8601('2020-05-06T25:00:00Z')",
    "r.iso8601('garbage')", "r.iso8601('2020-05-06T07:08Z')", "r.iso8601('2020-W10-3T00:00:00Z')",
    "r.iso8601('2020-123T00:00:00Z')",
]:
    q(src)
T1 = "r.time(2021, 3, 14, 15, 9, 26.535, '-04:00')"
for m in [
    "to_iso8601()", "to_epoch_time()", "date()", "time_of_day()", "timezone()", "year()", "month()",
    "day()", "day_of_week()", "day_of_year()", "hours()", "minutes()", "seconds()",
    "in_timezone('Z')", "in_timezone('+09:00')", "in_timezone('-00:30')", "in_timezone('bad')",
    "in_timezone('+24:00')", "add(86400 * 365)", "sub(0.535)", "sub(r.time(2021, 1, 1, 'Z'))",
    "add('x')", "add(r.time(2021, 1, 1, 'Z'))", "during(r.time(2021, 1, 1, 'Z'), r.time(2022, 1, 1, 'Z'))",
    "during(r.time(2021, 3, 14, 'Z'), r.time(2021, 3, 15, 'Z'), left_bound='open', right_bound='closed')",
    "during(r.minval, r.maxval)", "eq(r.iso8601('2021-03-14T19:09:26.535Z'))",
    "lt(r.time(2021, 3, 14, 'Z'))", "date().to_iso8601()", "in_timezone('+01:00').date().to_iso8601()",
    "coerce_to('string')", "coerce_to('number')", "to_json()", "type_of()", "month().eq(r.march)",
    "day_of_week().eq(r.sunday)", "keys()", "merge({'a': 1})",
]:
    q("%s.%s" % (T1, m))
for src in [
    "r.epoch_time(1e9).to_iso8601()", "r.epoch_time(1e9 + 0.0005).to_iso8601()",
    "r.epoch_time(-1).to_iso8601()", "r.epoch_time(951782400).day_of_year()",
    "r.time(2020, 12, 31, 'Z').day_of_year()", "r.time(2024, 1, 1, 'Z').day_of_week()",
    "r.time(2020, 1, 1, 'Z').add(0.1).add(0.2).to_epoch_time()", "r.time(2020, 1, 1, 'Z').sub(1e11).year()",
    "r.expr([r.time(2020, 1, 1, 'Z'), r.time(2019, 1, 1, 'Z')]).order_by(lambda t: t)",
    "r.expr([r.time(2020, 1, 1, 'Z'), r.time(2020, 1, 1, '+01:00')]).distinct()",
    "r.now().type_of()", "r.now().sub(r.now())", "r.now().gt(r.time(2020, 1, 1, 'Z'))",
    "r.time(2020, 1, 1, 'Z').during(r.time(2020, 1, 1, 'Z'), r.time(2020, 1, 2, 'Z'))",
    "r.time(2020, 1, 1, 0, 0, 59.999, 'Z').seconds()", "r.time(2020, 1, 1, 'Z').in_timezone('-12:00').day()",
    "r.iso8601('2020-01-01T00:00:00+14:00').in_timezone('Z').to_iso8601()",
    "r.monday", "r.december", "r.expr(r.sunday).add(1)",
]:
    q(src)

# ---------------------------------------------------------------------------------------------
section("binary and geo")
for src in [
    "r.binary(b'hello')", "r.binary(b'')", "r.binary(b'hello').count()", "r.binary(b'hello').slice(1, 3)",
    "r.binary(b'hello').coerce_to('string')", "r.binary(b'\\xff').coerce_to('string')",
    "r.binary(b'abc').type_of()", "r.binary(b'abc').eq(r.binary(b'abc'))",
    "r.point(1, 2)", "r.point(200, 0)", "r.line([0, 0], [1, 1])", "r.polygon([0, 0], [0, 1], [1, 1])",
    "r.circle([0, 0], 1000, num_vertices=4)", "r.distance(r.point(0, 0), r.point(1, 0))",
    "r.distance(r.point(0, 0), r.point(1, 0), unit='km')", "r.point(0, 0).to_geojson()",
    "r.geojson({'type': 'Point', 'coordinates': [1, 2]})",
    "r.polygon([0, 0], [0, 2], [2, 2], [2, 0]).intersects(r.point(1, 1))",
    "r.polygon([0, 0], [0, 2], [2, 2], [2, 0]).includes(r.point(3, 3))",
    "r.point(1, 2).type_of()", "r.point(1, 2).coerce_to('string')",
]:
    q(src)

# ---------------------------------------------------------------------------------------------
section("tables")
TABLE_RESULT = drop_keys("config_changes", "id")
for src in [
    "r.db_create('diff')", "r.db_create('diff')", "r.db_create('bad name')", "r.db_list().contains('diff')",
    "D.table_create('people')", "D.table_create('orders', primary_key='oid')", "D.table_create('writes')",
    "D.table_create('feeds')", "D.table_create('empty')", "D.table_create('people')",
    "D.table_create('x y')", "D.table_create('t2', nope=1)", "D.table_list()", "r.db('nope').table_list()",
    "r.db('nope').table('x')", "D.table('nope')", "D.table('nope').count()", "r.table('people')",
    "D.table('orders').info().pluck('name', 'primary_key', 'type', 'indexes')",
    "D.table('orders').info()['db'].pluck('name', 'type')",
    "D.config().pluck('name')", "D.table('people').config().pluck('name', 'db', 'primary_key', 'durability', 'write_acks')",
    "D.table('people').config()['shards'].count()",
    "D.table('people').status().pluck('name', 'db', 'status')",
    "D.table('people').status()['status']['all_replicas_ready']",
    "D.table('people').wait().pluck('ready')", "D.wait().pluck('ready')",
    "r.db('rethinkdb').table_list()", "r.db('rethinkdb').table('db_config').filter(lambda d: r.expr(['diff', 'test']).contains(d['name'])).pluck('name').order_by('name')",
    "r.db('rethinkdb').table('table_config').filter({'db': 'diff'}).pluck('name', 'primary_key').order_by('name')",
    "r.db('rethinkdb').table('table_status').filter({'db': 'diff'}).pluck('name').order_by('name')",
    "r.db('rethinkdb').table('users').pluck('id')", "r.db('rethinkdb').table('server_config').count()",
    "r.db('rethinkdb').table('server_status').count()", "r.db('rethinkdb').table('current_issues').count()",
    "r.db('rethinkdb').table('permissions').pluck('user').coerce_to('array')",
    "r.db('rethinkdb').table('cluster_config').pluck('id')", "r.db('rethinkdb').table('nope')",
    "r.db('rethinkdb').table('stats').count().gt(0)", "r.db('rethinkdb').table('logs').count().gt(0)",
    "r.db('rethinkdb').table('jobs').count().gt(0)", "r.db('rethinkdb').table_create('x')",
    "r.db('rethinkdb').table('db_config').insert({'name': 'made'})",
    "r.db('rethinkdb').info().pluck('name', 'type')",
]:
    q(src, norm=TABLE_RESULT, unordered="list" in src)

PEOPLE = [
    {"id": 1, "name": "Ada", "age": 36, "city": "London", "tags": ["math", "code"], "address": {"zip": "N1", "n": 12}},
    {"id": 2, "name": "Bob", "age": 25, "city": "Paris", "tags": ["art"], "address": {"zip": "75001", "n": 3}},
    {"id": 3, "name": "Cyd", "age": 36, "city": "Paris", "tags": [], "score": 9.5},
    {"id": 4, "name": "Dee", "age": 51, "city": "Oslo", "tags": ["code", "ski", "code"]},
    {"id": 5, "name": "Eve", "age": None, "city": "London", "tags": ["sec"]},
    {"id": 6, "name": "Fay", "city": "Rome", "tags": ["art", "math"], "score": -1},
    {"id": "seven", "name": "Gus", "age": 19, "city": "Oslo"},
    {"id": 8.5, "name": "Hal", "age": 70, "city": "Rome", "tags": ["ski"], "nested": {"deep": {"deeper": [1, 2, {"x": "y"}]}}},
]
ORDERS = [
    {"oid": 101, "person": 1, "amount": 30, "items": ["a", "b"]},
    {"oid": 102, "person": 1, "amount": 12.5, "items": ["c"]},
    {"oid": 103, "person": 2, "amount": 99, "items": []},
    {"oid": 104, "person": 4, "amount": 5, "items": ["a"]},
    {"oid": 105, "person": 42, "amount": 1, "items": ["z"]},
]
q("P.insert(%r)" % PEOPLE)
q("O.insert(%r)" % ORDERS)
for src in [
    "P.index_create('age')", "P.index_create('city_age', [r.row['city'], r.row['age']])",
    "P.index_create('tags', multi=True)", "P.index_create('name_len', lambda p: p['name'].count())",
    "P.index_create('zip', r.row['address']['zip'])", "O.index_create('person')", "P.index_create('age')",
    "P.index_create('bad', lambda p: r.now())", "P.index_create('loc', geo=True)",
    "P.index_wait().pluck('index', 'ready').order_by('index')",
    "O.index_wait('person').pluck('index', 'ready', 'multi', 'geo', 'outdated')",
    "P.index_list()", "P.index_status('tags').pluck('index', 'multi', 'geo', 'ready', 'outdated')",
    "P.index_status('nope')", "P.index_rename('zip', 'zip2')", "P.index_rename('nope', 'x')",
    "P.index_rename('zip2', 'age')", "P.index_rename('zip2', 'age', overwrite=True)", "P.index_list()",
    "P.index_create('zip', r.row['address']['zip'])", "P.index_drop('nope')",
    "P.index_wait('zip').pluck('index', 'ready')", "P.index_list()",
]:
    q(src, unordered="index_list" in src)

# ---------------------------------------------------------------------------------------------
section("reads")
for src in [
    "P.count()", "P.get(1)", "P.get('seven')", "P.get(8.5)", "P.get(99)", "P.get(None)", "P.get([1])",
    "P.get(1)['name']", "P.get(99)['name']", "P.get(99)['name'].default('anon')", "P.get(1).pluck('name', 'age')",
    "P.get(1).without('address', 'tags')", "P.get(1).merge({'x': 1})", "P.get(1).keys()", "P.get(1).type_of()",
    "P.type_of()", "P.filter({'city': 'Paris'}).type_of()", "P.get_all(1, 2, 99).type_of()",
    "P.get_all(1, 2, 99)", "P.get_all('Paris', index='city')", "P.get_all(36, index='age')",
    "P.get_all(['Paris', 36], index='city_age')", "P.get_all('code', index='tags')",
    "P.get_all('code', 'math', index='tags')", "P.get_all(3, index='name_len')", "P.get_all('N1', index='zip')",
    "P.get_all(None, index='age')", "P.get_all()", "P.get_all(r.args([1, 2]))",
    "P.filter({'city': 'Paris'})", "P.filter(lambda p: p['age'].gt(30))",
    "P.filter(lambda p: p['age'].gt(30), default=True)", "P.filter(lambda p: p['age'].gt(30), default=r.error())",
    "P.filter(r.row['tags'].contains('code'))", "P.filter(lambda p: p['address']['zip'].eq('N1'))",
    "P.filter({'address': {'n': 3}})", "P.filter(True).count()", "P.filter(lambda p: p.has_fields('score'))['score']",
    "P['name']", "P.get_field('age')", "P.pluck('name')", "P.without('tags', 'address', 'nested')",
    "P.map(lambda p: p['name'].upcase())", "P.concat_map(lambda p: p['tags'].default([]))",
    "P.has_fields('score').pluck('id')", "P.with_fields('age', 'score')", "P.with_fields({'address': 'zip'})",
    "P.count(lambda p: p['city'].eq('Oslo'))", "P['age'].sum()", "P['age'].avg()", "P.sum('age')",
    "P.avg('age')", "P.min('age')", "P.max('age')", "P.min('nope')", "P.max(lambda p: p['name'])",
    "P.min(index='age')", "P.max(index='age')", "P.max(index='name_len')['name']", "P['tags'].count()",
    "P.distinct().count()", "P['city'].distinct()", "P.distinct(index='city_age')", "P.distinct(index='tags')",
    "P.contains(lambda p: p['name'].eq('Ada'))", "P.contains({'id': 1})", "P.is_empty()", "E.is_empty()",
    "E.count()", "E.max('x')", "E.avg('x')", "E.sum('x')", "E.reduce(lambda a, b: a)", "E.order_by('id')",
    "P.reduce(lambda a, b: {'n': a['n'].add(b['n'])}).default('fail')",
    "P.map(lambda p: 1).reduce(lambda a, b: a.add(b))", "P.fold(0, lambda acc, p: acc.add(1))",
    "P.order_by('id').fold([], lambda acc, p: acc.append(p['name']))",
    "P.sample(100).count()", "P.limit(2).count()", "P.skip(6).count()", "P.slice(2, 4).count()",
    "P.nth(0).type_of()", "P.union(O).count()", "P.union([1, 2]).count()", "P.coerce_to('array').count()",
    "P.coerce_to('object')", "P.offsets_of(lambda p: p['id'].eq(1)).count()", "P.get(1).changes().type_of()",
    "P.info().pluck('name', 'primary_key')", "P.get(1).info().without({'table': 'doc_count_estimates'})", "P.config()['name']",
    "P.get_all(1)['name']", "P.get_all(1).update({'seen': True})['replaced']", "P.get(1)['seen']",
    "P.get(1).replace(lambda p: p.without('seen'))['replaced']",
]:
    q(src, unordered=True)
for src in [
    "P.order_by('id')", "P.order_by(index='id')", "P.order_by(index=r.desc('id'))", "P.order_by('age', 'id')",
    "P.order_by(r.desc('age'), 'id')", "P.order_by('age', 'name')", "P.order_by(r.desc('age'), r.asc('name'))",
    "P.order_by(lambda p: p['name'].count(), 'id')", "P.order_by(index='age')", "P.order_by(index=r.desc('age'))",
    "P.order_by('name', index='age')", "P.order_by(index='city_age')", "P.order_by(index='name_len')",
    "P.order_by(index='tags')", "P.order_by(index='nope')", "P.order_by('city', index='id').pluck('id')",
    "P.order_by(index='id').limit(3)", "P.order_by(index='age').skip(2).limit(2)", "P.order_by('score', 'id')",
    "P.order_by('age', 'id').nth(0)", "P.order_by('age', 'id')[-1]", "P.order_by('id').slice(-2)",
    "P.order_by(index='id').map(lambda p: p['name'])", "P.order_by(r.desc('id')).pluck('id')",
    "P.between(1, 4).order_by('id')", "P.between(1, 4, index='id').order_by(index='id')",
    "P.between(1, 4, right_bound='closed').order_by('id')", "P.between(1, 4, left_bound='open').order_by('id')",
    "P.between(r.minval, 3).order_by('id')", "P.between(3, r.maxval).order_by('id')",
    "P.between(r.minval, r.maxval).count()", "P.between(30, 52, index='age').order_by('id')",
    "P.between(30, 52, index='age').order_by(index='age')", "P.between(36, 36, index='age').count()",
    "P.between(36, 36, index='age', right_bound='closed').count()", "P.between(['Paris', r.minval], ['Paris', r.maxval], index='city_age').order_by('id')",
    "P.between('b', 'n', index='tags').order_by('id')", "P.between(5, 1).count()", "P.between(1, 2, index='nope')",
    "P.between('a', 'z').order_by('id')", "P.between(None, 2).count()", "P.between(1, 3).between(2, 3)",
    "P.order_by(index='id').between(2, 5)", "P.order_by(index='age').between(2, 5)",
    "P.between(1, 5).filter(lambda p: p['age'].gt(30)).order_by('id')['name']",
    "P.get_all('Paris', 'Oslo', index='city').order_by('id')['name']",
    "P.order_by(index='age').filter(lambda p: p['city'].ne('Rome')).pluck('id')",
    "P.filter(lambda p: p['tags'].count().gt(1)).order_by('id').pluck('id', 'tags')",
]:
    q(src)

# ---------------------------------------------------------------------------------------------
section("group")
for src in [
    "P.group('city').count()", "P.group('city')['name']", "P.group('city').max('id')", "P.group('city').sum('age')",
    "P.group('city').avg('age')", "P.group('city').min('age')", "P.group('city').count().ungroup()",
    "P.group('city').count().ungroup().order_by(r.desc('reduction'), 'group')",
    "P.group(lambda p: p['age'].gt(30)).count()", "P.group('age').count()", "P.group('city', 'age').count()",
    "P.group(index='city').count()", "P.group(index='tags').count()", "P.group('tags').count()",
    "P.group('tags', multi=True).count()", "P.group('city').map(lambda p: p['id']).reduce(lambda a, b: a.add(b))",
    "P.group('city').pluck('id').order_by('id')", "P.group('city').ungroup().map(lambda g: g['group'])",
    "P.group('nope').count()", "P.group('city').count().ungroup().count()",
    "P.group('city').filter(lambda p: p['age'].gt(30)).count()", "P.group('city').limit(1).count()",
    "P.group('city').distinct().count()", "P.group('city')['age'].distinct()",
    "P.group('city').order_by('id').nth(0)['name']", "P.group('city').is_empty()",
    "P.group('city').contains(lambda p: p['age'].eq(36))", "P.group('city').fold(0, lambda a, p: a.add(1))",
    "P.group('city').count().do(lambda g: g)", "r.expr([1, 2, 3, 4]).group(lambda x: x.mod(2))",
    "r.expr([1, 2, 3, 4]).group(lambda x: x.mod(2)).sum()", "r.expr([]).group(lambda x: x).count()",
    "r.expr([{'a': 1}, {'a': 1}, {}]).group('a').count()", "r.expr([{'a': 1}]).group('a').ungroup().group('group').count()",
    "r.expr([1, 2]).ungroup()", "P.group('city').count().type_of()", "P.group('city').type_of()",
    "P.group('city').count().ungroup().type_of()", "P.group('city').count().coerce_to('array')",
    "P.group('city').count().add(1)", "P.group('city').avg('score')", "P.group('city').max('score')",
    "P.group('city').count().map(lambda x: x.mul(2))", "P.group('city')['tags'].reduce(lambda a, b: a.add(b))",
    "P.group(r.row['address']['zip'].default('none')).count()",
]:
    q(src, norm=sort_groups)

# ---------------------------------------------------------------------------------------------
section("joins")
for src in [
    "P.eq_join('id', O, index='person').without({'right': 'items'})",
    "O.eq_join('person', P).zip().pluck('oid', 'name')", "O.eq_join('person', P, index='id').count()",
    "O.eq_join(lambda o: o['person'], P).zip().pluck('oid', 'name')", "O.eq_join('nope', P).count()",
    "O.eq_join('person', P, index='nope')", "O.eq_join('items', P, index='tags').count()",
    "O.eq_join('person', P, ordered=True).map(lambda j: j['left']['oid'])",
    "P.inner_join(O, lambda p, o: p['id'].eq(o['person'])).map(lambda j: [j['left']['name'], j['right']['oid']])",
    "P.outer_join(O, lambda p, o: p['id'].eq(o['person'])).map(lambda j: [j['left']['name'], j['right']['oid'].default(None)])",
    "P.inner_join(O, lambda p, o: p['id'].eq(o['person'])).zip().pluck('oid', 'name', 'amount')",
    "r.expr([{'id': 1}, {'id': 2}]).inner_join(r.expr([{'k': 1}]), lambda a, b: a['id'].eq(b['k'])).zip()",
    "r.expr([{'id': 1}, {'id': 2}]).outer_join(r.expr([{'k': 1}]), lambda a, b: a['id'].eq(b['k']))",
    "r.expr([{'id': 1}]).eq_join('id', P).zip()['name']", "O.eq_join('person', P).type_of()",
    "P.map(lambda p: O.filter({'person': p['id']}).count()).coerce_to('array')",
    "P.map(lambda p: {'n': p['name'], 'o': O.get_all(p['id'], index='person')['oid'].coerce_to('array')})",
    "O.map(lambda o: P.get(o['person'])['name'].default('?'))",
    "O.merge(lambda o: {'who': P.get(o['person'])['name'].default(None)}).pluck('oid', 'who')",
]:
    q(src, unordered=True)

# ---------------------------------------------------------------------------------------------
section("writes")
for src in [
    "W.insert({'id': 1, 'v': 1})", "W.insert({'id': 1, 'v': 2})", "W.insert({'id': 1, 'v': 2}, conflict='error')",
    "W.insert({'id': 1, 'v': 2}, conflict='replace')", "W.insert({'id': 1, 'w': 3}, conflict='update')",
    "W.insert({'id': 1, 'w': 3}, conflict='update', return_changes=True)",
    "W.insert({'id': 1, 'w': 4}, conflict='replace', return_changes=True)",
    "W.insert({'id': 1, 'w': 4}, conflict='replace', return_changes='always')",
    "W.insert({'id': 1, 'w': 4}, conflict='update', return_changes='always')",
    "W.insert({'id': 1, 'w': 5}, conflict=lambda id, old, new: old.merge({'w': old['w'].add(new['w'])}), return_changes=True)",
    "W.insert({'id': 1}, conflict=lambda id, old, new: None)", "W.get(1)",
    "W.insert({'id': 1}, conflict=lambda id, old, new: old.merge({'id': 2}))",
    "W.insert({'id': 1}, conflict='nope')", "W.insert({'id': 2, 'v': 1}, durability='soft')",
    "W.insert({'id': 3}, durability='hard', return_changes=False)", "W.insert({'id': 4}, durability='medium')",
    "W.insert([{'id': 10}, {'id': 11}, {'id': 10}])", "W.insert([{'id': 12}, {'id': 11}], return_changes=True)",
    "W.insert([{'id': 20, 'n': 1}, {'id': 21, 'n': 2}], return_changes=True)",
    "W.insert({'v': 'generated'})", "W.insert([{'v': 'g1'}, {'v': 'g2'}])['generated_keys'].count()",
    "W.insert({'v': 'generated'}, return_changes=True)",
    "W.insert({'id': None})", "W.insert({'id': [1, 2]})", "W.insert({'id': {'a': 1}})", "W.insert({'id': r.minval})",
    "W.insert({'id': 'x' * 200})", "W.insert({'id': 'ok', 'v': r.now().type_of()})", "W.insert(1)",
    "W.insert([1, {'id': 30}])", "W.insert([])", "W.insert(r.range(40, 45).map(lambda i: {'id': i}))",
    "W.insert(W.filter(lambda w: w['id'].eq(40)).map(lambda w: w.merge({'id': 46})))",
    "W.insert({'id': 50, 'f': r.expr(1).div(0)})", "W.insert({'id': 51, 'nested': {'a': [1, {'b': None}]}})",
    "W.insert({'id': 52}, return_changes=True, durability='soft', conflict='update')",
    "W.get(1).update({'v': 9})", "W.get(1).update({'v': 9})", "W.get(1).update({'v': 10}, return_changes=True)",
    "W.get(1).update({'v': 10}, return_changes='always')", "W.get(999).update({'v': 1})",
    "W.get(999).update({'v': 1}, return_changes=True)", "W.get(1).update({'id': 2})",
    "W.get(1).update(lambda w: {'v': w['v'].add(1)})", "W.get(1).update(lambda w: {'v': r.js('1')})",
    "W.get(1).update(lambda w: {'v': r.js('1')}, non_atomic=True)",
    "W.get(1).update({'v': r.now().type_of()})", "W.get(1).update(lambda w: W.get(2))",
    "W.get(1).update(lambda w: {'v': W.get(2)['v']})", "W.get(1).update(lambda w: {'v': W.get(2)['v']}, non_atomic=True)",
    "W.get(1).update({'v': r.literal({'a': 1})})", "W.get(1).update({'v': {'b': 2}})", "W.get(1)['v']",
    "W.get(1).update({'v': r.literal()})", "W.get(1).update(1)", "W.get(1).update(None)",
    "W.get(1).update({'w': r.error('stop')})", "W.get(1).update({'w': r.row['nope']})",
    "W.update({'all': True})['replaced']", "W.update({'all': True})", "W.filter({'id': 2}).update({'f': 1}, return_changes=True)",
    "W.between(40, 46).update({'b': 1}, durability='soft')", "W.get_all(40, 41).update({'g': 1})",
    "W.get(1).replace({'id': 1, 'r': 1})", "W.get(1).replace({'id': 1, 'r': 1})",
    "W.get(1).replace({'id': 1, 'r': 2}, return_changes=True)", "W.get(1).replace({'r': 1})",
    "W.get(1).replace({'id': 9, 'r': 1})", "W.get(998).replace({'id': 998})", "W.get(997).replace(None)",
    "W.get(998).replace(None, return_changes=True)", "W.get(1).replace(lambda w: w.merge({'q': 1}))",
    "W.get(1).replace(lambda w: w.without('q'), return_changes='always')", "W.get(1).replace(1)",
    "W.get(1).replace(lambda w: r.branch(w['r'].eq(2), None, w))", "W.get(1)",
    "W.get(2).delete()", "W.get(2).delete()", "W.get(3).delete(return_changes=True)",
    "W.get(3).delete(return_changes='always')", "W.between(40, 43).delete(durability='soft')",
    "W.filter(lambda w: w['id'].eq(43)).delete(return_changes=True)", "W.get_all(44, 45).delete()",
    "W.filter({'id': 20}).limit(1).delete().keys()", "r.expr([1]).delete()", "W.get(1).delete(nope=True)",
    "W.filter(lambda w: w['id'].type_of().eq('NUMBER')).order_by('id')['id']",
    "W.sync()", "D.table('empty').sync()",
    "W.for_each(lambda w: W.get(w['id']).update({'fe': 1}))['replaced'].gt(0)",
    "r.expr([60, 61]).for_each(lambda i: W.insert({'id': i}))",
    "r.expr([60, 61]).for_each(lambda i: [W.insert({'id': i}), W.get(i).update({'z': 1})])",
    "W.count()", "W.filter(lambda w: w['v'].default(None).eq('generated')).count()",
    "W.delete()['deleted'].gt(0)", "W.count()",
    "W.insert({'id': 1, 'arr': [1, 2]})", "W.get(1).update({'arr': r.row['arr'].append(3)})",
    "W.get(1).update({'arr': r.row['arr'].set_insert(1)}, return_changes=True)",
    "W.get(1).update(lambda w: {'arr': w['arr'].change_at(0, 'x')})['replaced']", "W.get(1)['arr']",
    "W.get(1).update(lambda w: r.branch(w['arr'].count().gt(2), {'big': True}, {}))", "W.get(1)",
    "W.insert({'id': 2, 'big': 'x' * 1000})['inserted']", "W.get(2)['big'].count()",
]:
    q(src, unordered=True)

# ---------------------------------------------------------------------------------------------
section("errors and backtraces")
for src in [
    "P.order_by('id').map(lambda u: u['nope'])", "P.get(1).do(lambda u: u['age'].add('x'))",
    "r.expr([{'age': 1}]).map(lambda u: u['age'].add('x'))", "r.expr({'age': 1}).do(lambda u: u['age'].add('x'))",
    "r.expr([1, 2]).map(lambda x: x.add(1).add('a').add(2))", "r.expr([1]).map(lambda x: [x, x['a']])",
    "r.expr([1]).map(lambda x: {'k': x['a']})", "r.expr({'a': {'b': 1}})['a']['c']",
    "r.expr(1).add(2).add('x').mul(3)", "r.expr([1, 2]).filter(lambda x: x['a'])",
    "r.expr([1, 2]).filter(lambda x: x.gt('a'))", "r.expr([1]).order_by(lambda x: x['a'])",
    "r.expr([1, 2]).reduce(lambda a, b: a.add('x'))", "r.expr([1, 2]).concat_map(lambda x: x.add('x'))",
    "r.expr([1, 2]).group(lambda x: x['a'])", "r.expr(1).do(lambda x: r.expr([x]).map(lambda y: y['q']))",
    "r.branch(r.expr(1).add('a'), 1, 2)", "r.branch(True, r.expr(1).add('a'), 2)",
    "r.expr({'a': 1}).merge(lambda o: {'b': o['x']})", "r.expr([1]).contains(lambda x: x['a'])",
    "r.expr([{'a': 1}]).pluck('a').map(lambda x: x['b'])", "P.get(1).update({'v': r.row['nope']})",
    "P.get(1)['nope']", "P.get(99)['name']", "P.filter(lambda p: p['nope'].gt(1), default=r.error('dflt'))",
    "r.expr([1, 2, 3]).map(lambda x: r.branch(x.eq(2), r.error('two'), x))",
    "r.expr(1).add(r.expr(2).mul('b'))", "r.db('diff').table('people').get(1).do(lambda p: p['age'].add(p['name']))",
    "r.expr([[1, 2]]).map(lambda p: p.map(lambda q: q.add('z')))", "r.expr('a').add(1, 2)",
    "r.expr(1).add(2, 'x', 3)", "r.expr(1).eq(1).add(1)", "r.expr([1, 2, 3]).nth(10)",
    "r.expr({'a': 1}).keys().nth(5)", "r.expr(1).coerce_to('array')", "r.table('people').count()",
    "r.expr(1).slice(1)", "r.expr([1]).delete_at(1, 0)", "r.expr(5).limit(1)",
    "r.expr([1]).order_by(r.row.add('x'))", "r.expr({'a': r.expr(1).add('x')})", "r.expr([1, r.expr(1).add('x')])",
    "r.expr(1).do(r.error('in do'))", "r.do(r.expr(1).add('x'), lambda x: x)", "r.expr({}).default(r.expr(1).add('x'))['a']",
    "r.expr(None).default(r.expr(1).add('x'))", "r.expr([1]).union(r.expr(1))", "r.expr(1).type_of().add(1)",
    "r.expr(1).match('a')", "r.expr('a').match(1)", "r.expr([1, 2]).skip('a')", "r.expr([1, 2]).limit('a')",
    "r.expr([1, 2])['a']", "r.expr('abc')['a']", "r.expr({'a': 1}).nth(0)", "r.expr(1).keys()",
    "r.expr([1]).append(1, 2)", "r.db(1)", "r.db('a b')", "D.table(1)", "r.expr([]).sample('x')",
    "r.expr(1).bit_and('a')", "r.expr(1).for_each(lambda x: x)", "r.expr([1]).for_each(lambda x: x)",
    "r.expr([1]).for_each(lambda x: [1])", "r.expr(r.expr(1))['x']",
    "r.expr([1, 2]).map(lambda x: x.add('a')).count()", "r.expr([1]).map(lambda x: x['a']).filter(lambda y: y).limit(1)",
    "P.order_by('id').map(lambda p: p['age'].add(1)).coerce_to('array')", "r.expr([[1]]).concat_map(lambda x: x.map(lambda y: y.add('a')))",
    "r.expr([1, 2]).map(lambda x: x.add('a')).union([3])", "r.do(r.expr([1]).map(lambda x: x['a']), lambda s: s.count())",
    "r.expr({'a': r.expr([1]).map(lambda x: x['a'])})", "r.expr([r.expr([1]).map(lambda x: x['a'])])",
    "r.branch(True, r.expr([1]).map(lambda x: x['a']), 2)", "r.expr([1]).map(lambda x: x['a']).default(5)",
]:
    q(src)

# ---------------------------------------------------------------------------------------------
section("limits")
for src in [
    "r.range(100001).coerce_to('array').count()", "r.range(10).coerce_to('array').count()",
    "r.expr([1, 2, 3]).append(4)", "r.range(5).coerce_to('array').append(1)",
]:
    q(src)
q("r.range(10).coerce_to('array')", run={"array_limit": 5})
q("r.expr([1, 2, 3, 4, 5, 6])", run={"array_limit": 5})
q("r.expr([1, 2, 3]).append(4)", run={"array_limit": 3})
q("r.range(10).map(lambda x: x).coerce_to('array').count()", run={"array_limit": 0})
q("r.expr(1)", run={"array_limit": 1})
q("r.expr(1)", run={"nope": 1})
q("r.expr(1)", run={"db": "nope"})
q("r.table('people').count()", run={"db": "diff"})
q("r.table('nope').count()", run={"db": "diff"})
q("r.expr(1)", run={"read_mode": "outdated"})
q("P.count()", run={"read_mode": "single"})
q("r.expr([1])", run={"profile": False})

# ---------------------------------------------------------------------------------------------
section("changefeeds")
q("F.insert([{'id': 1, 'v': 0}, {'id': 2, 'v': 0}])")
q("F.changes()", feed=True, writes=["F.get(1).update({'v': 1})", "F.insert({'id': 3})", "F.get(3).delete()"], take=4)
q("F.changes(include_initial=True)", feed=True, writes=["F.get(2).update({'v': 2})"], take=4, unordered=True)
q("F.changes(include_states=True)", feed=True, writes=["F.get(2).update({'v': 3})"], take=3)
q("F.changes(include_states=True, include_initial=True)", feed=True, norm=sort_initial, writes=["F.get(2).update({'v': 4})"], take=6)
q("F.changes(include_types=True)", feed=True, writes=["F.insert({'id': 4})", "F.get(4).update({'x': 1})", "F.get(4).delete()"], take=4)
q("F.changes(include_types=True, include_initial=True, include_states=True)", feed=True, norm=sort_initial, writes=["F.get(1).update({'v': 5})"], take=6)
q("F.get(1).changes()", feed=True, writes=["F.get(1).update({'v': 6})", "F.get(2).update({'v': 6})"], take=3)
q("F.get(1).changes(include_initial=True)", feed=True, writes=["F.get(1).update({'v': 7})"], take=3)
q("F.get(99).changes(include_initial=True, include_states=True)", feed=True, writes=["F.insert({'id': 99})"], take=5)
q("F.filter(lambda f: f['v'].gt(6)).changes()", feed=True, writes=["F.get(2).update({'v': 8})", "F.get(1).update({'v': 0})"], take=3)
q("F.map(lambda f: f['v']).changes()", feed=True, writes=["F.get(2).update({'v': 9})"], take=2)
q("F.pluck('id').changes()", feed=True, writes=["F.get(2).update({'v': 10})", "F.insert({'id': 5})"], take=3)
q("F.order_by(index='id').limit(2).changes()", feed=True, writes=["F.insert({'id': 0})"], take=3)
q("F.order_by(index=r.desc('id')).limit(2).changes(include_initial=True)", feed=True, writes=["F.insert({'id': 100})"], take=4)
q("F.between(1, 3).changes()", feed=True, writes=["F.get(2).update({'v': 11})", "F.get(5).update({'v': 11})"], take=2)
q("F.get_all(1, 2).changes()", feed=True, writes=["F.get(1).update({'v': 12})"], take=2)
q("F.changes(squash=True)", feed=True, writes=["F.get(1).update({'v': 13})"], take=2)
q("F.changes(squash=0.1)", feed=True, writes=["F.get(1).update({'v': 14})"], take=2)
q("F.changes(squash=True)", feed=True, take=4, writes=[
    "F.get(2).update({'sq': 1})", "F.insert({'id': 777})", "F.get(777).delete()",
    "F.get(1).update({'sq': 1})", "F.get(1).update({'sq': 2})"])
q("F.changes(squash=0)", feed=True, writes=["F.get(1).update({'sq': 3})"], take=2)
q("F.changes(squash=-1)", feed=True, take=1)
q("F.changes(squash='x')", feed=True, take=1)
q("F.changes(changefeed_queue_size=10)", feed=True, writes=["F.get(1).update({'v': 15})"], take=2)
q("F.changes(changefeed_queue_size=0)", feed=True, take=1)
q("F.changes(include_offsets=True)", feed=True, take=1)
q("r.expr([1]).changes()", feed=True, take=1)
q("F.changes().type_of()")
q("F.changes().count()")
q("F.changes(nope=1)", feed=True, take=1)
q("r.db('rethinkdb').table('jobs').changes()", feed=True, take=1)
q("F.get(1).changes()['new_val']", feed=True, writes=["F.get(1).update({'v': 16})"], take=2)
q("F.changes()['new_val']['v']", feed=True, writes=["F.get(1).update({'v': 17})"], take=2)
q("F.order_by('id').changes()", feed=True, take=1)

# A reader slower than the writes: the server queues 100,000 changes by default.
q("D.table_create('bulk')['tables_created']")
BULK = "B.insert(r.range(%d, %d).map(lambda i: {'id': i}))['inserted']"
q("B.changes()", feed=True, writes=[BULK % (0, 6000)], take=6001, norm=len)
q("B.changes(changefeed_queue_size=100000)", feed=True, writes=[BULK % (6000, 11000)], take=5001, norm=len)
q("B.changes()", feed=True, writes=[BULK % (11000, 16000)], take=5001, norm=len, run={"changefeed_queue_size": 20000})

# ---------------------------------------------------------------------------------------------
section("cluster")


def shape(v):
    """Field names, list lengths (sorted: tables come in no set order) and numbers; strings
    (server names, ids) as `s`, booleans (readiness, which a real server takes a moment to
    reach after a change) as `b`."""
    if isinstance(v, dict):
        return {k: shape(x) for k, x in v.items()}
    if isinstance(v, list):
        return sorted((shape(x) for x in v), key=repr)
    if isinstance(v, bool):
        return "b"
    if isinstance(v, str):
        return "s"
    return v


def key_tree(v):
    """Only the field names, for documents whose values differ by nature (addresses, argv)."""
    if isinstance(v, dict):
        return {k: key_tree(x) for k, x in v.items()}
    return type(v).__name__


C = "D.table('cluster')"
q("D.table_create('cluster')['tables_created']")
q("r.db('rethinkdb').table('server_status').nth(0)", norm=key_tree)
q("r.db('rethinkdb').table('table_status').filter({'name': 'cluster'}).nth(0)", norm=shape)
q("r.db('rethinkdb').table('table_config').filter({'name': 'cluster'}).nth(0)", norm=shape)
q("r.db('rethinkdb').table('current_issues').coerce_to('array')")
for src in [
    C + ".status()", C + ".config()",
    C + ".reconfigure(shards=2, replicas=1, dry_run=True)",
    C + ".reconfigure(shards=1, replicas=1, dry_run=True)",
    C + ".reconfigure(shards=1, replicas={'default': 1}, primary_replica_tag='default', dry_run=True)",
    C + ".reconfigure(shards=3, replicas=1, dry_run='yes')",
    "D.reconfigure(shards=1, replicas=1, dry_run=True)",
    C + ".reconfigure(shards=2, replicas=1)",
    C + ".wait(wait_for='all_replicas_ready', timeout=30)",
    C + ".config()['shards'].count()", C + ".status()['shards'].count()",
    C + ".rebalance()", C + ".wait()",
    C + ".reconfigure(shards=1, replicas=1)", C + ".wait(wait_for='ready_for_writes')",
    C + ".rebalance()", "D.wait()", "D.wait(timeout=30)", "D.rebalance()['rebalanced']",
]:
    q(src, norm=shape)
for src in [
    C + ".reconfigure(shards=1, replicas=2)", C + ".reconfigure(shards=1, replicas=2, dry_run=True)",
    C + ".reconfigure(shards=1, replicas=0)", C + ".reconfigure(shards=0, replicas=1)",
    C + ".reconfigure(shards=65, replicas=1)", C + ".reconfigure(shards=65, replicas=0)",
    C + ".reconfigure(shards=1.5, replicas=1)", C + ".reconfigure(shards='x', replicas=1)",
    C + ".reconfigure(replicas=1)", C + ".reconfigure(shards=1)", C + ".reconfigure(shards=1, replicas='x')",
    C + ".reconfigure(shards=1, replicas={'default': 1})",
    C + ".reconfigure(shards=1, replicas={'default': 2}, primary_replica_tag='default')",
    C + ".reconfigure(shards=1, replicas={'foo': 1}, primary_replica_tag='foo')",
    C + ".reconfigure(shards=1, replicas={'default': 1}, primary_replica_tag='foo')",
    C + ".reconfigure(shards=1, replicas=1, nonvoting_replica_tags=['default'])",
    C + ".reconfigure(shards=1, replicas=1, nope=1)",
    C + ".reconfigure(emergency_repair='unsafe_rollback')", C + ".reconfigure(emergency_repair='nope')",
    C + ".wait(wait_for='nope')", C + ".wait(wait_for=1)", C + ".wait(timeout=0)", C + ".wait(timeout=0.5)",
    C + ".wait(timeout='x')", C + ".wait(nope=1)", "D.wait(timeout=0)",
    "r.db('rethinkdb').table('jobs').wait()", "r.db('rethinkdb').wait()",
    "r.db('rethinkdb').table('jobs').rebalance()", "r.db('rethinkdb').rebalance()",
    "r.db('rethinkdb').reconfigure(shards=1, replicas=1)",
    "r.db('nope').reconfigure(shards=1, replicas=1)", "D.table('nope').rebalance()",
]:
    q(src)
q("r.db_create('diff_empty')['dbs_created']")
for src in [
    "r.db('diff_empty').reconfigure(shards=1, replicas=1)", "r.db('diff_empty').rebalance()",
    "r.db('diff_empty').wait(timeout=0)", "r.db_drop('diff_empty')['dbs_dropped']",
]:
    q(src)
