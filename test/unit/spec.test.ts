import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkBatchSpec, assertBatchSpec, validateOptionsOf } from '../../batches/spec.ts';
import { SpecError } from '../../batches/errors.ts';

const fields = (spec: unknown) => checkBatchSpec(spec).map((i) => i.field);

test('a minimal generate spec and a minimal validate spec are valid', () => {
  assert.deepEqual(checkBatchSpec({ generate: { region: 'US', count: 10 } }), []);
  assert.deepEqual(checkBatchSpec({ validate: { source: { inline: ['+442079460123'] } } }), []);
});

test('bad specs name the field and the reason', () => {
  const cases: Array<[unknown, string, RegExp]> = [
    [{}, 'spec', /exactly one/],
    [{ generate: { region: 'US', count: 1 }, validate: { source: { inline: ['1'] } } }, 'spec', /mutually exclusive/],
    [
      { generate: { region: 'XX', count: 1 } },
      'generate.region',
      /region libphonenumber has metadata for .*\(got "XX"\)/,
    ],
    [{ generate: { region: 'AA', count: 1 } }, 'generate.region', /\(got "AA"\)/],
    [{ generate: { region: 'us', count: 1 } }, 'generate.region', /ISO 3166-1 alpha-2/],
    [{ generate: { region: 'US', count: 0 } }, 'generate.count', /greater or equal to 1/],
    [{ generate: { region: 'US', count: 100_000_001 } }, 'generate.count', /less or equal to 100000000/],
    [{ generate: { region: 'US', count: 1.5 } }, 'generate.count', /integer/],
    [{ generate: { region: 'US', count: 1, mode: 'range' } }, 'generate.prefix', /range mode needs/],
    [{ generate: { region: 'US', count: 1, prefix: '+1212' } }, 'generate.prefix', /only used in range mode/],
    [{ generate: { region: 'US', count: 1, numberType: 'CELL' } }, 'generate.numberType', /./],
    [{ generate: { region: 'US', count: 1, colour: 'red' } }, 'generate.colour', /./],
    [{ validate: { defaultRegion: 'ZZ', source: { inline: ['1'] } } }, 'validate.defaultRegion', /\(got "ZZ"\)/],
    [{ validate: { source: { inline: [] } } }, 'validate.source', /./],
    [
      { validate: { repairs: 'aggressive', source: { inline: ['1'] } } },
      'validate.repairs',
      /must be one of none, safe, all \(got "aggressive"\)/,
    ],
    [{ validate: { repairs: 'SAFE', source: { inline: ['1'] } } }, 'validate.repairs', /\(got "SAFE"\)/],
    [
      { validate: { defaultAreaCode: '030x', source: { inline: ['1'] } } },
      'validate.defaultAreaCode',
      /1–6 ASCII digits.*\(got "030x"\)/,
    ],
    [{ validate: { defaultAreaCode: '', source: { inline: ['1'] } } }, 'validate.defaultAreaCode', /1–6 ASCII digits/],
    [
      { validate: { defaultAreaCode: '1234567', source: { inline: ['1'] } } },
      'validate.defaultAreaCode',
      /1–6 ASCII digits/,
    ],
    [
      { validate: { defaultAreaCode: '\u0663\u0660', source: { inline: ['1'] } } },
      'validate.defaultAreaCode',
      /ASCII digits/,
    ],
    [{ validate: { defaultAreaCode: 30, source: { inline: ['1'] } } }, 'validate.defaultAreaCode', /./],
    [{ validate: { numericSource: 'yes', source: { inline: ['1'] } } }, 'validate.numericSource', /true or false/],
  ];
  for (const [spec, field, reason] of cases) {
    const issues = checkBatchSpec(spec);
    const hit = issues.find((i) => i.field === field || i.field.startsWith(field + '.'));
    assert.ok(hit, `${JSON.stringify(spec)}: expected an issue on ${field}, got ${JSON.stringify(issues)}`);
    assert.match(hit.reason, reason, JSON.stringify(spec));
  }
});

test('assertBatchSpec throws SpecError whose message lists every bad field', () => {
  assert.throws(
    () => assertBatchSpec({ generate: { region: 'US', count: 0, mode: 'nope' } }),
    (e: unknown) => e instanceof SpecError && /generate\.count/.test(e.message) && /generate\.mode/.test(e.message),
  );
  assert.deepEqual(fields({ generate: { region: 'US', count: 5 } }), []);
});

test('validate.source.batchRef takes a UUID (the uuid format is registered) and rejects anything else', () => {
  // Regression: TypeBox rejected every batchRef while the uuid format was unregistered.
  assert.deepEqual(checkBatchSpec({ validate: { source: { batchRef: '5f0c2a7e-3b1d-4c8e-9a6f-2d4b8e1c7a90' } } }), []);
  const bad = checkBatchSpec({ validate: { source: { batchRef: 'not-a-uuid' } } });
  assert.ok(
    bad.some((i) => i.field.startsWith('validate.source')),
    JSON.stringify(bad),
  );
});

test('what only the numbering plan can say is checked too, naming the field', () => {
  const issue = (spec: unknown) => checkBatchSpec(spec)[0];
  assert.equal(
    issue({ generate: { region: 'US', count: 5, mode: 'random', numberType: 'MOBILE' } })?.field,
    'generate.numberType',
  );
  assert.match(issue({ generate: { region: 'GB', count: 5, numberType: 'MOBILE' } })!.reason, /07700 900/);
  assert.equal(issue({ generate: { region: 'US', count: 101, areaCodes: ['212'] } })?.field, 'generate.count');
  assert.equal(issue({ generate: { region: 'US', count: 100, areaCodes: ['212'] } }), undefined);
  assert.equal(issue({ generate: { region: 'DE', count: 5 } })?.field, 'generate.mode');
  assert.equal(
    issue({ generate: { region: 'US', count: 1001, mode: 'range', prefix: '+1 212 555 1' } })?.field,
    'generate.count',
  );
});

test('inline numbers PostgreSQL cannot store are refused at the boundary, naming the item', () => {
  for (const v of ['12\u00003', 'a\ud800b', '\udc00x']) {
    const issues = checkBatchSpec({ validate: { source: { inline: ['+44 20 7946 0123', v] } } });
    assert.deepEqual(
      issues.map((i) => i.field),
      ['validate.source.inline.1'],
      JSON.stringify(v),
    );
  }
  assert.deepEqual(checkBatchSpec({ validate: { source: { inline: ['😀 +44 20 7946 0123'] } } }), []);
});

test('a validate spec has a source exactly when no rows are uploaded', () => {
  const upload = { validate: { defaultRegion: 'GB' } };
  assert.deepEqual(checkBatchSpec(upload, { uploaded: true }), []);
  assert.match(checkBatchSpec(upload)[0]!.reason, /required: inline numbers or a batchRef/);
  const both = checkBatchSpec({ validate: { source: { inline: ['1'] } } }, { uploaded: true });
  assert.deepEqual(both, [{ field: 'validate.source', reason: 'the numbers are uploaded: leave source out' }]);
  assert.deepEqual(fields({ validate: { source: { upload: { rows: 3 } } } }).slice(0, 1), ['validate.source']);
  assert.match(
    checkBatchSpec({ generate: { region: 'GB', count: 1 } }, { uploaded: true })[0]!.reason,
    /only a validate/,
  );
});

test('text PostgreSQL cannot store is refused in any spec string, naming the field', () => {
  assert.deepEqual(fields({ generate: { region: 'GB', count: 1, seed: 'a\u0000b' } }), ['generate.seed']);
  assert.deepEqual(fields({ validate: { source: { inline: ['ok', '\ud800x'] } } }), ['validate.source.inline.1']);
});

test('assertBatchSpec returns a batchRef in canonical (lower-case) form', () => {
  const spec = assertBatchSpec({ validate: { source: { batchRef: '5F0C2A7E-3B1D-4C8E-9A6F-2D4B8E1C7A90' } } });
  assert.deepEqual(spec, { validate: { source: { batchRef: '5f0c2a7e-3b1d-4c8e-9a6f-2d4b8e1c7a90' } } });
});

test('a validate spec takes repairs, defaultAreaCode and numericSource; validateOptionsOf picks exactly those', () => {
  for (const repairs of ['none', 'safe', 'all'])
    assert.deepEqual(checkBatchSpec({ validate: { repairs, source: { inline: ['1'] } } }), [], repairs);
  for (const defaultAreaCode of ['3', '30', '212', '123456'])
    assert.deepEqual(checkBatchSpec({ validate: { defaultAreaCode, source: { inline: ['1'] } } }), [], defaultAreaCode);
  const options = { repairs: 'all', defaultAreaCode: '30', numericSource: true } as const;
  const v = { defaultRegion: 'DE', ...options, source: { inline: ['1'] } };
  assert.deepEqual(checkBatchSpec({ validate: v }), []);
  assert.deepEqual(checkBatchSpec({ validate: { defaultRegion: 'DE', ...options } }, { uploaded: true }), []);
  assert.deepEqual(validateOptionsOf(v), options);
  // Unset options stay unset (the core's defaults), so a spec without them reads as before.
  assert.deepEqual(validateOptionsOf({}), {});
  assert.deepEqual(validateOptionsOf({ numericSource: false }), { numericSource: false });
});
