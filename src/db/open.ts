import path from 'node:path';
import type { HubConfig } from '../config';
import type { Database } from './database';
import { openPglite } from './pglite';
import { openPostgres } from './postgres';

export async function openDatabase(config: Pick<HubConfig, 'databaseUrl' | 'dataDir' | 'dbPoolSize'>): Promise<Database> {
  if (config.databaseUrl) return openPostgres(config.databaseUrl, config.dbPoolSize);
  return openPglite(path.join(config.dataDir, 'pglite'));
}
