//! Differential test against the official JavaScript driver: compiles extra expressions the
//! corpus lacks with rdbsh and with `js_oracle.js`, and compares the normalized terms. Runs
//! when RDBSH_JS_DRIVER names the driver (a `node_modules/rethinkdb` directory or the npm
//! prefix holding it) and `node` is on PATH.
// Tests state expectations with unwrap, expect and panic (denied outside tests, Cargo.toml).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use rdbsh::reql::compile_query;
use serde_json::{Value, json};

use common::term::{normalize, same, shared_dir};

const EXPRESSIONS: &[&str] = &[
    "r.table('users').filter({active: true}).orderBy(r.desc('createdAt')).limit(10)",
    "r.table('t').orderBy({index: r.desc('id')})",
    "r.table('t').orderBy('a', r.desc('b'), {index: 'c'})",
    "r.table('t').orderBy(r.row('a').add(1), r.asc(r.row('b')))",
    "r.table('t').getAll('a', 'b', {index: 'tag'})",
    "r.table('t').getAll({a: 1})",
    "r.table('t').getAll(r.args(['a','b']), {index:'tag'})",
    "r.table('t').getAll(1, 2, 3)",
    "r.table('t').max({index: 'x'})",
    "r.table('t').max('b', {index:'x'})",
    "r.table('t').min(r.row('a'))",
    "r.expr([1,2,3]).slice(1, {rightBound: 'closed'})",
    "r.expr([1,2,3]).slice(1, 2, {leftBound:'open'})",
    "r.expr([1,2,3]).slice(1)",
    "r.table('t').indexCreate('a', {multi: true})",
    "r.table('t').indexCreate('a', r.row('b'), {geo:true})",
    "r.table('t').indexCreate('a', function(x){return x('b')})",
    "r.table('t').reconfigure({shards: 2, replicas: 3, dryRun: true})",
    "r.table('t').insert({a: 1}, {returnChanges: true, conflict: 'replace'})",
    "r.table('t').insert([{id: 1}, {id: 2}])",
    "r.table('t').update({count: r.row('count').add(1)})",
    "r.table('t').update({a: r.row('a').default(0).add(1)}, {returnChanges: 'always'})",
    "r.table('t').filter(r.row('a').gt(1), {default: r.row})",
    "r.do(1, 2, function(a, b){ return a.add(b) })",
    "r.expr(1).do(5)",
    "r.expr(1).do(function(){ return 1 })",
    "r.table('t').map(r.table('u'), function(a, b){return [a,b]})",
    "r.table('t').eqJoin('a', r.table('u'), {index: 'b'}).zip()",
    "r.table('t').group('a', {index: 'b'})",
    "r.table('t').group(r.row('a'), r.row('b')).count()",
    "r.union(r.expr([1]), r.expr([2]), {interleave: false})",
    "r.expr([1]).union([2], {interleave: false})",
    "r.table('t').changes({includeInitial: true, squash: 0.5})",
    "r.table('t').between(1, 10, {index: 'id', leftBound: 'open'})",
    "r.range(10).fold(0, function(acc, x){return acc.add(x)}, {emit: function(a,b,c){return [c]}})",
    "r.table('t').config()",
    "r.table('t').config(1)",
    "r.table('t').rebalance()",
    "r.js('1+1', {timeout: 1.5})",
    "r.http('http://example.com', {resultFormat: 'json', timeout: 3})",
    "r.now().during(r.time(2020,1,1,'Z'), r.time(2021,1,1,'Z'), {leftBound:'closed'})",
    "r.expr([r.minval, r.maxval, r.monday, r.december])",
    "r.expr({'2':'two', b:1, '1':'one'})",
    "r.expr(60*60*24)",
    "r.expr('a'+'b')",
    "r.expr(-0)",
    "r.expr(1e21)",
    "r.expr(0.1+0.2)",
    "r.expr(0xff)",
    "r.expr(-1.5e-7)",
    "r.expr(2**10 % 7)",
    "r.expr('n=' + 5)",
    "r.expr([1,2]).map(x => x.mul(2))",
    "r.table('t').filter(doc => doc('age').gt(18))",
    "r.expr([1,2]).reduce((a, b) => { return a.add(b) })",
    "r.table('t').filter(function(d){ return d('a').eq(1).and(d('b').ne(2)) })",
    "r.table('t').pluck('a', {b: ['c']})",
    "r.row('a')('b')",
    "r.table('t').get(1).update({x: r.literal({y: 1})})",
    "r.expr([1,2,3]).contains(r.row.gt(2))",
    "r.expr('a,b').split(',')",
    "r.table('t').forEach(function(x){ return r.table('u').insert(x) })",
    "r.db('d').tableCreate('t', {primaryKey: 'k'})",
    "r.table('t', {readMode: 'outdated'})",
    "r.db('test').table('t').getIntersecting(r.circle([0,0], 10, {unit: 'km'}), {index: 'g'})",
    "r.point(1,2).distance(r.point(3,4), {unit: 'km'})",
    "r.table('t').getNearest(r.point(1,2), {index:'g', maxResults: 5})",
    "r.expr(new Date('2020-01-01T00:00:00Z'))",
    "r.expr(new Date(0))",
    "r.binary(Buffer.from('aGVsbG8=', 'base64'))",
    "r.expr([1,2,3]).map(function(x){ return {v: x} })",
    "r.table('t').filter(r.table('u').filter(r.row('a')).count())",
    "r.table('t').filter(r.row('tags').contains('x'))",
    "r.table('t').concatMap(r.row('items'))",
    "r.table('t').wait({waitFor: 'ready_for_writes', timeout: 5})",
    "r.table('t').distinct({index: 'a'})",
    "r.table('t').delete({durability: 'soft'})",
    "r.table('t').replace(function(d){return d.without('x')}, {nonAtomic: true})",
    "r.branch(r.row('a'), 1, 2)",
    "r.table('t').filter(r.branch(r.row('a').gt(1), true, false))",
    "r.object('a', 1)",
    "r.random(1, 10, {float: true})",
    "r.expr(1).add(2).mul(3).div(4).mod(5)",
    "r.table('t').sum(function(x){return x('a')})",
    "r.expr([3,1,2]).orderBy(r.row)",
    "r.table('t').grant('bob', {read: true})",
    "r.grant('bob', {read: true})",
    "r.table('t').setWriteHook(function(ctx, old, nw){ return nw })",
    "r.expr({a: r.error})",
    "r.expr([1]).default(r.error)",
    "r.table('t').count",
    "r.table('t').filter(r.row('a').eq(1)).update(function(d){ return {b: d('a')} })",
    "r.expr([1,2,3]).map(r.row.mul(2)).filter(function(x){ return x.gt(2) })",
    "var t = r.table('t'); t.count()",
    "var o = {index: 'x'}; r.table('t').getAll(1, o)",
    "r.table('t').filter(function(x){ var y = x('a'); return y.gt(1) })",
    "r.expr(function(){ var a = []; for (var i = 0; i < 3; i++) { a.push(i * 2) } return a }())",
    "r.expr([1, [2, [3]]])",
    "r.table('t').orderBy(function(d){ return d('a') })",
    "r.expr(1).do(r.row.add(1))",
    "r.table('t').indexCreate('a', {})",
    "r.table('t').innerJoin(r.table('u'), function(a, b){ return a('x').eq(b('y')) })",
    "r.table('t').filter({a: {b: r.row('c')}})",
    "r.expr(1).eq(1, 1)",
    "r.table('t').getAll('x', {index: 'y'}).update({z: 1}, {durability: 'hard'})",
    "r.expr('\\u00e9\\t\\x41')",
    "r.expr(`template`)",
    "r.expr(.5 + 5.)",
    "r.expr([[1]], null)",
    "r.expr({a: [[1]]}, null)",
    "r.table('t').indexCreate('a', r.row('x'), 'b')",
    "r.table('t').indexCreate('a', r.row('x'), ['m', undefined, 2])",
    "r.table('t').indexCreate('a', r.row('x'), Buffer.from('ab'))",
    "r.table('t').indexCreate('a', r.row('x'), 5)",
    "r.table('t').slice(1, 2, 'ab')",
    "r.table('t').reconfigure('xy')",
    "r.table('t').reconfigure(3)",
    "r.expr(new Date(Date.UTC(2020, 0, 15, 10, 30)))",
    "r.expr(Date.UTC(2020, 1, 29, 23, 59, 59, 999))",
    "r.expr(Date.UTC(99, 0))",
    "r.epochTime(Date.UTC(2021, 5, 1) / 1000)",
    "r.expr(new Date(2020.7, 13, 35, 25, 61, 61, 1001))",
    "r.expr({constructor: 1, toString: 2, __proto__: 3})",
    "r.expr({__proto__: {a: 1}, b: 2})",
    "r.table('marvel').getAll('man_of_steel', 'batman', {index:'code_name'})",
    "r.table('dc').between(['Gotham', 'Batman'], ['Gotham', 'Joker'], {index: 'city_character'})",
    "r.table('users').filter(r.row('contact')('phone')('work').default(false))",
    "r.db('test').tableCreate('t', {replicas: {us_east: 2, us_west: 1}, primaryReplicaTag: 'us_east'})",
    "r.table('t').reconfigure({shards: 2, replicas: {west: 2, east: 1}, primaryReplicaTag: 'west', nonvotingReplicaTags: ['east']})",
    "r.table('users').indexCreate('fullName', function(user){ return r.add(user('last'), '_', user('first')) })",
    "r.table('marvel').indexStatus('code_name', 'power')",
    "r.table('comments').setWriteHook(function(context, oldVal, newVal){ return newVal.merge({modified_at: context('timestamp')}) })",
    "r.table('posts').insert({id: 1}, {conflict: (id, o, n) => o.merge(n)})",
    "r.table('posts').get(1).update({numComments: r.table('comments').filter({idPost: 1}).count()}, {nonAtomic: true})",
    "r.table('users').get(1).update({address: r.literal()})",
    "r.table('marvel').innerJoin(r.table('dc'), function(m, d){ return m('strength').lt(d('strength')) }).zip()",
    "r.table('players').eqJoin(function(p){ return p('games').nth(0) }, r.table('games'))",
    "r.table('marvel').orderBy(r.desc(function(doc){ return doc('a').add(doc('b')) }))",
    "r.table('marvel').union(r.table('dc'), {interleave: r.desc('name')})",
    "r.table('games').group('player', {multi: true}).count()",
    "r.table('t').orderBy('id').fold({}, (acc, row) => acc.merge(row), {emit: (p, row, acc) => [acc], finalEmit: acc => [acc]})",
    "r.table('marvel').get('IronMan').pluck({abilities: {damage: true, mana_cost: true}, weapons: true})",
    "r.expr(['a','b','c','d']).deleteAt(1, 3)",
    "r.expr('name@domain.com').match('.*@(.*)')('groups')(0)('str')",
    "r.random(1.59, 2.79, {float: true})",
    "r.ISO8601('1986-11-03T08:30:00', {defaultTimezone: '-07:00'})",
    "r.table('posts').filter(r.row('date').during(r.time(2013, 12, 1, 'Z'), r.time(2013, 12, 10, 'Z'), {leftBound: 'open', rightBound: 'closed'}))",
    "r.branch(r.row('victories').gt(100), r.row('name').add(' is a superhero'), r.row('victories').gt(10), r.row('name').add(' is a hero'), r.row('name').add(' is very nice'))",
    "r.http('https://api.example.com', {header: {'User-Agent': 'x'}, auth: {type: 'basic', user: 'a', pass: 'b'}, params: {q: 1}, resultFormat: 'text'})",
    "r.http('http://example.com', {page: function(info){ return info('body')('meta')('next').default(null) }})",
    "r.circle([-122.42, 37.77], 1000, {unit: 'km', numVertices: 64, geoSystem: 'WGS84', fill: false})",
    "r.table('geo').getNearest(r.point(-122.4, 37.7), {index: 'location', maxDist: 5000, unit: 'm', maxResults: 10})",
    "r.table('messages').changes({squash: true, changefeedQueueSize: 100000, includeOffsets: true, includeTypes: true})",
    "r.table('messages').orderBy({index: r.desc('ts')}).limit(10).changes()",
    "r.db('rethinkdb').table('users').get('bob').update({password: {password: 'x', iterations: 2048}})",
    "// Latest comments\nr.table('comments')\n  .orderBy({index: r.desc('createdAt')})\n  .limit(20)\n  .eqJoin('postId', r.table('posts'))\n  .map(function (row) {\n    return { comment: row('left')('text'), post: row('right')('title') };\n  })",
    "var db = r.db('blog');\nvar comments = db.table('comments');\ndb.table('posts').merge(function(p) {\n  return { comments: comments.getAll(p('id'), {index: 'postId'}).coerceTo('array') };\n})",
    "var day = 24 * 60 * 60;\nr.table('sessions').filter(r.row('lastSeen').lt(r.now().sub(30 * day))).delete()",
    "r.table('users').filter(function (user) {\n  return user('email').match('@example\\\\.com$').and(user('age').gt(21));\n}).count()",
    "var i = 0; r.expr([1, 2]).map(function(x){ i++; return x.add(i) })",
    "r.expr({'key with spaces': 1, '$dollar': 3, 'ünïcode': 5, 1.5: 'x', 0x10: 'y'})",
    "r.expr([1e3, 0b101, 0o17, 1_000, 9007199254740993, 5e-324])",
    "r.table('files').insert({id: 'h', data: Buffer.from('68656c6c6f', 'hex')})",
    "r.tableList().setDifference(['users', 'posts']).forEach(r.tableCreate(r.row))",
    "r.table('t').map(function(x){ return r.row('a') })",
    "r.table('t').insert({a: 1}, null)",
    "r.table('t').delete({durability: 'soft'}, 2)",
    "r.circle([0, 0], 1, 2)",
    "r.table('t').map((...xs) => xs[0])",
    "r.expr(new Date('invalid'))",
    "r.expr([[1]], 1.5)",
    "const ids = [1, 2, 3];\nr.table('t').getAll(...ids, {index: 'n'})",
    "r.expr([...'héllo', ...[1, [2]], ...Buffer.from('a')])",
    "r.do(...[1, 2], function(a, b){ return a.add(b) })",
    "r.table('t').insert({a: 1}, ...[{returnChanges: true}])",
    "var base = {createdAt: r.now(), tags: []};\nr.table('posts').insert({...base, title: 'Hi'})",
    "r.expr({...[5, 6], ...'xy', ...null, ...undefined, ...5, ...true, z: 1})",
    "r.expr({x: 1, y: 2, ...{y: 3, z: 4}, x: 5})",
    "var opts = {returnChanges: true}; r.table('t').insert({a: 1}, {...opts, durability: 'soft'})",
    "r.expr({a1:1,a2:2,a3:3,a4:4,a5:5,a6:6,a7:7,a8:8,a9:9,a10:10,a11:11,a12:12,a13:13,a14:14,a15:15,a16:16,a17:17, ...{a3: 'x', b: 1}, a4: 'y', b: 2})",
    "function f(...xs) { return r.expr(xs) } f(...'ab', 3)",
    "r.table('t').get(`${'a'}-${1 + 2}`)",
    "var id = 42;\nr.table('users').get(`user:${id}`)",
    "var name = 'bob';\nr.table('users').filter(r.row('name').match(`(?i)^${name}$`))",
    "r.expr(`a${`b${1}c`}d`)",
    "r.expr(`multi\nline ${1}\nend`)",
    "r.expr(`${{a: 1}.a}`)",
    "r.expr(`${null}-${true}-${undefined}-${1.5}`)",
    "r.http(`https://api.example.com/users/${7}/posts`, {resultFormat: 'json'})",
    "r.expr(`\\${not} a sub`)",
    "var field = 'views';\nr.table('t').get(1).update({[field]: r.row(field).add(1)})",
    "r.expr({a: 1, ['a']: 2, [1+1]: 3, [null]: 4, b: 5, ['b']: 6})",
    "var lang = 'en'; r.table('docs').pluck({[`title_${lang}`]: true})",
    "r.expr({[1.50]: 'x', [undefined]: 1, [true]: 2})",
    // The JavaScript standard library on plain values, as pasted application code uses it:
    "r.expr(parseInt('08'))",
    "r.expr(parseInt('  12abc', 10))",
    "r.expr(parseInt('ff', 16))",
    "r.expr(parseInt('0x1A'))",
    "r.expr(parseInt(''))",
    "r.expr(parseInt('-0'))",
    "r.expr(parseInt(12.9))",
    "r.expr(parseInt('123456789012345678901234567890'))",
    "r.expr(['1','2','3'].map(parseInt))",
    "r.expr(['1','2','3'].map(Number))",
    "r.expr([1, 'a', null].map(String))",
    "r.expr(parseFloat('3.14abc'))",
    "r.expr(parseFloat('.5.5'))",
    "r.expr(parseFloat('-.5e-3x'))",
    "r.expr(Number(''))",
    "r.expr(Number('  42  '))",
    "r.expr(Number('4a'))",
    "r.expr(Number(null))",
    "r.expr(Number(true))",
    "r.expr(Number([7]))",
    "r.expr(Number([1,2]))",
    "r.expr(isNaN('abc'))",
    "r.expr(isFinite('12'))",
    "r.expr(String(null))",
    "r.expr(String([1,[2,3],null]))",
    "r.expr(String({}))",
    "r.expr(String(1e21))",
    "r.expr(Boolean(''))",
    "r.expr(Boolean('0'))",
    "r.expr(JSON.stringify({b: 1, a: [1, 'x', null, undefined], c: undefined, '2': true, '1': 0}))",
    "r.expr(JSON.stringify([undefined, function(){}]))",
    "r.expr(JSON.stringify('he said \"hi\"\\n\\t\\u0001'))",
    "r.expr(JSON.stringify({a: {b: [1, {c: 2}]}, d: []}, null, 2))",
    "r.expr(JSON.stringify({a: 1, b: [1,2]}, null, '\\t'))",
    "r.expr(JSON.stringify(new Date(0)))",
    "r.expr(JSON.stringify(NaN))",
    "r.expr(JSON.stringify(-0))",
    "r.expr(JSON.stringify(1e21))",
    "r.expr(JSON.stringify({}))",
    "r.expr(JSON.stringify({a: undefined}, null, 2))",
    "r.expr(JSON.parse('{\"b\": 1, \"a\": [1, 2.5, \"x\", null, true], \"2\": 0, \"1\": 1}'))",
    "r.expr(JSON.parse('[]'))",
    "r.expr(JSON.parse('\"x\"'))",
    "r.expr(JSON.parse('12345678901234567890'))",
    "r.expr(JSON.parse('{\"a\": 1, \"a\": 2}'))",
    "r.expr(JSON.parse('{bad}'))",
    "r.expr(Object.keys({b: 1, a: 2, '10': 3, '9': 4}))",
    "r.expr(Object.values({b: 1, a: 2}))",
    "r.expr(Object.entries({b: 1, a: [2]}))",
    "r.expr(Object.keys([5, 6]))",
    "r.expr(Object.keys('ab'))",
    "r.expr(Object.assign({a: 1}, {b: 2}, null, {a: 3}))",
    "r.expr(Object.fromEntries([['a', 1], ['b', 2]]))",
    "r.expr(Object.assign({}, 'ab', [1], {c: 2}))",
    "r.expr(Array.isArray([]))",
    "r.expr(Array.isArray('a'))",
    "r.expr(Array.of(1, 2))",
    "r.expr(Array.from('abc'))",
    "r.expr(Array.from([1, 2], x => x * 10))",
    "r.expr(Number.isInteger(5.0))",
    "r.expr(Number.isInteger('5'))",
    "r.expr(Number.MAX_SAFE_INTEGER + 2)",
    "r.expr(Number.EPSILON > 0)",
    "r.expr(String.fromCharCode(72, 105))",
    "r.expr(encodeURIComponent('a b/c?d=é&'))",
    "r.expr(encodeURI('http://x.com/a b?q=é#f'))",
    "r.expr(decodeURIComponent('a%20b%2Fc'))",
    "r.expr(decodeURI('a%20b%2Fc'))",
    "r.expr('Hello'.toUpperCase())",
    "r.expr('ÄÖ straße'.toUpperCase())",
    "r.expr('  pad \\n'.trim())",
    "r.expr('\\u00a0x\\ufeff'.trim())",
    "r.expr('abcdef'.slice(-3, -1))",
    "r.expr('abcdef'.slice(2))",
    "r.expr('abcdef'.substring(4, 1))",
    "r.expr('abcdef'.substring(-2, 2))",
    "r.expr('abcdef'.substr(-3, 2))",
    "r.expr('abc'.charAt(5))",
    "r.expr('abc'.charCodeAt(1))",
    "r.expr('abc'.at(-1))",
    "r.expr('abcabc'.indexOf('c', 3))",
    "r.expr('abcabc'.lastIndexOf('b'))",
    "r.expr('abcabc'.lastIndexOf('b', 3))",
    "r.expr('abc'.indexOf(''))",
    "r.expr('abc'.includes('bc'))",
    "r.expr('abc'.startsWith('b', 1))",
    "r.expr('abc'.endsWith('b', 2))",
    "r.expr('a,b,,c'.split(','))",
    "r.expr('abc'.split(''))",
    "r.expr('abc'.split())",
    "r.expr('a b c'.split(' ', 2))",
    "r.expr('a-b-c'.replace('-', '+'))",
    "r.expr('a-b-c'.replaceAll('-', '+'))",
    "r.expr('a-b'.replace('-', '[$&$$]'))",
    "r.expr('a-b'.replace('-', function(m, i) { return m + i }))",
    "r.expr('aaa'.replaceAll('', '-'))",
    "r.expr('ab'.repeat(3))",
    "r.expr('5'.padStart(3, '0'))",
    "r.expr('5'.padEnd(4, 'ab'))",
    "r.expr('a'.concat('b', 1, null))",
    "r.expr('😀a'.length)",
    "r.expr('😀a'.slice(2))",
    "r.expr([1, 2].concat(3, [4, [5]]))",
    "r.expr([1, null, undefined, 'x'].join('-'))",
    "r.expr([1, 2, 3].join())",
    "r.expr([1, 2, NaN].indexOf(NaN))",
    "r.expr([1, 2, NaN].includes(NaN))",
    "r.expr([1, 2, 3, 2].lastIndexOf(2))",
    "r.expr([1, 2, 3, 4].slice(1, -1))",
    "r.expr([1, 2, 3].map((x, i) => x * i))",
    "r.expr([1, 2, 3, 4].filter(x => x % 2 == 0))",
    "r.expr([1, 2, 3].reduce((a, b) => a + b))",
    "r.expr([[1, 2], [3]].reduce((a, b) => a.concat(b), []))",
    "r.expr([1, 2, 3].some(x => x > 2))",
    "r.expr([1, 2, 3].every(x => x > 2))",
    "r.expr([1, 2, 3].find(x => x > 1))",
    "r.expr([1, 2, 3].findIndex(x => x > 5))",
    "r.expr([1, 2, 3].reverse())",
    "r.expr([10, 9, 1, 100].sort())",
    "r.expr([10, 9, 1, 100].sort((a, b) => a - b))",
    "r.expr(['b', undefined, 'a'].sort())",
    "r.expr([3, 1, 2].sort((a, b) => b - a).slice(0, 2))",
    "r.expr([1, [2, [3]]].flat())",
    "r.expr([1, 2, 3].at(-1))",
    "r.expr([1, 2].toString())",
    "r.expr((255).toString(16))",
    "r.expr((255).toString(2))",
    "r.expr((3.5).toString())",
    "r.expr((1.005).toFixed(2))",
    "r.expr((2.5).toFixed(0))",
    "r.expr((-1.5).toFixed(0))",
    "r.expr((1234.5678).toFixed(1))",
    "r.expr((0.000001).toFixed(7))",
    "r.expr((1e21).toFixed(2))",
    "r.expr(true.toString())",
    "r.expr(new Date(0).toISOString())",
    "r.expr(new Date(Date.UTC(2020, 1, 29, 12)).getUTCDay())",
    "r.expr(new Date(1e15).getUTCFullYear())",
    "r.table('users').getAll(r.args(['A@x.com', 'b@X.com'].map(e => e.toLowerCase())), {index: 'email'})",
    "r.table('t').getAll(...['1', '2'].map(Number))",
    "r.table('t').insert([1, 2, 3].map(i => ({id: i, name: 'user' + i})))",
    "r.table('t').filter(r.row('tags').contains(...'a,b'.split(',')))",
    "r.table('posts').get(parseInt('42', 10)).update({views: r.row('views').add(1)})",
    "r.table('t').insert(JSON.parse('{\"id\": 1, \"tags\": [\"x\"]}'))",
    "r.table('t').pluck(Object.keys({a: 1, b: 1}))",
    "r.table('t').filter(function(doc) { return r.expr(['a', 'b'].map(function(k) { return doc(k) })).contains('x') })",
    "r.expr([1, 2]).map(function(x) { return [1, 2].map(function(y) { return x.add(y) }) })",
    "r.expr(['x', 'y'].map(r.expr))",
    "r.table('t').filter(r.row('name').toUpperCase().eq('A'))",
    "r.table('t').filter(r.row('tags').length.gt(2))",
    "r.table('t').filter(function(d) { return d('tags').includes('a') })",
    "r.expr('abc'.toUpperCase(r.expr(1)))",
    "r.expr(new Date(2015, 0, 1, 10, 30))",
    "r.expr(new Date('March 7, 2015'))",
    "r.expr(new Date('Sat, 07 Mar 2015 10:00:00 GMT'))",
    "r.expr(new Date('2015/03/07'))",
    "r.expr(new Date('2015-01-01').getFullYear())",
    "r.table('t').filter(r.row('ts').gt(new Date(2015, 0, 1).getTime()))",
    // Destructuring, for...of / for...in and optional chaining in pasted code:
    "var {a, b: c = 5, d = 7} = {a: 1, d: 2}; r.expr([a, c, d])",
    "var [x, , y = 3, ...rest] = [1, 2, undefined, 4, 5]; r.expr([x, y, rest])",
    "var {p: {q: [z]}} = {p: {q: [9]}}; r.expr(z)",
    "const {'my-key': mk} = {'my-key': 'v'}; r.expr(mk)",
    "let [[i, j], k] = [[1, 2], 3]; r.expr(i + j + k)",
    "var {length} = 'abc'; r.expr(length)",
    "r.expr(Object.entries({a: 1, b: 2}).map(([k, v]) => k + v))",
    "r.expr([{id: 1, n: 'a'}, {id: 2, n: 'b'}].map(({id, n}) => n + id))",
    "r.expr([[1, 2]].map(function ([a, b]) { return a * b }))",
    "r.expr(((({a = 1}) => a))({}))",
    "r.expr((function ({x}, [y]) { var s = x + y; return s })({x: 1}, [2]))",
    "r.table('t').insert([{id: 1}, {id: 2}].map(({id}) => ({id, at: 0})))",
    "var s = 0; for (var v of [1, 2, 3]) { s += v } r.expr(s)",
    "var out = []; for (const ch of 'héllo') out.push(ch); r.expr(out)",
    "var ks = []; for (let k in {b: 1, a: 2, 10: 3, 2: 4}) ks.push(k); r.expr(ks)",
    "var ks = []; for (var k in ['x', 'y']) ks.push(k); r.expr(ks)",
    "var ks = []; for (var k in null) ks.push(k); r.expr(ks)",
    "var acc = []; for (const [k, v] of Object.entries({a: 1, b: 2})) { acc.push(k + '=' + v) } r.expr(acc.join('&'))",
    "var q = r.table('t'); var f = {status: 'open', kind: 'bug'}; for (var k in f) { q = q.filter(r.row(k).eq(f[k])) } q",
    "var t = 0; for (var n of [1, 2, 3, 4]) { if (n == 3) break; t += n } r.expr(t)",
    "var t = 0; for (var n of [1, 2, 3, 4]) { if (n % 2) continue; t += n } r.expr(t)",
    "r.expr((function () { for (var n of [5, 6]) { return n } })())",
    "var o = null; r.expr(o?.a ?? 'dflt')",
    "var o = {a: {b: 2}}; r.expr(o?.a?.b)",
    "var o = {}; r.expr(o.a?.b ?? 'none')",
    "var f = null; r.expr(f?.() ?? 'nf')",
    "var g = function () { return 3 }; r.expr(g?.())",
    "var a = null; r.expr(a?.[0] ?? 'na')",
    "var a = [7]; r.expr(a?.[0])",
    "var s = undefined; r.expr(s?.toUpperCase() ?? '')",
    "var s = 'x'; r.expr(s?.toUpperCase())",
    "r.table('t')?.count()",
    "var u = {name: 'A'}; r.table('t').filter({name: u?.name})",
    // JavaScript's edge rules the library follows (found by differential fuzzing):
    "r.expr('a,b,c'.split(',', -1))",
    "r.expr('a,b,c'.split(',', NaN))",
    "r.expr('a,b,c'.split(',', 4294967297))",
    "r.expr(String(Math.max(1, NaN)))",
    "r.expr(String(1 / Math.min(0, -0)))",
    "r.expr(String(Math.pow(1, NaN)))",
    "r.expr(String(1 ** NaN))",
    "r.expr(String(Math.round(0.49999999999999994)))",
    "r.expr(String(Math.round(9007199254740991)))",
    "r.expr(String(1 / Math.round(-0.4)))",
    "r.expr(String(Math.floor([7])))",
    "r.expr(Math.hypot(3, 4))",
    "r.expr([1, 2, 1].indexOf(1, 1))",
    "r.expr([1, 2, 1].includes(1, 3))",
    "r.expr([1, 2, 1].lastIndexOf(1, 1))",
    "r.expr([1, 2, 1].lastIndexOf(1, -2))",
    "r.expr([7, 8].at(NaN))",
    "r.expr([1, [2, [3, [4]]]].flat(2))",
    "r.expr([1, [2, [3, [4]]]].flat(Infinity))",
    "r.expr([[1, [2]]].flat(0))",
    "r.expr(Number('0o17'))",
    "r.expr(Number('0b11'))",
    "r.expr(parseInt('36', 4294967312))",
    "r.expr('x'.repeat(-0.5))",
    "r.expr(JSON.parse('7641359882510492.0'))",
    "r.expr(JSON.parse('3825291908.0576997'))",
    "r.expr(JSON.parse('{\"__proto__\":1, \"a\": 2}'))",
    "r.expr(new Date(1.5).getTime())",
    "r.expr(new Date(-62198755200000).toISOString())",
    "r.expr(new Date(253402300800000).toISOString())",
    "r.expr(new Date(-62198755200000))",
    "r.expr(new Date('2015'))",
    "r.expr(new Date('2015-03-07T10:00+01:00'))",
    "r.expr(new Date('2015-03-07T24:00:00Z'))",
    "r.expr(new Date('Thu, 07 Mar 2015 10:00:00 +0100'))",
    "r.expr(new Date('Mar 7 2015'))",
    "r.expr(new Date('March 7, 2015 10:00 PM'))",
    "r.expr(new Date('03/07/15'))",
    "r.expr(new Date(null))",
    "r.expr(new Date(true))",
    "r.expr(Array.from({length: 3}, (_, i) => i * 2))",
    "r.expr(Array(3).fill(0))",
    "r.expr(new Array(2, 3))",
    "r.expr('k=' + [1, 2])",
    "r.expr('😀'.codePointAt(0))",
    "r.expr(Object.keys(JSON.parse('{\"__proto__\":1}')))",
    "r.expr({['__proto__']: 1, b: 2})",
    "r.expr(String(new Date(NaN)))",
    "r.expr(new Date('Thu, 24 May 0001 23:19:17 +0000'))",
    "r.expr(new Date('2015-03-07t10:00:00z'))",
    // Refused by the driver:
    "r.table('t').getAll(...r.expr([1]))",
    "r.table('t').getAll(...null)",
    "r.table('t').filter()",
    "r.table('t').insert({a: 1}, {b: 2}, 3)",
    "r.expr([1])(1, 2)",
    "r.table('t').indexCreate()",
    "r.expr(undefined)",
    "r.expr(1).add(undefined)",
    "r.expr({a: undefined})",
    "r.expr(NaN)",
    "r.expr([[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]])",
    "r.expr([[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]])",
    "r.expr([1]).map(function(x){ x.add(1) })",
    "r.binary('abc')",
    "r.table('t').between(1)",
    "r.expr(1).do()",
    "var o = {}; for (var x of 5) {} r.expr(1)",
    "r.expr(-1 ** 2)",
    "r.expr(2 * -1 ** 2)",
    "var {a2} = null; r.expr(1)",
    "r.table('t').map(({id}) => id)",
];

/// The official driver's answers, one JSON value per line of `input`, from `js_oracle.js`
/// run with `args` (and `TZ` when given).
fn oracle(driver: &PathBuf, args: &[&str], input: &str, tz: Option<&str>) -> Vec<Value> {
    let mut cmd = Command::new("node");
    cmd.arg(shared_dir().join("oracle/js_oracle.js"))
        .args(args)
        .env("RETHINKDB_JS_DRIVER", driver)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    if let Some(tz) = tz {
        cmd.env("TZ", tz);
    }
    let mut child = cmd.spawn().expect("node runs the oracle");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write to the oracle");
    let out = child.wait_with_output().expect("oracle output");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("oracle JSON"))
        .collect()
}

/// Skips a differential check for `why`, or fails when CI requires the judges
/// (`RDBSH_REQUIRE_JUDGES=1`): there a check that cannot run must not pass unseen.
fn skip(why: &str) {
    assert!(
        std::env::var("RDBSH_REQUIRE_JUDGES").as_deref() != Ok("1"),
        "cannot run with RDBSH_REQUIRE_JUDGES=1: {why}"
    );
    println!("skipped: {why}");
}

/// The driver's package directory from RDBSH_JS_DRIVER (the package or the npm prefix).
fn driver_dir() -> Option<PathBuf> {
    let driver = PathBuf::from(std::env::var_os("RDBSH_JS_DRIVER")?);
    Some(if driver.join("node_modules/rethinkdb").is_dir() {
        driver.join("node_modules/rethinkdb")
    } else {
        driver
    })
}

#[test]
fn extra_expressions_match_the_driver() {
    let Some(driver) = driver_dir() else {
        return skip("set RDBSH_JS_DRIVER to the rethinkdb@2.4.2 npm package");
    };
    let mut input = String::new();
    for (i, js) in EXPRESSIONS.iter().enumerate() {
        input.push_str(&json!({"id": i, "js": js}).to_string());
        input.push('\n');
    }
    let lines = oracle(&driver, &["--jsonl"], &input, None);
    assert_eq!(
        lines.len(),
        EXPRESSIONS.len(),
        "one oracle answer per expression"
    );
    let mut misses = Vec::new();
    for (js, want) in EXPRESSIONS.iter().zip(&lines) {
        let got = compile_query(js);
        match (want["ok"].as_bool(), got) {
            (Some(true), Ok(q)) if same(&normalize(&q.term()), &normalize(&want["term"])) => {}
            (Some(true), Ok(q)) => misses.push(format!(
                "{js}\n   want {}\n   got  {}",
                normalize(&want["term"]),
                normalize(&q.term())
            )),
            (Some(true), Err(d)) => misses.push(format!(
                "{js}\n   want {}\n   refused: {}",
                want["term"], d[0]
            )),
            (_, Ok(q)) if want["nonterm"].as_bool() == Some(true) => misses.push(format!(
                "{js}\n   the driver gives a non-term ({}), rdbsh gives {}",
                want["value"],
                q.term()
            )),
            (_, Ok(q)) => misses.push(format!(
                "{js}\n   the driver refuses it ({}), rdbsh gives {}",
                want["error"],
                q.term()
            )),
            (_, Err(_)) => {}
        }
    }
    for m in &misses {
        println!("{m}");
    }
    assert!(
        misses.is_empty(),
        "{} of {} expressions differ from the driver",
        misses.len(),
        EXPRESSIONS.len()
    );
}

/// Local-time rules (`new Date(y, m, ...)`, times without an offset, getters) in time zones
/// with daylight saving time and half-hour offsets, against the driver in the same zone: both
/// processes get `TZ`. Skipped where the system has no time zone data.
#[test]
fn local_times_match_the_driver_in_other_time_zones() {
    const LOCAL: &[&str] = &[
        "r.expr(new Date(2024, 2, 15, 12))",
        "r.expr(new Date(2024, 2, 10, 2, 30))",
        "r.expr(new Date(2016, 10, 6, 1, 30))",
        "r.expr(new Date(2024, 2, 31).getHours())",
        "r.expr(new Date('2016-11-06T01:30:00'))",
        "r.expr(new Date('2016-03-13T02:30:00'))",
        "r.expr(new Date('March 7, 2015 10:30:00'))",
        "r.expr(new Date('2015/03/07'))",
        "r.expr(new Date(2015, 0, 1).getTimezoneOffset())",
        "r.expr(new Date(2024, 6, 1).getTimezoneOffset())",
        "r.expr(new Date(-5e12).getTimezoneOffset())",
        "r.expr(new Date(Date.UTC(2024, 2, 10, 7)).getHours())",
        "r.expr([new Date(0).getDate(), new Date(0).getDay(), new Date(0).getMonth()])",
    ];
    let Some(driver) = driver_dir() else {
        return skip("set RDBSH_JS_DRIVER to the rethinkdb@2.4.2 npm package");
    };
    for tz in ["America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"] {
        if !std::path::Path::new("/usr/share/zoneinfo")
            .join(tz)
            .exists()
        {
            skip(&format!(
                "no time zone data for {tz} in /usr/share/zoneinfo"
            ));
            continue;
        }
        let want = oracle(&driver, &[], &(LOCAL.join("\n") + "\n"), Some(tz));
        assert_eq!(want.len(), LOCAL.len(), "one oracle answer per expression");
        for (js, want) in LOCAL.iter().zip(&want) {
            let got = Command::new(common::rdbsh_bin())
                .args(["compile", "-e", js])
                .env("TZ", tz)
                .output()
                .expect("rdbsh compile runs");
            let text = String::from_utf8_lossy(&got.stdout);
            let got: Value = serde_json::from_str(text.trim()).unwrap_or_else(|_| {
                panic!(
                    "{tz}: {js}: rdbsh refused: {}",
                    String::from_utf8_lossy(&got.stderr)
                )
            });
            assert!(
                same(&normalize(&got), &normalize(want)),
                "{tz}: {js}\n   want {want}\n   got  {got}"
            );
        }
    }
}
