-- Up Migration
-- Batches: one row per PhoneBatch (CLI, REST or custom resource). Counts are derived from
-- batch_chunks when a batch finishes, so retries never double-count.
CREATE TABLE batches (
  id              uuid PRIMARY KEY,
  project         text        NOT NULL DEFAULT 'default',
  operation       text        NOT NULL CHECK (operation IN ('generate', 'validate')),
  spec            jsonb       NOT NULL,
  status          text        NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'cancelled')),
  workflow_id     text,
  total           bigint,
  processed       bigint      NOT NULL DEFAULT 0,
  valid           bigint      NOT NULL DEFAULT 0,
  invalid         bigint      NOT NULL DEFAULT 0,
  library_version text        NOT NULL,
  error           text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  started_at      timestamptz,
  finished_at     timestamptz
);
CREATE INDEX batches_project_created ON batches (project, created_at DESC, id DESC);

-- Raw input rows of a validate batch, loaded (COPY) before its workflow starts.
CREATE TABLE batch_inputs (
  batch_id       uuid   NOT NULL,
  row_no         bigint NOT NULL,
  raw            text   NOT NULL,
  default_region text,
  PRIMARY KEY (batch_id, row_no)
);

-- Chunk ledger: a chunk's rows and its ledger row commit in one transaction. A second attempt
-- at the same chunk (retry, or an overlapping attempt) conflicts on this key and writes nothing.
CREATE TABLE batch_chunks (
  batch_id     uuid        NOT NULL,
  chunk        integer     NOT NULL,
  rows         integer     NOT NULL,
  valid        integer     NOT NULL,
  invalid      integer     NOT NULL,
  committed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (batch_id, chunk)
);

-- Results. seq is the generate sequence number or the validate input row; part is the index
-- of the number within the raw field (0 for generated numbers). The key grows in order within
-- a chunk, which keeps COPY close to the no-index rate; no foreign key, for the same reason.
CREATE TABLE numbers (
  batch_id    uuid     NOT NULL,
  seq         bigint   NOT NULL,
  part        integer  NOT NULL DEFAULT 0,
  e164        text,
  ext         text,
  region      text,
  number_type text,
  valid       boolean  NOT NULL,
  possible    boolean,
  national    text,
  error       text,
  detail      text,
  raw         text,
  PRIMARY KEY (batch_id, seq, part)
);

-- Down Migration
DROP TABLE numbers;
DROP TABLE batch_chunks;
DROP TABLE batch_inputs;
DROP TABLE batches;
