/**
 * Process configuration from environment variables, shared by the worker, CLI, API and
 * operator. Defaults match the embedded stack (`make demo`).
 */
export interface Config {
  /** PostgreSQL connection URL (PHONEBATCH_DATABASE_URL). */
  databaseUrl: string;
  /** Temporal frontend host:port (TEMPORAL_ADDRESS). */
  temporalAddress: string;
  /** Temporal namespace (TEMPORAL_NAMESPACE). */
  temporalNamespace: string;
  /** Task queue the workers poll (PHONEBATCH_TASK_QUEUE). */
  taskQueue: string;
  /** Temporal Web UI base URL, for links in status (TEMPORAL_UI_URL). */
  temporalUiUrl: string;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    databaseUrl: env.PHONEBATCH_DATABASE_URL ?? 'postgres://postgres:phonebatch@127.0.0.1:5432/phonebatch',
    temporalAddress: env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
    temporalNamespace: env.TEMPORAL_NAMESPACE ?? 'default',
    taskQueue: env.PHONEBATCH_TASK_QUEUE ?? 'phonebatch',
    temporalUiUrl: env.TEMPORAL_UI_URL ?? 'http://127.0.0.1:8233',
  };
}
