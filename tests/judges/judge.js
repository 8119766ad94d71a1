// The official JavaScript driver judges the sandbox: a fixed script, every answer checked.
//
// Usage: node tests/judges/judge.js PORT CAFILE PASSWORD
// The driver directory comes from RDBSH_JS_DRIVER (node_modules/rethinkdb of rethinkdb@2.4.2).
// Exits non-zero at the first mismatch, saying which step failed and what came back.

'use strict';

const fs = require('fs');
const assert = require('assert');

const [port, caFile, password] = process.argv.slice(2);
const driver = process.env.RDBSH_JS_DRIVER;
if (!driver) {
  console.error('judge.js: set RDBSH_JS_DRIVER to the directory of the npm rethinkdb@2.4.2 driver');
  process.exit(2);
}
const r = require(driver);
const ca = fs.readFileSync(caFile);
let stepName = 'start';

function step(name) {
  stepName = name;
  console.log('judge.js: ' + name);
}

// Atom arrays come back with the driver's cursor methods mixed in: compare plain data.
const plain = (v) => (v === undefined ? v : JSON.parse(JSON.stringify(v)));

function check(what, got, want) {
  try {
    assert.deepStrictEqual(plain(got), plain(want));
  } catch (e) {
    throw new Error(`${what}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
  }
}

function connect(pw) {
  return r.connect({ host: 'localhost', port: Number(port), user: 'admin', password: pw, ssl: { ca } });
}

async function expectError(conn, what, query, className, prefix) {
  let got;
  try {
    got = await query.run(conn);
  } catch (e) {
    if (e.name !== className) {
      throw new Error(`${what}: expected ${className}, got ${e.name}: ${e.message}`);
    }
    if (!e.msg.startsWith(prefix)) {
      throw new Error(`${what}: expected a message starting ${JSON.stringify(prefix)}, got ${JSON.stringify(e.msg)}`);
    }
    return e;
  }
  throw new Error(`${what}: expected ${className}, got the answer ${JSON.stringify(got)}`);
}

const sortNum = (a) => a.slice().sort((x, y) => x - y);

async function main() {
  step('connect over TLS with SCRAM');
  const conn = await connect(password);
  const info = await conn.server();
  check('server() name', info.name, 'rdbsh_sandbox');
  check('server() proxy', info.proxy, false);
  try {
    await connect('not-the-password');
    throw new Error('a wrong password was accepted');
  } catch (e) {
    if (e.name !== 'ReqlAuthError' || !e.message.includes('Wrong password')) {
      throw new Error(`wrong password: expected ReqlAuthError "Wrong password", got ${e.name}: ${e.message}`);
    }
  }

  step('create db and table');
  check('dbCreate', (await r.dbCreate('judge').run(conn)).dbs_created, 1);
  check('tableCreate', (await r.db('judge').tableCreate('people').run(conn)).tables_created, 1);
  check('tableList', await r.db('judge').tableList().run(conn), ['people']);
  const people = r.db('judge').table('people');

  step('insert');
  const docs = [
    { id: 1, name: 'ada', team: 'red', age: 36 },
    { id: 2, name: 'bob', team: 'blue', age: 25 },
    { id: 3, name: 'cy', team: 'blue', age: 41 },
    { id: 4, name: 'dee', team: 'red', age: 19 },
    { id: 5, name: 'eve', team: 'blue', age: 30 },
  ];
  let res = await people.insert(docs).run(conn);
  check('insert inserted', [res.inserted, res.errors], [5, 0]);
  res = await people.insert({ name: 'nokey', team: 'green', age: 50 }).run(conn);
  check('generated_keys count', res.generated_keys.length, 1);
  const generated = res.generated_keys[0];
  res = await people.insert({ id: 1, name: 'dup' }).run(conn);
  check('duplicate insert errors', res.errors, 1);
  check('duplicate first_error', res.first_error.startsWith('Duplicate primary key `id`'), true);

  step('get');
  check('get(1)', await people.get(1).run(conn), docs[0]);
  check('get(99)', await people.get(99).run(conn), null);
  check("get(generated)('name')", await people.get(generated)('name').run(conn), 'nokey');

  step('filter');
  let rows = await (await people.filter({ team: 'red' }).run(conn)).toArray();
  check('filter object', sortNum(rows.map((d) => d.id)), [1, 4]);
  rows = await (await people.filter(r.row('age').gt(30).and(r.row('id').ne(generated))).run(conn)).toArray();
  check('filter r.row', sortNum(rows.map((d) => d.id)), [1, 3]);
  rows = await (await people.filter((p) => p('team').eq('blue')).run(conn)).toArray();
  check('filter function', rows.map((d) => d.name).sort(), ['bob', 'cy', 'eve']);

  step('orderBy with index');
  check('indexCreate', await people.indexCreate('age').run(conn), { created: 1 });
  const waited = await people.indexWait('age').run(conn);
  check('indexWait ready', waited.map((w) => [w.index, w.ready]), [['age', true]]);
  rows = await (await people.orderBy({ index: 'age' }).run(conn)).toArray();
  check('orderBy({index: age})', rows.map((d) => d.name), ['dee', 'bob', 'eve', 'ada', 'cy', 'nokey']);
  rows = await (await people.orderBy({ index: r.desc('age') }).run(conn)).toArray();
  check('orderBy({index: desc(age)})', rows.map((d) => d.name), ['nokey', 'cy', 'ada', 'eve', 'bob', 'dee']);

  step('limit');
  rows = await (await people.orderBy({ index: 'age' }).limit(2).run(conn)).toArray();
  check('orderBy.limit(2)', rows.map((d) => d.id), [4, 2]);
  check('limit(3).count()', await people.limit(3).count().run(conn), 3);

  step('count');
  check('count()', await people.count().run(conn), 6);
  check('count(fn)', await people.count((p) => p('age').gt(30)).run(conn), 3);

  step('group');
  let grouped = await people.group('team').count().run(conn);
  grouped.sort((a, b) => (a.group < b.group ? -1 : 1));
  check('group(team).count()', grouped, [
    { group: 'blue', reduction: 3 },
    { group: 'green', reduction: 1 },
    { group: 'red', reduction: 2 },
  ]);
  grouped = await people.group('team').avg('age').run(conn, { groupFormat: 'raw' });
  check('group raw format type', grouped.$reql_type$, 'GROUPED_DATA');
  const avg = Object.fromEntries(grouped.data);
  check('group(team).avg(age)', avg, { blue: 32, green: 50, red: 27.5 });

  step('update');
  res = await people.get(1).update({ age: 37 }).run(conn);
  check('update replaced', [res.replaced, res.unchanged], [1, 0]);
  check('get(1).age', await people.get(1)('age').run(conn), 37);
  res = await people.get(1).update({ age: 37 }).run(conn);
  check('update unchanged', [res.replaced, res.unchanged], [0, 1]);
  res = await people.filter({ team: 'blue' }).update((p) => ({ senior: p('age').gt(28) })).run(conn);
  check('update a selection', res.replaced, 3);
  check('updated field', await people.get(2)('senior').run(conn), false);

  step('delete');
  res = await people.get(generated).delete().run(conn);
  check('delete deleted', res.deleted, 1);
  res = await people.filter((p) => p('age').lt(20)).delete().run(conn);
  check('delete a selection', res.deleted, 1);
  check('count after delete', await people.count().run(conn), 4);

  step('10,000-document cursor');
  check('tableCreate big', (await r.db('judge').tableCreate('big').run(conn)).tables_created, 1);
  const big = r.db('judge').table('big');
  res = await big.insert(r.range(10000).map((i) => ({ id: i, square: i.mul(i) }))).run(conn);
  check('insert 10000 from r.range', res.inserted, 10000);
  const cursor = await big.run(conn);
  const seen = new Set();
  await cursor.eachAsync((doc) => {
    if (doc.square !== doc.id * doc.id) throw new Error(`corrupt document ${JSON.stringify(doc)}`);
    seen.add(doc.id);
  });
  check('cursor rows', seen.size, 10000);
  for (let i = 0; i < 10000; i++) if (!seen.has(i)) throw new Error(`cursor missed id ${i}`);
  const ordered = await (await big.orderBy({ index: 'id' }).run(conn, { maxBatchRows: 700 })).toArray();
  check('orderBy({index: id}) in batches of 700', ordered.map((d) => d.id), [...Array(10000).keys()]);

  step('changefeed');
  const conn2 = await connect(password);
  const feed = await people.changes().run(conn);
  await people.insert({ id: 10, name: 'fay', team: 'red', age: 28 }).run(conn2);
  let change = await feed.next();
  check('feed insert', change, { old_val: null, new_val: { id: 10, name: 'fay', team: 'red', age: 28 } });
  await people.get(10).update({ age: 29 }).run(conn2);
  change = await feed.next();
  check('feed update', [change.old_val.age, change.new_val.age], [28, 29]);
  await feed.close();
  const point = await people.get(3).changes({ includeInitial: true }).run(conn);
  check('point feed initial', (await point.next()).new_val.name, 'cy');
  await people.get(3).update({ name: 'cyd' }).run(conn2);
  change = await point.next();
  check('point feed change', [change.old_val.name, change.new_val.name], ['cy', 'cyd']);
  await point.close();
  check('connection usable after closing feeds', await r.expr(1).run(conn), 1);
  await conn2.close();

  step('runtime errors with their type');
  await expectError(conn, 'missing field', r.expr({ a: 1 })('b'), 'ReqlNonExistenceError', 'No attribute `b` in object');
  await expectError(conn, 'number plus string', r.expr(1).add('a'), 'ReqlQueryLogicError', 'Expected type NUMBER but found STRING');
  await expectError(conn, 'missing database', r.db('nope').table('x'), 'ReqlOpFailedError', 'Database `nope` does not exist');
  await expectError(conn, 'r.error', r.error('boom'), 'ReqlUserError', 'boom');
  check('connection usable after errors', await r.expr('ok').run(conn), 'ok');

  step('noreply and noreplyWait');
  for (let i = 0; i < 20; i++) {
    await big.get(i).update({ touched: true }).run(conn, { noreply: true });
  }
  await conn.noreplyWait();
  check('noreply writes applied', await big.filter({ touched: true }).count().run(conn), 20);

  step('clean up');
  check('dbDrop', (await r.dbDrop('judge').run(conn)).dbs_dropped, 1);
  await conn.close();
  console.log('judge.js: all checks passed');
}

// A hung step must not hang the test run: fail with the step's name instead.
const watchdog = setTimeout(() => {
  console.error(`judge.js: step '${stepName}': no answer within 120 s`);
  process.exit(1);
}, 120000);

main().then(
  () => {
    clearTimeout(watchdog);
    process.exit(0);
  },
  (e) => {
    console.error(`judge.js: step '${stepName}': ${e.message}`);
    process.exit(1);
  },
);
