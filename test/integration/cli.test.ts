/** The CLI's boundary: bad flags give one line naming the flag and a non-zero exit; `check` output shape. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/phonebatch.mjs', import.meta.url));
const run = (args: string[], input?: string) =>
  spawnSync(process.execPath, [BIN, ...args], {
    input,
    encoding: 'utf8',
    env: { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:1' },
  });

test('bad generate flags are rejected before any server is contacted, naming the flag', () => {
  const cases: Array<[string[], RegExp]> = [
    [['generate', '--region', 'USA', '--count', '5'], /--region.*ISO 3166-1 alpha-2.*"USA"/],
    [['generate', '--region', 'US', '--count', '0'], /--count must be a whole number ≥ 1, got "0"/],
    [['generate', '--region', 'US', '--count', '5', '--mode', 'wild'], /--mode.*wild/],
    [['generate', '--region', 'US', '--count', '5', '--type', 'CELL'], /--type.*CELL/],
    [['generate', '--region', 'US'], /--count/],
    [
      ['generate', '--region', 'US', '--count', '5', '--mode', 'range'],
      /--prefix \(generate\.prefix\): range mode needs/,
    ],
    [
      ['generate', '--region', 'QQ', '--count', '5'],
      /--region must be an ISO 3166-1 alpha-2 region libphonenumber knows.*"QQ"/,
    ],
    [['generate', '--region', 'US', '--count', '200000000'], /--count \(generate\.count\)/],
    [
      ['generate', '--region', 'US', '--count', '5', '--mode', 'random', '--type', 'MOBILE'],
      /--type \(generate\.numberType\): libphonenumber cannot tell mobile/,
    ],
    [['generate', '--region', 'DE', '--count', '5'], /--mode \(generate\.mode\): no published fictional range for DE/],
    [
      ['generate', '--region', 'US', '--count', '101', '--area-codes', '212'],
      /--count \(generate\.count\): 101 requested but only 100/,
    ],
    [
      ['generate', '--region', 'US', '--count', '5', '--area-codes', '2x2'],
      /--area-codes \(generate\.areaCodes\.0\)|generate\.areaCodes/,
    ],
  ];
  for (const [args, msg] of cases) {
    const r = run(args);
    assert.notEqual(r.status, 0, args.join(' '));
    assert.match(r.stderr, msg, args.join(' '));
    assert.ok(r.stderr.trim().split('\n').length <= 3, `short error for ${args.join(' ')}: ${r.stderr}`);
  }
});

test('check reads stdin, one field per line, and prints one JSON object per number with line and index', () => {
  const r = run(['check', '--default-region', 'GB'], '+44 20 7946 0123, +44 20 7946 0124\n07624 300123\n');
  assert.equal(r.status, 0, r.stderr);
  const rows = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    rows.map((x) => [x.line, x.index, x.e164, x.region, x.type, x.valid]),
    [
      [1, 0, '+442079460123', 'GB', 'FIXED_LINE', true],
      [1, 1, '+442079460124', 'GB', 'FIXED_LINE', true],
      [2, 0, '+447624300123', 'IM', 'MOBILE', true],
    ],
  );
  for (const k of ['input', 'possible', 'ext', 'national', 'error', 'detail']) assert.ok(k in rows[0], k);
});

test('check takes numbers as arguments, and a bad --default-region is named', () => {
  const ok = run(['check', '+1 800 234 5678']);
  assert.equal(ok.status, 0);
  assert.equal(JSON.parse(ok.stdout).type, 'TOLL_FREE');
  const bad = run(['check', '--default-region', 'Britain', '020 7946 0123']);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--default-region/);
});

test('region flags follow the core: case-insensitive, UK means GB, unknown regions refused', () => {
  const uk = run(['check', '--default-region', 'uk', '020 7946 0123']);
  assert.equal(uk.status, 0, uk.stderr);
  assert.equal(JSON.parse(uk.stdout).e164, '+442079460123');
  const zz = run(['check', '--default-region', 'ZZ', '020 7946 0123']);
  assert.notEqual(zz.status, 0);
  assert.match(zz.stderr, /--default-region.*"ZZ"/);
  const seed = run(['generate', '--region', 'GB', '--count', '5', '--seed', '']);
  assert.notEqual(seed.status, 0);
  assert.match(seed.stderr, /--seed \(generate\.seed\)/);
});

test('export, status, summary and cancel refuse a batch id that is not a UUID before contacting any server', () => {
  for (const cmd of ['export', 'status', 'summary', 'cancel']) {
    const r = run([cmd, 'batch-7']);
    assert.notEqual(r.status, 0, cmd);
    assert.match(r.stderr, /<batch> must be a batch id \(UUID\), got "batch-7"/, cmd);
  }
});

test('check and validate take --repairs, --default-area-code and --numeric-source; bad values are refused naming the flag', () => {
  const ok = run([
    'check',
    '--default-region',
    'DE',
    '--repairs',
    'all',
    '--default-area-code',
    '30',
    '--numeric-source',
    '123 4567',
  ]);
  assert.equal(ok.status, 0, ok.stderr);
  const line = JSON.parse(ok.stdout.trim().split('\n')[0]!);
  for (const k of ['label', 'repairs', 'warnings', 'emergency', 'carrierCode']) assert.ok(k in line, k);
  assert.ok(Array.isArray(line.repairs) && Array.isArray(line.warnings), ok.stdout);
  for (const mode of ['none', 'safe', 'all']) assert.equal(run(['check', '--repairs', mode, '1']).status, 0, mode);

  const cases: Array<[string[], RegExp]> = [
    [['check', '--repairs', 'aggressive', '1'], /--repairs.*'aggressive' is invalid.*none, safe, all/],
    [['check', '--default-area-code', '030x', '1'], /--default-area-code must be 1–6 ASCII digits.*"030x"/],
    [['check', '--default-area-code', '1234567', '1'], /--default-area-code must be 1–6 ASCII digits/],
    [['validate', 'x.csv', '--repairs', 'most'], /--repairs.*'most' is invalid/],
    [['validate', 'x.csv', '--default-area-code', '+30'], /--default-area-code must be 1–6 ASCII digits.*"\+30"/],
  ];
  for (const [args, msg] of cases) {
    const r = run(args);
    assert.notEqual(r.status, 0, args.join(' '));
    assert.match(r.stderr, msg, args.join(' '));
    assert.ok(r.stderr.trim().split('\n').length <= 3, `short error for ${args.join(' ')}: ${r.stderr}`);
  }
});
