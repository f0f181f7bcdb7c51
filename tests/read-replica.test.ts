import supertest from 'supertest';
import { freshDatabase } from './helpers/db';
import { startTestHub, submitReport, type TestHub } from './helpers/hub';

/**
 * READ_DATABASE_URL: the IOC feed reads a replica, intake writes the primary. Two separate
 * databases stand in for primary and replica, so the test can tell which one a read went to
 * (a real replica would hold the same rows a moment later).
 */
describe('IOC feed on a read replica', () => {
  let primary: Awaited<ReturnType<typeof freshDatabase>>;
  let replica: Awaited<ReturnType<typeof freshDatabase>>;
  let hub: TestHub;
  let onReplica: TestHub;

  beforeAll(async () => {
    primary = await freshDatabase('postgres');
    replica = await freshDatabase('postgres');
    hub = await startTestHub('postgres', { DATABASE_URL: primary.url!, READ_DATABASE_URL: replica.url!, IOC_API_KEYS: 'k-replica' }, { db: primary });
    onReplica = await startTestHub('postgres', {}, { db: replica });
  });
  afterAll(async () => {
    await hub.close();
    await onReplica.close();
    await primary.close();
    await replica.close();
  });

  const received = async () => {
    const res = await supertest(hub.app).get('/api/v1/ioc/summary').set('authorization', 'Bearer k-replica');
    expect(res.status).toBe(200);
    return res.body.totals.received as number;
  };

  test('reports are written to the primary, the feed counts what the replica holds', async () => {
    expect((await submitReport(hub.app, { text: 'Rác ùn ứ ở chợ đầu mối' })).status).toBe(201);
    await hub.hub.settle();
    expect((await primary.query<{ n: number }>('SELECT count(*)::int AS n FROM tickets'))[0]!.n).toBe(1);
    expect(await received()).toBe(0);
    // The replica catches up (here: the same report lands in the other database).
    expect((await submitReport(onReplica.app, { text: 'Rác ùn ứ ở chợ đầu mối' })).status).toBe(201);
    expect((await submitReport(onReplica.app, { text: 'Đèn tín hiệu giao thông hỏng' })).status).toBe(201);
    await onReplica.hub.settle();
    expect(await received()).toBe(2);
  });
});
