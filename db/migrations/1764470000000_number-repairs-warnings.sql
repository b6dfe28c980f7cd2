-- Up Migration
-- What the validator says beyond the verdict, per number found (core/types.ts CheckResult):
-- the field's label for it, the repairs applied and the warnings raised (codes of core/codes.ts,
-- in order), whether a short number is an emergency number, and a carrier selection code
-- removed from the input. Generated numbers leave them NULL; a validated number has `{}` for
-- no repairs or warnings. Nullable with no default, so adding them rewrites no existing row.
ALTER TABLE numbers
  ADD COLUMN label        text,
  ADD COLUMN repairs      text[],
  ADD COLUMN warnings     text[],
  ADD COLUMN emergency    boolean,
  ADD COLUMN carrier_code text;

-- Down Migration
ALTER TABLE numbers
  DROP COLUMN carrier_code,
  DROP COLUMN emergency,
  DROP COLUMN warnings,
  DROP COLUMN repairs,
  DROP COLUMN label;
