/**
 * createAuditWriter (issue 3) on a real SecurityStore (openArchive on a temp dir): events
 * recorded together are appended in one batch, `flush` and `close` store everything
 * recorded before them, and a failing append keeps the events for the next attempt and
 * logs the failure without the events' content or the error's message.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openArchive, securityStoreOf, type ArchiveService, type AuditEventInput, type SecurityStore } from '@vertebra/archive';
import { createAuditWriter } from '../../src/audit/createAuditWriter.js';

function event(detail: string): AuditEventInput {
  return { at: new Date().toISOString(), actor: 'reader', actorRole: 'radiologist', source: '127.0.0.1', action: 'wado', outcome: 'success', patientId: 'PID-W', studyInstanceUid: '1.2.3', detail };
}

describe('createAuditWriter', () => {
  let dir: string;
  let archive: ArchiveService;
  let store: SecurityStore;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vertebra-audit-'));
    archive = await openArchive({ dataDir: dir });
    store = securityStoreOf(archive)!;
  });
  afterAll(async () => {
    await archive?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const stored = async (prefix: string) => (await store.queryAudit({ limit: 10_000 })).filter((e) => e.detail?.startsWith(prefix)).map((e) => e.detail);

  it('appends events recorded together in one batch, by itself and on flush', async () => {
    const batches: number[] = [];
    const counting: SecurityStore = { ...store, appendAudit: (events) => (batches.push(events.length), store.appendAudit(events)) };
    const writer = createAuditWriter({ store: counting });
    for (let i = 0; i < 5; i += 1) writer.record(event(`batch-a ${i}`));
    for (let waited = 0; (await stored('batch-a')).length < 5 && waited < 500; waited += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    expect((await stored('batch-a')).sort()).toEqual(['batch-a 0', 'batch-a 1', 'batch-a 2', 'batch-a 3', 'batch-a 4']);
    expect(batches).toEqual([5]);
    writer.record(event('batch-b 0'));
    writer.record(event('batch-b 1'));
    await writer.flush();
    expect(await stored('batch-b')).toHaveLength(2);
    expect(batches).toEqual([5, 2]);
    await writer.close();
  });

  it('keeps events whose append failed, logs no content, and stores them on the next flush', async () => {
    let failNext = true;
    const logged: { object: object; message: string }[] = [];
    const flaky: SecurityStore = {
      ...store,
      appendAudit: async (events) => {
        if (failNext) {
          failNext = false;
          throw new Error('disk full while writing patient Doe^Jane PID-W');
        }
        return store.appendAudit(events);
      },
    };
    const writer = createAuditWriter({ store: flaky, logger: { error: (object, message) => logged.push({ object, message }) } });
    writer.record(event('retry 0'));
    writer.record(event('retry 1'));
    await expect(writer.flush()).rejects.toThrow();
    expect(await stored('retry')).toEqual([]);
    expect(logged).toHaveLength(1);
    expect(JSON.stringify(logged)).not.toMatch(/Doe|PID-W|retry|disk full/);
    writer.record(event('retry 2'));
    await writer.close();
    expect((await stored('retry')).sort()).toEqual(['retry 0', 'retry 1', 'retry 2']);
  });

  it('stores on close what was recorded just before', async () => {
    const writer = createAuditWriter({ store });
    writer.record(event('closing 0'));
    await writer.close();
    expect(await stored('closing')).toEqual(['closing 0']);
  });
});
