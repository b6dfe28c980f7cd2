-- Up Migration
-- Projects own batches and API tokens. batches.project stays plain text (no foreign key) so
-- batches started by the CLI or operator before a project row exists still insert.
CREATE TABLE projects (
  name       text        PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
  created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO projects (name) VALUES ('default') ON CONFLICT DO NOTHING;

-- API tokens. Only the SHA-256 of the token is stored: tokens are 256-bit random, so a fast
-- hash is enough (no dictionary to brute-force) and lookups stay a single index probe.
CREATE TABLE api_tokens (
  id           uuid        PRIMARY KEY,
  project      text        NOT NULL REFERENCES projects (name),
  token_hash   bytea       NOT NULL UNIQUE CHECK (length(token_hash) = 32),
  -- A few leading characters, to tell tokens apart in listings (not enough to use one).
  hint         text        NOT NULL,
  name         text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  revoked_at   timestamptz
);
CREATE INDEX api_tokens_project ON api_tokens (project);

-- The API's progress hub lists each project's unfinished batches once a second per replica.
CREATE INDEX batches_project_active ON batches (project) WHERE status IN ('pending', 'running');

-- Down Migration
DROP INDEX batches_project_active;
DROP TABLE api_tokens;
DROP TABLE projects;
