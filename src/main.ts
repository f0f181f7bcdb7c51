import http from 'node:http';
import { ConfigError, loadConfig } from './config';
import { isEmpty, seedDemo, DEMO_PASSWORD } from './demo/seed';
import { createApp } from './http/app';
import { createHub } from './hub';
import { attachLiveStreams, type LiveStreams } from './http/live-streams';
import { createLogger } from './shared/logger';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const hub = await createHub(config, { log });

  let logins: { role: string; email: string; agency?: string }[] = [];
  let demoPassword: string | null = null;
  if (config.demo && (await isEmpty(hub.db))) {
    log.info('loading demo data (Hưng Yên, agencies, staff, tickets)…');
    const t0 = Date.now();
    const demo = await seedDemo(hub.db, { codePrefix: config.ticketCodePrefix, sla: hub.sla, agenciesLoaded: () => hub.slaSettings.refresh() });
    await hub.sla.flush();
    log.info({ tickets: demo.tickets, ms: Date.now() - t0 }, 'demo data loaded');
    logins = demo.logins;
    demoPassword = DEMO_PASSWORD;
  } else if (config.demo) {
    logins = [{ role: 'admin', email: 'admin@1022.demo' }, { role: 'operator', email: 'tongdai1@1022.demo' }, { role: 'agency_staff', email: 'canbo.so-xay-dung@1022.demo' }];
    demoPassword = DEMO_PASSWORD;
  }
  if (config.admin.email && config.admin.password && (await hub.staff.count()) === 0) {
    await hub.staff.create({ email: config.admin.email, displayName: 'Administrator', role: 'admin', agencyId: null, password: config.admin.password });
    log.info('first administrator created from ADMIN_EMAIL');
  } else if (!config.demo && (await hub.staff.count()) === 0) {
    log.warn('no staff users: set ADMIN_EMAIL and ADMIN_PASSWORD to create the first administrator');
  }

  const off = ['facebook', 'zalo', 'twilio'].filter((c) => {
    if (c === 'facebook') return !config.facebook.appSecret;
    if (c === 'zalo') return !config.zalo.oaSecret;
    return !config.twilio.authToken;
  });
  if (off.length) log.info({ channels: off }, 'channels off (their secrets are unset): replies on them are held');

  await hub.start();
  const app = createApp(hub);
  const server = http.createServer(app);
  let streams: LiveStreams | null = null;
  if (config.role !== 'worker') {
    streams = attachLiveStreams(server, hub);
    await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  } else if (config.redisUrl) {
    // A worker serves no sockets, but the tickets it creates or updates must still reach the
    // consoles connected to the API processes: it publishes through the Redis adapter.
    streams = attachLiveStreams(null, hub);
  }
  const lines = [
    '',
    `  1022 Hub đang chạy / is running: ${config.publicBaseUrl}`,
    `    Cổng công dân / citizen portal:  ${config.publicBaseUrl}/`,
    `    Bảng điều khiển / staff console: ${config.publicBaseUrl}/console/`,
    `    API docs (OpenAPI):              ${config.publicBaseUrl}/api/docs`,
    `    Database: ${config.databaseUrl ? 'PostgreSQL' : `embedded PGlite in ${config.dataDir}`}; jobs: ${config.redisUrl ? 'BullMQ/Redis' : 'in-process'}`,
  ];
  if (demoPassword) {
    lines.push(`  Demo logins (password "${demoPassword}"):`);
    for (const l of logins) lines.push(`    ${l.role.padEnd(13)} ${l.email}${l.agency ? `  (${l.agency})` : ''}`);
  }
  process.stdout.write(lines.join('\n') + '\n\n');

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down');
    server.close();
    await streams?.close().catch(() => undefined);
    await hub.close().catch((e) => log.error({ err: String(e) }, 'close failed'));
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err) => {
  if (err instanceof ConfigError) process.stderr.write(err.message + '\n');
  else process.stderr.write(`1022 Hub failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
