/**
 * The issue-3 commands run in-process (runCli with captured streams and a served stdin)
 * against a real archive in a temp directory: `user add|list|passwd|role|remove` with
 * their errors (unknown user, bad role, bad name, duplicate, short password, no terminal,
 * last admin), `token create|list|revoke`, `audit` with its filters, every change audited
 * as cli:<OS user> without secrets, and `export --deidentify` of the phantom follow-up
 * case: every file passes checkDeidentified, the manifests hold only pseudonymous UIDs,
 * and both studies of the one patient get the same pseudonymous Patient ID and keep the
 * interval between them; an identifying value left in a retained attribute makes the
 * export fail without writing the file. Also the real-stdin reader on a pipe.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join, relative } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openArchive, securityStoreOf, verifyPassword, type AuditEvent } from '@vertebra/archive';
import { checkDeidentified, readDicomHeader } from '@vertebra/dicom';
import type { ExportManifest } from '../src/exportCommand.js';
import type { ListedToken } from '../src/tokenCommand.js';
import type { ListedUser } from '../src/userCommand.js';
import { processStdinInput } from '../src/processStdinInput.js';
import { runCliCaptured as cli, runCliWithInput } from './support/runCliCaptured.js';
// Plain-JS synthetic Part 10 writer shared with the benchmarks (no dependency on the code under test).
import { syntheticUid, writeSyntheticPart10 } from '../../../bench/lib/writeSyntheticPart10.mjs';

const piped = (...lines: string[]) => ({ lines });
const actor = `cli:${os.userInfo().username}`;

let root: string;
let dataDir: string;

async function storedUser(username: string) {
  const archive = await openArchive({ dataDir });
  try {
    return await securityStoreOf(archive)?.getUser(username);
  } finally {
    await archive.close();
  }
}

async function auditJson(...filters: string[]): Promise<AuditEvent[]> {
  const result = await cli('audit', '--data', dataDir, '--json', '--limit', '10000', ...filters);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as AuditEvent[];
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name))).sort();
}

beforeAll(async () => {
  root = await mkdtemp(join(os.tmpdir(), 'vertebra-cli-security-'));
  dataDir = join(root, 'data');
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('vertebra user', () => {
  it('adds users with a password from stdin and lists them without hashes', async () => {
    const add = await runCliWithInput(piped('first admin password'), 'user', 'add', 'alice', '--role', 'admin', '--data', dataDir, '--password-stdin');
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toBe('Added user alice (role admin).\n');
    expect(add.reads).toEqual([{}]);
    const second = await runCliWithInput(piped('radiologist pw 1'), 'user', 'add', 'bob.r', '--role', 'radiologist', '--data', dataDir, '--password-stdin');
    expect(second.code, second.stderr).toBe(0);

    const list = await cli('user', 'list', '--data', dataDir, '--json');
    expect(list.code).toBe(0);
    const users = JSON.parse(list.stdout) as ListedUser[];
    expect(users.map((u) => [u.username, u.role])).toEqual([
      ['alice', 'admin'],
      ['bob.r', 'radiologist'],
    ]);
    expect(list.stdout).not.toMatch(/scrypt|password/i);
    const table = await cli('user', 'list', '--data', dataDir);
    expect(table.stdout).toMatch(/^USER\s+ROLE\s+CREATED\s+UPDATED\nalice\s+admin\s+\d{4}-/);
    expect(table.stdout).not.toContain('scrypt');
    expect(await verifyPassword('first admin password', (await storedUser('alice'))?.passwordHash ?? '')).toBe(true);
  });

  it('prompts twice without echo on a terminal, and refuses two different entries', async () => {
    const ok = await runCliWithInput({ lines: ['surgeon password', 'surgeon password'], isTty: true }, 'user', 'add', 'carol', '--role', 'surgeon', '--data', dataDir);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.reads).toEqual([
      { prompt: 'New password for carol: ', hidden: true },
      { prompt: 'Repeat the password: ', hidden: true },
    ]);
    expect(ok.stdout + ok.stderr).not.toContain('surgeon password');
    const differ = await runCliWithInput({ lines: ['surgeon password', 'surgeon passworf'], isTty: true }, 'user', 'add', 'dave', '--role', 'surgeon', '--data', dataDir);
    expect(differ.code).toBe(64);
    expect(differ.stderr).toMatch(/vertebra: REQUEST_INVALID_PARAMETER: password: the two passwords differ/);
    expect(await storedUser('dave')).toBeUndefined();
  });

  it('refuses a duplicate, a bad role, a bad name, a short password, and a password it cannot read', async () => {
    const duplicate = await runCliWithInput(piped('another password'), 'user', 'add', 'alice', '--role', 'surgeon', '--data', dataDir, '--password-stdin');
    expect(duplicate.code).toBe(65);
    expect(duplicate.stderr).toMatch(/^vertebra: USER_EXISTS: .*alice already exists\n$/);
    expect(duplicate.reads).toEqual([]); // refused before asking for a password

    const badRole = await runCliWithInput(piped('a fine password'), 'user', 'add', 'erin', '--role', 'janitor', '--data', dataDir, '--password-stdin');
    expect(badRole.code).toBe(64);
    expect(badRole.stderr).toMatch(/REQUEST_INVALID_PARAMETER: role: "janitor" is not a role: use admin, radiologist, surgeon, technologist or researcher/);

    const badName = await runCliWithInput(piped('a fine password'), 'user', 'add', '../erin', '--role', 'surgeon', '--data', dataDir, '--password-stdin');
    expect(badName.code).toBe(64);
    expect(badName.stderr).toMatch(/username: "..\/erin" is not a valid user name/);

    const short = await runCliWithInput(piped('short'), 'user', 'add', 'erin', '--role', 'surgeon', '--data', dataDir, '--password-stdin');
    expect(short.code).toBe(64);
    expect(short.stderr).toMatch(/password: the password is shorter than 8 characters/);
    expect(short.stderr).not.toContain('short\n');

    const empty = await runCliWithInput(piped(), 'user', 'add', 'erin', '--role', 'surgeon', '--data', dataDir, '--password-stdin');
    expect(empty.code).toBe(64);
    expect(empty.stderr).toMatch(/no password on stdin/);

    const noTerminal = await runCliWithInput(piped('a fine password'), 'user', 'add', 'erin', '--role', 'surgeon', '--data', dataDir);
    expect(noTerminal.code).toBe(64);
    expect(noTerminal.stderr).toMatch(/stdin is not a terminal.*--password-stdin/);
    expect(await storedUser('erin')).toBeUndefined();

    const missingRole = await cli('user', 'add', 'erin', '--data', dataDir);
    expect(missingRole.code).toBe(64);
    expect(missingRole.stderr).toMatch(/--role/);
  });

  it('changes passwords and roles, and names the unknown user', async () => {
    const passwd = await runCliWithInput(piped('a new radiologist pw'), 'user', 'passwd', 'bob.r', '--data', dataDir, '--password-stdin');
    expect(passwd.code, passwd.stderr).toBe(0);
    const hash = (await storedUser('bob.r'))?.passwordHash ?? '';
    expect(await verifyPassword('a new radiologist pw', hash)).toBe(true);
    expect(await verifyPassword('radiologist pw 1', hash)).toBe(false);

    const unknown = await runCliWithInput(piped('whatever password'), 'user', 'passwd', 'nobody', '--data', dataDir, '--password-stdin');
    expect(unknown.code).toBe(67);
    expect(unknown.stderr).toMatch(/^vertebra: USER_NOT_FOUND: .*nobody/);

    const role = await cli('user', 'role', 'bob.r', 'technologist', '--data', dataDir);
    expect(role.code, role.stderr).toBe(0);
    expect((await storedUser('bob.r'))?.role).toBe('technologist');
    expect((await cli('user', 'role', 'bob.r', 'wizard', '--data', dataDir)).code).toBe(64);
    expect((await cli('user', 'role', 'nobody', 'surgeon', '--data', dataDir)).code).toBe(67);
  });

  it('never removes or demotes the last admin; removes others', async () => {
    const demote = await cli('user', 'role', 'alice', 'surgeon', '--data', dataDir);
    expect(demote.code).toBe(64);
    expect(demote.stderr).toMatch(/alice is the last admin/);
    const remove = await cli('user', 'remove', 'alice', '--data', dataDir);
    expect(remove.code).toBe(64);
    expect(remove.stderr).toMatch(/alice is the last admin/);
    expect((await storedUser('alice'))?.role).toBe('admin');

    const removeCarol = await cli('user', 'remove', 'carol', '--data', dataDir);
    expect(removeCarol.code, removeCarol.stderr).toBe(0);
    expect(await storedUser('carol')).toBeUndefined();
    expect((await cli('user', 'remove', 'carol', '--data', dataDir)).code).toBe(67);
  });

  it('refuses a data directory that does not exist (except for add, which creates the archive)', async () => {
    const result = await cli('user', 'list', '--data', join(root, 'nowhere'));
    expect(result.code).toBe(66);
    expect(result.stderr).toMatch(/ARCHIVE_NOT_FOUND/);
  });
});

describe('vertebra token', () => {
  let token = '';
  let id = '';

  it('creates a token, printed once on stdout with a warning on stderr', async () => {
    const result = await cli('token', 'create', '--user', 'bob.r', '--name', 'nightly-stow', '--expires-days', '30', '--data', dataDir);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^vtb_[A-Za-z0-9_-]{43}\n$/);
    token = result.stdout.trim();
    expect(result.stderr).toMatch(/shown only this once/);
    expect(result.stderr).not.toContain(token);
    const archive = await openArchive({ dataDir });
    try {
      const tokens = (await securityStoreOf(archive)?.listTokens('bob.r')) ?? [];
      expect(tokens).toHaveLength(1);
      id = tokens[0]?.id ?? '';
      const days = (Date.parse(tokens[0]?.expiresAt ?? '') - Date.parse(tokens[0]?.createdAt ?? '')) / 86_400_000;
      expect(days).toBe(30);
    } finally {
      await archive.close();
    }
  });

  it('lists tokens without their values, per user', async () => {
    await cli('token', 'create', '--user', 'alice', '--name', 'backup', '--data', dataDir);
    const all = await cli('token', 'list', '--data', dataDir, '--json');
    expect(all.code).toBe(0);
    const tokens = JSON.parse(all.stdout) as ListedToken[];
    expect(tokens.map((t) => [t.username, t.name]).sort()).toEqual([
      ['alice', 'backup'],
      ['bob.r', 'nightly-stow'],
    ]);
    expect(tokens.find((t) => t.name === 'backup')?.expiresAt).toBeNull();
    expect(all.stdout).not.toContain(token.slice(4));
    expect(all.stdout).not.toMatch(/sha256/i);
    const mine = await cli('token', 'list', '--user', 'bob.r', '--data', dataDir);
    expect(mine.stdout).toMatch(/^ID\s+USER\s+NAME\s+CREATED\s+EXPIRES\s+LAST USED\n/);
    expect(mine.stdout).toContain(id);
    expect(mine.stdout).not.toContain('backup');
  });

  it('revokes by id, and refuses unknown ids, unknown users and bad expiries', async () => {
    const revoke = await cli('token', 'revoke', id, '--data', dataDir);
    expect(revoke.code, revoke.stderr).toBe(0);
    expect(revoke.stdout).toContain('nightly-stow');
    const again = await cli('token', 'revoke', id, '--data', dataDir);
    expect(again.code).toBe(64);
    expect(again.stderr).toMatch(/no token with id/);
    const byValue = await cli('token', 'revoke', token, '--data', dataDir);
    expect(byValue.code).toBe(64);
    expect(byValue.stderr).not.toContain(token);
    expect((await cli('token', 'create', '--user', 'nobody', '--name', 'x', '--data', dataDir)).code).toBe(67);
    expect((await cli('token', 'create', '--user', 'alice', '--name', 'x', '--expires-days', '0', '--data', dataDir)).code).toBe(64);
    expect((await cli('token', 'create', '--user', 'alice', '--data', dataDir)).code).toBe(64);
  });
});

describe('vertebra audit', () => {
  it('shows every CLI change as cli:<OS user>, failures included, and never a password or token', async () => {
    const events = await auditJson();
    const actions = events.map((e) => `${e.action}:${e.outcome}`);
    for (const expected of ['user-add:success', 'user-add:failure', 'user-passwd:success', 'user-passwd:failure', 'user-role:success', 'user-role:failure', 'user-remove:success', 'user-remove:failure', 'token-create:success', 'token-create:failure', 'token-revoke:success', 'token-revoke:failure']) {
      expect(actions, expected).toContain(expected);
    }
    for (const event of events) {
      expect(event).toMatchObject({ actor, source: 'cli' });
    }
    const removeFailures = events.filter((e) => e.action === 'user-remove' && e.outcome === 'failure').map((e) => e.detail);
    expect(removeFailures).toEqual(['user carol; failed: USER_NOT_FOUND: carol: no user named carol', expect.stringMatching(/^user alice; failed: REQUEST_INVALID_PARAMETER: .*alice is the last admin/)]);
    const text = JSON.stringify(events);
    for (const secret of ['first admin password', 'radiologist pw 1', 'a new radiologist pw', 'surgeon password', 'vtb_']) expect(text).not.toContain(secret);
    // Newest first.
    expect(events.map((e) => e.id)).toEqual([...events.map((e) => e.id)].sort((a, b) => b - a));
  });

  it('filters by action, outcome, actor, time (ISO or duration) and limit, as a table or JSON', async () => {
    expect((await auditJson('--action', 'user-add', '--outcome', 'success')).map((e) => e.detail)).toEqual(['user carol, role surgeon', 'user bob.r, role radiologist', 'user alice, role admin']);
    expect(await auditJson('--user', 'cli:someone-else')).toEqual([]);
    expect((await auditJson('--user', actor)).length).toBeGreaterThan(10);
    expect((await auditJson('--since', '1h')).length).toBeGreaterThan(10);
    expect(await auditJson('--until', '1h')).toEqual([]);
    expect(await auditJson('--since', '2999-01-01T00:00:00Z')).toEqual([]);
    expect(await auditJson('--limit', '2')).toHaveLength(2);
    const table = await cli('audit', '--data', dataDir, '--action', 'token-revoke', '--limit', '5');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^TIME\s+ACTOR\s+ROLE\s+SOURCE\s+ACTION\s+OUTCOME\s+PATIENT\s+STUDY\s+DETAIL\n/);
    expect(table.stdout).toMatch(/token-revoke\s+failure/);
    // Reading the trail is itself recorded.
    expect((await auditJson('--action', 'audit-read')).length).toBeGreaterThan(5);
    const bad = await cli('audit', '--data', dataDir, '--since', 'last tuesday');
    expect(bad.code).toBe(64);
    expect(bad.stderr).toMatch(/since: "last tuesday" is neither an ISO 8601 time .* nor a duration/);
    expect((await cli('audit', '--data', dataDir, '--outcome', 'meh')).code).toBe(64);
    expect((await cli('audit', '--data', dataDir, '--limit', '0')).code).toBe(64);
  });
});

describe('vertebra export --deidentify on the phantom follow-up case', () => {
  const phantomDir = (): string => join(root, 'phantom');
  const originals = new Map<string, ReturnType<typeof readDicomHeader>>(); // file → header
  let studies: string[] = [];

  beforeAll(async () => {
    const made = await cli('phantom', '--preset', 'followup', '--modality', 'xr', '--xr-rows', '160', '--out', phantomDir());
    expect(made.code, made.stderr).toBe(0);
    for (const file of (await listFiles(phantomDir())).filter((f) => f.endsWith('.dcm'))) {
      originals.set(file, readDicomHeader(await readFile(join(phantomDir(), file))));
    }
    const imported = await cli('import', ...[...originals.keys()].map((file) => join(phantomDir(), file)), '--data', dataDir, '--json');
    expect(imported.code, imported.stderr).toBe(0);
    studies = (JSON.parse(imported.stdout) as { studies: string[] }).studies;
  }, 120_000);

  it('has two studies of one patient to export', () => {
    expect(studies).toHaveLength(2);
    expect(new Set([...originals.values()].map((h) => h.patientId)).size).toBe(1);
  });

  it('writes checked, pseudonymous files and manifests; one patient keeps one pseudonym and the interval between studies', async () => {
    const originalUids = [...originals.values()].flatMap((h) => [h.studyInstanceUid, h.seriesInstanceUid, h.sopInstanceUid, h.frameOfReferenceUid]).filter((uid) => uid !== '');
    const originalValues = [...originals.values()].flatMap((h) => [h.patientName, h.patientId, h.accessionNumber, h.referringPhysicianName]).filter((v) => v.length > 2);
    const exported: Array<{ manifest: ExportManifest; studyDate: string; originalStudyDate: string }> = [];
    for (const [index, study] of studies.entries()) {
      const out = join(root, `deid-${index}`);
      const result = await cli('export', study, '--data', dataDir, '--out', out, '--deidentify');
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/de-identified instances/);
      expect(result.stdout).not.toContain(study);
      const manifestText = await readFile(join(out, 'manifest.json'), 'utf8');
      const manifest = JSON.parse(manifestText) as ExportManifest;
      for (const uid of originalUids) expect(manifestText).not.toContain(uid);
      expect(manifest.studyInstanceUid).toMatch(/^2\.25\.\d+$/);
      expect(manifest.deidentification?.patientId).toMatch(/^VTB[0-9A-F]{20}$/);
      expect(manifest.instances.length).toBe(2);
      let studyDate = '';
      for (const entry of manifest.instances) {
        expect(entry.file).toMatch(/^\d{3}\/\d{5}\.dcm$/);
        expect(entry.seriesInstanceUid).toMatch(/^2\.25\.\d+$/);
        expect(entry.sopInstanceUid).toMatch(/^2\.25\.\d+$/);
        const bytes = await readFile(join(out, entry.file));
        const check = checkDeidentified(bytes, { originalUids, originalValues });
        expect(check.violations, entry.file).toEqual([]);
        const header = readDicomHeader(bytes);
        expect(header.patientId).toBe(manifest.deidentification?.patientId);
        expect(header.studyInstanceUid).toBe(manifest.studyInstanceUid);
        expect(header.sopInstanceUid).toBe(entry.sopInstanceUid);
        studyDate = header.studyDate;
      }
      const originalStudyDate = [...originals.values()].find((h) => h.studyInstanceUid === study)?.studyDate ?? '';
      exported.push({ manifest, studyDate, originalStudyDate });
    }
    const [first, second] = exported;
    expect(first?.manifest.deidentification?.patientId).toBe(second?.manifest.deidentification?.patientId);
    expect(first?.manifest.studyInstanceUid).not.toBe(second?.manifest.studyInstanceUid);
    const days = (date: string): number => Date.UTC(Number(date.slice(0, 4)), Number(date.slice(4, 6)) - 1, Number(date.slice(6, 8))) / 86_400_000;
    expect(first?.studyDate).not.toBe(first?.originalStudyDate);
    expect(days(second?.studyDate ?? '') - days(first?.studyDate ?? '')).toBe(days(second?.originalStudyDate ?? '') - days(first?.originalStudyDate ?? ''));
  });

  it('gives the same pseudonyms when the same study is exported again', async () => {
    const study = studies[0] ?? '';
    const again = await cli('export', study, '--data', dataDir, '--out', join(root, 'deid-again'), '--deidentify');
    expect(again.code, again.stderr).toBe(0);
    const a = JSON.parse(await readFile(join(root, 'deid-0', 'manifest.json'), 'utf8')) as ExportManifest;
    const b = JSON.parse(await readFile(join(root, 'deid-again', 'manifest.json'), 'utf8')) as ExportManifest;
    expect(b.studyInstanceUid).toBe(a.studyInstanceUid);
    expect(b.instances.map((e) => e.sopInstanceUid)).toEqual(a.instances.map((e) => e.sopInstanceUid));
  });

  it('audits imports and exports with the original patient and study', async () => {
    const patientId = [...originals.values()][0]?.patientId ?? '';
    const study = studies[0] ?? '';
    const plain = await cli('export', study, '--data', dataDir, '--out', join(root, 'plain'));
    expect(plain.code, plain.stderr).toBe(0);
    const events = await auditJson('--patient', patientId);
    const summary = events.map((e) => `${e.action}:${e.studyInstanceUid ?? ''}`);
    for (const s of studies) {
      expect(summary).toContain(`import:${s}`);
      expect(summary).toContain(`export-deidentified:${s}`);
    }
    expect(summary).toContain(`export:${study}`);
    const deid = events.find((e) => e.action === 'export-deidentified');
    expect(deid).toMatchObject({ actor, source: 'cli', outcome: 'success', patientId });
    expect(deid?.detail).toMatch(/2 instances in 2 series to .*, de-identified as study 2\.25\./);
    const failed = await cli('export', '1.2.3.4.5', '--data', dataDir, '--out', join(root, 'none'), '--deidentify');
    expect(failed.code).toBe(66);
    expect((await auditJson('--study', '1.2.3.4.5')).map((e) => `${e.action}:${e.outcome}`)).toEqual(['export-deidentified:failure']);
  });
});

describe('vertebra export --deidentify when identifying text survives the profile', () => {
  it('fails loudly, writes no file of that instance and no manifest, and audits the failure', async () => {
    // The Patient ID also sits in an attribute the Basic Profile keeps (Modality): the checker,
    // given the original values, finds it, so the export must refuse the file.
    const leakDir = join(root, 'leak-data');
    const runId = `${process.pid}${Date.now()}`;
    const file = join(root, 'leak.dcm');
    await writeFile(
      file,
      writeSyntheticPart10({
        patientId: 'LEAK42',
        patientName: 'LEAK^PATIENT',
        studyInstanceUid: syntheticUid(runId, 1),
        seriesInstanceUid: syntheticUid(runId, 1, 1),
        sopInstanceUid: syntheticUid(runId, 1, 1, 1),
        frameOfReferenceUid: syntheticUid(runId, 9),
        studyDate: '20240102',
        modality: 'LEAK42',
        instanceNumber: 1,
        rows: 8,
        columns: 8,
        zMm: 0,
      }),
    );
    expect((await cli('import', file, '--data', leakDir)).code).toBe(0);
    const out = join(root, 'leak-out');
    const result = await cli('export', syntheticUid(runId, 1), '--data', leakDir, '--out', out, '--deidentify');
    expect(result.code).toBe(65);
    expect(result.stderr).toMatch(/^vertebra: DEIDENTIFICATION_FAILED: .*de-identification check failed: .*00080060 Modality.*the file was not written/);
    expect(result.stderr).not.toContain('LEAK^PATIENT');
    expect(await listFiles(out)).toEqual([]);
    const audit = JSON.parse((await cli('audit', '--data', leakDir, '--action', 'export-deidentified', '--json')).stdout) as AuditEvent[];
    expect(audit.map((e) => [e.outcome, e.patientId])).toEqual([['failure', 'LEAK42']]);
  });
});

describe('the process stdin reader', () => {
  it('reads one line at a time from a pipe, CRLF or LF, then reports the end', async () => {
    const stream = new PassThrough();
    let prompts = '';
    const input = processStdinInput(() => stream as unknown as NodeJS.ReadStream, { write: (s: string) => (prompts += s) });
    expect(input.isTty).toBe(false);
    stream.write('first line\r\nsecond ');
    const first = input.readLine({ prompt: 'p1: ', hidden: true });
    expect(await first).toBe('first line');
    const second = input.readLine();
    stream.end('line\nlast without newline');
    expect(await second).toBe('second line');
    expect(await input.readLine()).toBe('last without newline');
    expect(await input.readLine()).toBeUndefined();
    expect(prompts).toBe('p1: ');
  });

  it('on a terminal reads in raw mode without echo, handles backspace, restores the mode, and cancels on Ctrl-C', async () => {
    const modes: boolean[] = [];
    const terminal = Object.assign(new PassThrough(), { isTTY: true, setRawMode: (mode: boolean) => modes.push(mode) });
    let shown = '';
    const input = processStdinInput(() => terminal as unknown as NodeJS.ReadStream, { write: (s: string) => (shown += s) });
    expect(input.isTty).toBe(true);
    const first = input.readLine({ prompt: 'Password: ', hidden: true });
    terminal.write('secrex\u007ft pass');
    terminal.write('word\r');
    expect(await first).toBe('secret password');
    expect(modes).toEqual([true, false]);
    expect(shown).toBe('Password: \n'); // the typed characters are never written
    const cancelled = input.readLine({ prompt: 'Again: ', hidden: true });
    terminal.write('abc\u0003');
    await expect(cancelled).rejects.toMatchObject({ code: 'REQUEST_INVALID_PARAMETER', message: expect.stringContaining('cancelled') });
    expect(modes).toEqual([true, false, true, false]);
  });
});
