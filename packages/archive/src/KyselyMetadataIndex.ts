/**
 * MetadataIndex on Kysely: one code base for SQLite and PostgreSQL.
 *
 * Writes: `commitBatch` decides each ingest of a batch (stored / duplicate / replaced /
 * conflict) against the rows in the database and the earlier items of the same batch, then
 * writes patients, studies, series, instances, metadata and warnings with set-based
 * statements in ONE transaction (group commit). Inserts use ON CONFLICT DO NOTHING and
 * re-read, so several processes sharing a PostgreSQL database stay consistent.
 *
 * Reads: `query` runs a QueryPlan (planQuery.ts; PS3.4 C.2.2.2 matching) as one SELECT over
 * the joined levels, then computes the per-row attributes (PS3.4 C.3.4: Number of Study
 * Related Series/Instances, ModalitiesInStudy, …) for the returned page only.
 */
import { CompiledQuery, sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { DicomJsonAttribute, DicomJsonDataset, IngestWarning, InstanceRecord, InstanceSelector, QueryResult } from './ArchiveService.js';
import type { Dialect, IndexDatabase } from './createIndexSchema.js';
import { createIndexSchema } from './createIndexSchema.js';
import type { IndexCounts, IndexWriteItem, IndexWriteOutcome, MetadataIndex, StoredInstanceRef } from './MetadataIndex.js';
import type { MatchCondition, PlannedMatch, QueryPlan, ValueMatcher } from './planQuery.js';
import type { IndexedAttribute } from './indexedAttributes.js';

type Db = Kysely<IndexDatabase> | Transaction<IndexDatabase>;

/** Largest IN list per statement (SQLite allows 32766 parameters, PostgreSQL 65535). */
const chunkSize = 500;

function chunks<T>(values: readonly T[], size = chunkSize): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < values.length; i += size) result.push(values.slice(i, i + size));
  return result;
}

function toNumber(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

/** The string just above every string that starts with `prefix` (code point order), or null. */
export function prefixUpperBound(prefix: string): string | null {
  if (prefix === '') return null;
  const points = [...prefix];
  const last = points.pop();
  if (last === undefined) return null;
  const code = last.codePointAt(0) ?? 0;
  const next = code + 1;
  if (next > 0x10ffff || (next >= 0xd800 && next <= 0xdfff)) return null;
  return points.join('') + String.fromCodePoint(next);
}

function likePrefixEscape(value: string): string {
  return value.replace(/[!%_]/g, (c) => `!${c}`);
}

interface RowPks {
  patient_pk: number;
  study_pk: number | null;
  series_pk: number | null;
  instance_pk: number | null;
}

type RawRow = Record<string, unknown> & RowPks;

export class KyselyMetadataIndex implements MetadataIndex {
  readonly dialect: Dialect;
  readonly #db: Kysely<IndexDatabase>;
  readonly #afterCommit: (() => Promise<void>) | undefined;
  readonly #onClose: (() => Promise<void>) | undefined;

  /**
   * `afterCommit` runs after each write transaction commits and before its callers are
   * answered (SQLite: the off-thread WAL fsync, see openMetadataIndex.ts).
   */
  constructor(db: Kysely<IndexDatabase>, dialect: Dialect, hooks: { afterCommit?: () => Promise<void>; onClose?: () => Promise<void> } = {}) {
    this.#db = db;
    this.dialect = dialect;
    this.#afterCommit = hooks.afterCommit;
    this.#onClose = hooks.onClose;
  }

  /** The Kysely instance (tests and tools). */
  get db(): Kysely<IndexDatabase> {
    return this.#db;
  }

  async migrate(): Promise<void> {
    await createIndexSchema(this.#db, this.dialect);
  }

  async close(): Promise<void> {
    await this.#onClose?.();
    await this.#db.destroy();
  }

  /** The hot lookup of every ingest, compiled once (Kysely otherwise rebuilds the SQL on each call). */
  #findInstanceSql: string | null = null;

  async findInstance(sopInstanceUid: string): Promise<StoredInstanceRef | undefined> {
    this.#findInstanceSql ??= this.#db
      .selectFrom('instances as i')
      .innerJoin('series as se', 'se.pk', 'i.series_pk')
      .innerJoin('studies as st', 'st.pk', 'se.study_pk')
      .select(['i.sop_instance_uid', 'i.sha256', 'i.sop_class_uid', 'se.series_instance_uid', 'st.study_instance_uid'])
      .where('i.sop_instance_uid', '=', '')
      .compile().sql;
    const result = await this.#db.executeQuery<{ sop_instance_uid: string; sha256: string; sop_class_uid: string; series_instance_uid: string; study_instance_uid: string }>(
      CompiledQuery.raw(this.#findInstanceSql, [sopInstanceUid]),
    );
    const row = result.rows[0];
    if (!row) return undefined;
    return {
      sopInstanceUid: row.sop_instance_uid,
      sha256: row.sha256,
      sopClassUid: row.sop_class_uid,
      seriesInstanceUid: row.series_instance_uid,
      studyInstanceUid: row.study_instance_uid,
    };
  }

  async isBlobReferenced(sha256: string): Promise<boolean> {
    const row = await this.#db.selectFrom('instances').select('pk').where('sha256', '=', sha256).limit(1).executeTakeFirst();
    return row !== undefined;
  }

  async counts(): Promise<IndexCounts> {
    const count = async (table: 'patients' | 'studies' | 'series' | 'instances'): Promise<number> => {
      const row = await this.#db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
      return toNumber(row.n);
    };
    return { patients: await count('patients'), studies: await count('studies'), series: await count('series'), instances: await count('instances') };
  }

  // ---------------------------------------------------------------- writes

  async commitBatch(items: readonly IndexWriteItem[]): Promise<IndexWriteOutcome[]> {
    if (items.length === 0) return [];
    const outcomes = await this.#db.transaction().execute((trx) => this.#commitIn(trx, items));
    await this.#afterCommit?.();
    return outcomes;
  }

  async #commitIn(trx: Transaction<IndexDatabase>, items: readonly IndexWriteItem[]): Promise<IndexWriteOutcome[]> {
    const now = new Date().toISOString();
    // 1. What is stored already under these SOP Instance UIDs?
    const existing = new Map<string, { pk: number; sha256: string; seriesPk: number }>();
    const sops = [...new Set(items.map((item) => item.instance.sopInstanceUid))];
    for (const part of chunks(sops)) {
      const rows = await trx.selectFrom('instances').select(['pk', 'sop_instance_uid', 'sha256', 'series_pk']).where('sop_instance_uid', 'in', part).execute();
      for (const row of rows) existing.set(row.sop_instance_uid, { pk: row.pk, sha256: row.sha256, seriesPk: row.series_pk });
    }

    // 2. Decide each item in order; later items of the batch see the earlier ones.
    const outcomes: IndexWriteOutcome[] = [];
    const current = new Map<string, string>(); // sop → sha256 after the items so far
    for (const [sop, row] of existing) current.set(sop, row.sha256);
    const finalWrite = new Map<string, IndexWriteItem>(); // sop → the item whose data ends up stored
    for (const item of items) {
      const sop = item.instance.sopInstanceUid;
      const sha = current.get(sop);
      if (sha === undefined) {
        outcomes.push({ outcome: 'stored' });
      } else if (sha === item.instance.sha256) {
        outcomes.push({ outcome: 'duplicate' });
        continue;
      } else if (!item.replace) {
        outcomes.push({ outcome: 'conflict', existingSha256: sha });
        continue;
      } else {
        outcomes.push({ outcome: 'replaced', previousSha256: sha });
      }
      current.set(sop, item.instance.sha256);
      finalWrite.set(sop, item);
    }
    if (finalWrite.size === 0) return outcomes;
    const writes = [...finalWrite.values()];

    // 3. Studies (and their patients, for new studies), then series.
    const studyPks = await this.#ensureStudies(trx, writes, now);
    const seriesPks = await this.#ensureSeries(trx, writes, studyPks, now);

    // 4. Instances: insert new, update replaced.
    const inserts = writes.filter((w) => !existing.has(w.instance.sopInstanceUid));
    const updates = writes.filter((w) => existing.has(w.instance.sopInstanceUid));
    const lostRace = new Set<string>();
    for (const part of chunks(inserts, 200)) {
      const rows = await trx
        .insertInto('instances')
        .values(
          part.map((w) => ({
            sop_instance_uid: w.instance.sopInstanceUid,
            series_pk: seriesPks.get(w.series.seriesInstanceUid) ?? -1,
            sop_class_uid: w.instance.sopClassUid,
            transfer_syntax_uid: w.instance.transferSyntaxUid,
            instance_number: w.instance.instanceNumber,
            number_of_frames: w.instance.numberOfFrames,
            rows: w.instance.rows,
            columns: w.instance.columns,
            bits_allocated: w.instance.bitsAllocated,
            size_bytes: w.instance.sizeBytes,
            sha256: w.instance.sha256,
            created_at: now,
          })),
        )
        .onConflict((oc) => oc.column('sop_instance_uid').doNothing())
        .returning(['pk', 'sop_instance_uid'])
        .execute();
      const pkBySop = new Map(rows.map((r) => [r.sop_instance_uid, r.pk]));
      const metadata = [];
      for (const w of part) {
        const pk = pkBySop.get(w.instance.sopInstanceUid);
        if (pk === undefined) lostRace.add(w.instance.sopInstanceUid);
        else metadata.push({ instance_pk: pk, dataset: w.metadataJson });
      }
      for (const metaPart of chunks(metadata, 200)) {
        await trx.insertInto('instance_metadata').values(metaPart).execute();
      }
    }
    const emptiedSeries = new Set<number>();
    for (const w of updates) {
      const before = existing.get(w.instance.sopInstanceUid);
      if (!before) continue;
      const seriesPk = seriesPks.get(w.series.seriesInstanceUid) ?? -1;
      await trx
        .updateTable('instances')
        .set({
          series_pk: seriesPk,
          sop_class_uid: w.instance.sopClassUid,
          transfer_syntax_uid: w.instance.transferSyntaxUid,
          instance_number: w.instance.instanceNumber,
          number_of_frames: w.instance.numberOfFrames,
          rows: w.instance.rows,
          columns: w.instance.columns,
          bits_allocated: w.instance.bitsAllocated,
          size_bytes: w.instance.sizeBytes,
          sha256: w.instance.sha256,
          created_at: now,
        })
        .where('pk', '=', before.pk)
        .execute();
      await trx.updateTable('instance_metadata').set({ dataset: w.metadataJson }).where('instance_pk', '=', before.pk).execute();
      if (before.seriesPk !== seriesPk) emptiedSeries.add(before.seriesPk);
    }

    // 5. Another process stored the same SOP Instance UID since step 1: classify against it.
    if (lostRace.size > 0) {
      const rows = await trx.selectFrom('instances').select(['sop_instance_uid', 'sha256']).where('sop_instance_uid', 'in', [...lostRace]).execute();
      const shaBySop = new Map(rows.map((r) => [r.sop_instance_uid, r.sha256]));
      items.forEach((item, i) => {
        const sop = item.instance.sopInstanceUid;
        if (!lostRace.has(sop) || outcomes[i]?.outcome !== 'stored') return;
        const other = shaBySop.get(sop) ?? '';
        outcomes[i] = other === item.instance.sha256 ? { outcome: 'duplicate' } : { outcome: 'conflict', existingSha256: other };
      });
    }

    // 6. Warnings, once per study (the data set's assumptions, for the API to return).
    const warningRows = new Map<string, { study_pk: number; code: string; message: string; created_at: string }>();
    items.forEach((item, i) => {
      const outcome = outcomes[i]?.outcome;
      if (outcome !== 'stored' && outcome !== 'replaced') return;
      const studyPk = studyPks.get(item.study.studyInstanceUid);
      if (studyPk === undefined) return;
      for (const warning of item.warnings) {
        warningRows.set(`${studyPk}\u0000${warning.code}\u0000${warning.message}`, { study_pk: studyPk, code: warning.code, message: warning.message, created_at: now });
      }
    });
    for (const part of chunks([...warningRows.values()], 200)) {
      await trx.insertInto('ingest_warnings').values(part).onConflict((oc) => oc.columns(['study_pk', 'code', 'message']).doNothing()).execute();
    }

    // 7. A replacement that moved an instance to another series may leave empty parents.
    if (emptiedSeries.size > 0) await this.#pruneEmpty(trx, [...emptiedSeries]);
    return outcomes;
  }

  async #ensureStudies(trx: Transaction<IndexDatabase>, writes: readonly IndexWriteItem[], now: string): Promise<Map<string, number>> {
    const byUid = new Map<string, IndexWriteItem>();
    for (const w of writes) if (!byUid.has(w.study.studyInstanceUid)) byUid.set(w.study.studyInstanceUid, w);
    const studyPks = await this.#studyPks(trx, [...byUid.keys()]);
    const missing = [...byUid.values()].filter((w) => !studyPks.has(w.study.studyInstanceUid));
    if (missing.length === 0) return studyPks;

    const patients = new Map<string, IndexWriteItem>();
    for (const w of missing) if (!patients.has(w.patient.patientKey)) patients.set(w.patient.patientKey, w);
    for (const part of chunks([...patients.values()], 200)) {
      await trx
        .insertInto('patients')
        .values(
          part.map((w) => ({
            patient_key: w.patient.patientKey,
            patient_id: w.patient.patientId,
            patient_name: w.patient.patientName,
            patient_name_norm: w.patient.patientName.toUpperCase(),
            patient_birth_date: w.patient.patientBirthDate,
            patient_sex: w.patient.patientSex,
            created_at: now,
          })),
        )
        .onConflict((oc) => oc.column('patient_key').doNothing())
        .execute();
    }
    const patientPks = new Map<string, number>();
    for (const part of chunks([...patients.keys()])) {
      const rows = await trx.selectFrom('patients').select(['pk', 'patient_key']).where('patient_key', 'in', part).execute();
      for (const row of rows) patientPks.set(row.patient_key, row.pk);
    }
    for (const part of chunks(missing, 200)) {
      await trx
        .insertInto('studies')
        .values(
          part.map((w) => ({
            study_instance_uid: w.study.studyInstanceUid,
            patient_pk: patientPks.get(w.patient.patientKey) ?? -1,
            study_date: w.study.studyDate,
            study_time: w.study.studyTime,
            accession_number: w.study.accessionNumber,
            study_id: w.study.studyId,
            study_description: w.study.studyDescription,
            referring_physician_name: w.study.referringPhysicianName,
            referring_physician_name_norm: w.study.referringPhysicianName.toUpperCase(),
            uid_derived: w.study.uidDerived ? 1 : 0,
            created_at: now,
          })),
        )
        .onConflict((oc) => oc.column('study_instance_uid').doNothing())
        .execute();
    }
    return this.#studyPks(trx, [...byUid.keys()]);
  }

  async #studyPks(db: Db, uids: readonly string[]): Promise<Map<string, number>> {
    const result = new Map<string, number>();
    for (const part of chunks(uids)) {
      const rows = await db.selectFrom('studies').select(['pk', 'study_instance_uid']).where('study_instance_uid', 'in', part).execute();
      for (const row of rows) result.set(row.study_instance_uid, row.pk);
    }
    return result;
  }

  async #ensureSeries(trx: Transaction<IndexDatabase>, writes: readonly IndexWriteItem[], studyPks: ReadonlyMap<string, number>, now: string): Promise<Map<string, number>> {
    const byUid = new Map<string, IndexWriteItem>();
    for (const w of writes) if (!byUid.has(w.series.seriesInstanceUid)) byUid.set(w.series.seriesInstanceUid, w);
    const seriesPks = await this.#seriesPks(trx, [...byUid.keys()]);
    const missing = [...byUid.values()].filter((w) => !seriesPks.has(w.series.seriesInstanceUid));
    if (missing.length === 0) return seriesPks;
    for (const part of chunks(missing, 200)) {
      await trx
        .insertInto('series')
        .values(
          part.map((w) => ({
            series_instance_uid: w.series.seriesInstanceUid,
            study_pk: studyPks.get(w.study.studyInstanceUid) ?? -1,
            modality: w.series.modality,
            series_number: w.series.seriesNumber,
            series_description: w.series.seriesDescription,
            series_date: w.series.seriesDate,
            series_time: w.series.seriesTime,
            body_part_examined: w.series.bodyPartExamined,
            frame_of_reference_uid: w.series.frameOfReferenceUid,
            uid_derived: w.series.uidDerived ? 1 : 0,
            created_at: now,
          })),
        )
        .onConflict((oc) => oc.column('series_instance_uid').doNothing())
        .execute();
    }
    return this.#seriesPks(trx, [...byUid.keys()]);
  }

  async #seriesPks(db: Db, uids: readonly string[]): Promise<Map<string, number>> {
    const result = new Map<string, number>();
    for (const part of chunks(uids)) {
      const rows = await db.selectFrom('series').select(['pk', 'series_instance_uid']).where('series_instance_uid', 'in', part).execute();
      for (const row of rows) result.set(row.series_instance_uid, row.pk);
    }
    return result;
  }

  /** Deletes series without instances, then studies without series, then patients without studies. */
  async #pruneEmpty(trx: Transaction<IndexDatabase>, seriesPks: readonly number[]): Promise<void> {
    for (const seriesPk of seriesPks) {
      const left = await trx.selectFrom('instances').select('pk').where('series_pk', '=', seriesPk).limit(1).executeTakeFirst();
      if (left) continue;
      const series = await trx.selectFrom('series').select('study_pk').where('pk', '=', seriesPk).executeTakeFirst();
      await trx.deleteFrom('series').where('pk', '=', seriesPk).execute();
      if (!series) continue;
      const sibling = await trx.selectFrom('series').select('pk').where('study_pk', '=', series.study_pk).limit(1).executeTakeFirst();
      if (sibling) continue;
      const study = await trx.selectFrom('studies').select('patient_pk').where('pk', '=', series.study_pk).executeTakeFirst();
      await trx.deleteFrom('ingest_warnings').where('study_pk', '=', series.study_pk).execute();
      await trx.deleteFrom('studies').where('pk', '=', series.study_pk).execute();
      if (!study) continue;
      const otherStudy = await trx.selectFrom('studies').select('pk').where('patient_pk', '=', study.patient_pk).limit(1).executeTakeFirst();
      if (!otherStudy) await trx.deleteFrom('patients').where('pk', '=', study.patient_pk).execute();
    }
  }

  async deleteStudy(studyInstanceUid: string): Promise<{ deleted: boolean; sha256s: string[] }> {
    const result = await this.#deleteStudyIn(studyInstanceUid);
    await this.#afterCommit?.();
    return result;
  }

  #deleteStudyIn(studyInstanceUid: string): Promise<{ deleted: boolean; sha256s: string[] }> {
    return this.#db.transaction().execute(async (trx) => {
      const study = await trx.selectFrom('studies').select(['pk', 'patient_pk']).where('study_instance_uid', '=', studyInstanceUid).executeTakeFirst();
      if (!study) return { deleted: false, sha256s: [] };
      const instances = await trx
        .selectFrom('instances as i')
        .innerJoin('series as se', 'se.pk', 'i.series_pk')
        .select(['i.pk', 'i.sha256'])
        .where('se.study_pk', '=', study.pk)
        .execute();
      for (const part of chunks(instances.map((i) => i.pk))) {
        await trx.deleteFrom('instance_metadata').where('instance_pk', 'in', part).execute();
        await trx.deleteFrom('instances').where('pk', 'in', part).execute();
      }
      await trx.deleteFrom('series').where('study_pk', '=', study.pk).execute();
      await trx.deleteFrom('ingest_warnings').where('study_pk', '=', study.pk).execute();
      await trx.deleteFrom('studies').where('pk', '=', study.pk).execute();
      const other = await trx.selectFrom('studies').select('pk').where('patient_pk', '=', study.patient_pk).limit(1).executeTakeFirst();
      if (!other) await trx.deleteFrom('patients').where('pk', '=', study.patient_pk).execute();
      return { deleted: true, sha256s: instances.map((i) => i.sha256) };
    });
  }

  // ---------------------------------------------------------------- reads

  async listInstances(selector: InstanceSelector): Promise<InstanceRecord[]> {
    let query = this.#db
      .selectFrom('instances as i')
      .innerJoin('series as se', 'se.pk', 'i.series_pk')
      .innerJoin('studies as st', 'st.pk', 'se.study_pk')
      .select([
        'st.study_instance_uid',
        'se.series_instance_uid',
        'i.sop_instance_uid',
        'i.sop_class_uid',
        'i.transfer_syntax_uid',
        'i.instance_number',
        'i.number_of_frames',
        'i.size_bytes',
        'i.sha256',
      ])
      .where('st.study_instance_uid', '=', selector.studyInstanceUid);
    if (selector.seriesInstanceUid !== undefined) query = query.where('se.series_instance_uid', '=', selector.seriesInstanceUid);
    if (selector.sopInstanceUid !== undefined) query = query.where('i.sop_instance_uid', '=', selector.sopInstanceUid);
    const rows = await query
      .orderBy('se.pk')
      .orderBy(sql`case when i.instance_number is null then 1 else 0 end`)
      .orderBy('i.instance_number')
      .orderBy('i.pk')
      .execute();
    return rows.map((r) => ({
      studyInstanceUid: r.study_instance_uid,
      seriesInstanceUid: r.series_instance_uid,
      sopInstanceUid: r.sop_instance_uid,
      sopClassUid: r.sop_class_uid,
      transferSyntaxUid: r.transfer_syntax_uid,
      instanceNumber: r.instance_number,
      numberOfFrames: r.number_of_frames,
      sizeBytes: toNumber(r.size_bytes),
      sha256: r.sha256,
    }));
  }

  async readInstanceMetadata(sopInstanceUid: string): Promise<DicomJsonDataset | undefined> {
    const row = await this.#db
      .selectFrom('instance_metadata as m')
      .innerJoin('instances as i', 'i.pk', 'm.instance_pk')
      .select('m.dataset')
      .where('i.sop_instance_uid', '=', sopInstanceUid)
      .executeTakeFirst();
    return row ? (JSON.parse(row.dataset) as DicomJsonDataset) : undefined;
  }

  async listIngestWarnings(studyInstanceUid: string): Promise<IngestWarning[]> {
    const rows = await this.#db
      .selectFrom('ingest_warnings as w')
      .innerJoin('studies as st', 'st.pk', 'w.study_pk')
      .select(['w.code', 'w.message'])
      .where('st.study_instance_uid', '=', studyInstanceUid)
      .orderBy('w.pk')
      .execute();
    return rows.map((r) => ({ code: r.code, message: r.message }));
  }

  async query(plan: QueryPlan): Promise<QueryResult> {
    const level = plan.level;
    const from =
      level === 'PATIENT'
        ? sql`patients p`
        : level === 'STUDY'
          ? sql`studies st join patients p on p.pk = st.patient_pk`
          : level === 'SERIES'
            ? sql`series se join studies st on st.pk = se.study_pk join patients p on p.pk = st.patient_pk`
            : sql`instances i join series se on se.pk = i.series_pk join studies st on st.pk = se.study_pk join patients p on p.pk = st.patient_pk`;
    const columns: string[] = ['p.pk as patient_pk', 'p.patient_id', 'p.patient_name', 'p.patient_birth_date', 'p.patient_sex'];
    if (level !== 'PATIENT') {
      columns.push(
        'st.pk as study_pk', 'st.study_instance_uid', 'st.study_date', 'st.study_time', 'st.accession_number', 'st.study_id',
        'st.study_description', 'st.referring_physician_name',
      );
    }
    if (level === 'SERIES' || level === 'IMAGE') {
      columns.push(
        'se.pk as series_pk', 'se.series_instance_uid', 'se.modality', 'se.series_number', 'se.series_description', 'se.series_date',
        'se.series_time', 'se.body_part_examined', 'se.frame_of_reference_uid',
      );
    }
    if (level === 'IMAGE') {
      columns.push(
        'i.pk as instance_pk', 'i.sop_instance_uid', 'i.sop_class_uid', 'i.instance_number', 'i.number_of_frames', 'i.rows', 'i.columns',
        'i.bits_allocated', 'i.transfer_syntax_uid',
      );
    }
    const order =
      level === 'PATIENT'
        ? sql`p.pk`
        : level === 'STUDY'
          ? sql`st.pk`
          : level === 'SERIES'
            ? sql`se.pk`
            : sql`se.pk, case when i.instance_number is null then 1 else 0 end, i.instance_number, i.pk`;
    const conditions = plan.matches.map((m) => this.#conditionSql(m));
    const where = conditions.length === 0 ? sql`` : sql`where ${sql.join(conditions, sql` and `)}`;
    const limit = plan.limit === null ? sql`` : sql`limit ${plan.limit + 1}`;
    const offset = plan.offset === 0 ? sql`` : plan.limit === null ? sql`limit -1 offset ${plan.offset}` : sql`offset ${plan.offset}`;
    // PostgreSQL has no "limit -1": use "offset" alone there.
    const offsetSql = plan.offset !== 0 && plan.limit === null && this.dialect === 'postgres' ? sql`offset ${plan.offset}` : offset;
    const selectList = sql.join(
      columns.map((c) => {
        const [ref = c, alias] = c.split(' as ');
        return alias === undefined ? sql.ref(ref) : sql`${sql.ref(ref)} as ${sql.id(alias)}`;
      }),
    );
    const inner = sql`select ${selectList} from ${from} ${where} order by ${order} ${limit} ${offsetSql}`;
    // The computed attributes are correlated subqueries over the page only (one round trip).
    const outerOrder =
      level === 'PATIENT'
        ? sql`page.patient_pk`
        : level === 'STUDY'
          ? sql`page.study_pk`
          : level === 'SERIES'
            ? sql`page.series_pk`
            : sql`page.series_pk, case when page.instance_number is null then 1 else 0 end, page.instance_number, page.instance_pk`;
    const computedColumns = this.#computedColumns(plan);
    const statement = sql<RawRow>`select page.*${computedColumns.length === 0 ? sql`` : sql`, ${sql.join(computedColumns)}`} from (${inner}) page order by ${outerOrder}`;
    const result = await statement.execute(this.#db);
    let rows = result.rows.map((r) => ({ ...r, patient_pk: toNumber(r.patient_pk), study_pk: r.study_pk == null ? null : toNumber(r.study_pk), series_pk: r.series_pk == null ? null : toNumber(r.series_pk), instance_pk: r.instance_pk == null ? null : toNumber(r.instance_pk) }));
    let truncated = false;
    if (plan.limit !== null && rows.length > plan.limit) {
      truncated = true;
      rows = rows.slice(0, plan.limit);
    }
    const extras = await this.#extras(plan, rows);
    return {
      rows: rows.map((row, i) => this.#toDataset(plan, row, extras[i])),
      truncated,
    };
  }

  /** Correlated subqueries for the computed attributes the plan returns (PS3.4 C.3.4), named c_<Keyword>. */
  #computedColumns(plan: QueryPlan): RawBuilder<unknown>[] {
    const wanted = new Set(plan.returnAttributes.filter((a) => a.kind === 'computed').map((a) => a.keyword));
    const columns: RawBuilder<unknown>[] = [];
    const add = (keyword: string, subquery: RawBuilder<unknown>): void => {
      if (wanted.has(keyword)) columns.push(sql`(${subquery}) as ${sql.id(`c_${keyword}`)}`);
    };
    add('NumberOfPatientRelatedStudies', sql`select count(*) from studies x where x.patient_pk = page.patient_pk`);
    add('NumberOfPatientRelatedSeries', sql`select count(*) from series x join studies xs on xs.pk = x.study_pk where xs.patient_pk = page.patient_pk`);
    add('NumberOfPatientRelatedInstances', sql`select count(*) from instances x join series xe on xe.pk = x.series_pk join studies xs on xs.pk = xe.study_pk where xs.patient_pk = page.patient_pk`);
    if (plan.level !== 'PATIENT') {
      add('NumberOfStudyRelatedSeries', sql`select count(*) from series x where x.study_pk = page.study_pk`);
      add('NumberOfStudyRelatedInstances', sql`select count(*) from instances x join series xe on xe.pk = x.series_pk where xe.study_pk = page.study_pk`);
      // The one dialect difference of the query engine: the string aggregate's name.
      add(
        'ModalitiesInStudy',
        this.dialect === 'postgres'
          ? sql`select string_agg(distinct x.modality, ',') from series x where x.study_pk = page.study_pk and x.modality <> ''`
          : sql`select group_concat(distinct x.modality) from series x where x.study_pk = page.study_pk and x.modality <> ''`,
      );
    }
    if (plan.level === 'SERIES' || plan.level === 'IMAGE') {
      add('NumberOfSeriesRelatedInstances', sql`select count(*) from instances x where x.series_pk = page.series_pk`);
    }
    return columns;
  }

  #valueMatcherSql(column: RawBuilder<unknown>, matcher: ValueMatcher): RawBuilder<unknown> {
    if (matcher.kind === 'equals') return sql`${column} = ${matcher.value}`;
    const like = sql`${column} like ${matcher.pattern} escape '!'`;
    const upper = prefixUpperBound(matcher.literalPrefix);
    // The range lets both databases use the column's index for a literal prefix.
    if (upper === null) return like;
    return sql`(${column} >= ${matcher.literalPrefix} and ${column} < ${upper} and ${like})`;
  }

  #conditionSql(match: PlannedMatch): RawBuilder<unknown> {
    const { attribute, condition } = match;
    if (attribute.keyword === 'ModalitiesInStudy') {
      if (condition.kind !== 'values') return sql`1 = 0`;
      const column = sql.ref('ms.modality');
      const alternatives = condition.alternatives.map((a) => this.#valueMatcherSql(column, a));
      return sql`exists (select 1 from series ms where ms.study_pk = st.pk and (${sql.join(alternatives, sql` or `)}))`;
    }
    const columnName = attribute.normalizedColumn ?? attribute.column;
    if (columnName === undefined) return sql`1 = 0`;
    const column = sql.ref(columnName);
    return this.#conditionOn(column, condition);
  }

  #conditionOn(column: RawBuilder<unknown>, condition: MatchCondition): RawBuilder<unknown> {
    switch (condition.kind) {
      case 'values':
        return condition.alternatives.length === 1 && condition.alternatives[0]
          ? this.#valueMatcherSql(column, condition.alternatives[0])
          : sql`(${sql.join(condition.alternatives.map((a) => this.#valueMatcherSql(column, a)), sql` or `)})`;
      case 'range': {
        const parts: RawBuilder<unknown>[] = [sql`${column} <> ''`];
        if (condition.from !== null) parts.push(sql`${column} >= ${condition.from}`);
        if (condition.to !== null) parts.push(sql`${column} <= ${condition.to}`);
        return sql`(${sql.join(parts, sql` and `)})`;
      }
      case 'uids':
      case 'integers': {
        const values = condition.values as readonly (string | number)[];
        if (values.length === 1) return sql`${column} = ${values[0]}`;
        return sql`${column} in (${sql.join(values)})`;
      }
      case 'fuzzyName': {
        const parts = condition.prefixes.map((prefix) => {
          const p = likePrefixEscape(prefix);
          return sql`(${column} like ${`${p}%`} escape '!' or ${column} like ${`%^${p}%`} escape '!' or ${column} like ${`% ${p}%`} escape '!' or ${column} like ${`%=${p}%`} escape '!')`;
        });
        return parts.length === 0 ? sql`1 = 1` : sql`(${sql.join(parts, sql` and `)})`;
      }
      case 'never':
        return sql`1 = 0`;
    }
  }

  /** Attributes not in the index, read from one stored instance per row (the row's own at IMAGE level). */
  async #extras(plan: QueryPlan, rows: readonly RawRow[]): Promise<Array<DicomJsonDataset | undefined>> {
    if ((plan.extraTags.length === 0 && !plan.includeAllMetadata) || rows.length === 0) return rows.map(() => undefined);
    const representative = new Map<number, number>(); // row key → instance pk
    const keyOf = (row: RawRow): number | null => (plan.level === 'IMAGE' ? row.instance_pk : plan.level === 'SERIES' ? row.series_pk : plan.level === 'STUDY' ? row.study_pk : row.patient_pk);
    const keys = [...new Set(rows.map(keyOf).filter((k): k is number => k !== null))];
    for (const part of chunks(keys)) {
      const statement =
        plan.level === 'IMAGE'
          ? sql<{ k: unknown; ipk: unknown }>`select pk as k, pk as ipk from instances where pk in (${sql.join(part)})`
          : plan.level === 'SERIES'
            ? sql<{ k: unknown; ipk: unknown }>`select series_pk as k, min(pk) as ipk from instances where series_pk in (${sql.join(part)}) group by series_pk`
            : plan.level === 'STUDY'
              ? sql<{ k: unknown; ipk: unknown }>`select se.study_pk as k, min(i.pk) as ipk from instances i join series se on se.pk = i.series_pk where se.study_pk in (${sql.join(part)}) group by se.study_pk`
              : sql<{ k: unknown; ipk: unknown }>`select st.patient_pk as k, min(i.pk) as ipk from instances i join series se on se.pk = i.series_pk join studies st on st.pk = se.study_pk where st.patient_pk in (${sql.join(part)}) group by st.patient_pk`;
      const result = await statement.execute(this.#db);
      for (const r of result.rows) representative.set(toNumber(r.k), toNumber(r.ipk));
    }
    const datasets = new Map<number, DicomJsonDataset>();
    for (const part of chunks([...new Set(representative.values())])) {
      const result = await this.#db.selectFrom('instance_metadata').select(['instance_pk', 'dataset']).where('instance_pk', 'in', part).execute();
      for (const r of result) datasets.set(toNumber(r.instance_pk), JSON.parse(r.dataset) as DicomJsonDataset);
    }
    return rows.map((row) => {
      const key = keyOf(row);
      const ipk = key === null ? undefined : representative.get(key);
      const dataset = ipk === undefined ? undefined : datasets.get(ipk);
      if (!dataset) return undefined;
      const picked: DicomJsonDataset = {};
      if (plan.includeAllMetadata) {
        for (const [tag, attribute] of Object.entries(dataset)) {
          if (attribute.BulkDataURI !== undefined || attribute.InlineBinary !== undefined) continue;
          picked[tag] = attribute;
        }
      }
      for (const tag of plan.extraTags) {
        const attribute = dataset[tag];
        if (attribute && attribute.BulkDataURI === undefined && attribute.InlineBinary === undefined) picked[tag] = attribute;
      }
      return picked;
    });
  }

  #toDataset(plan: QueryPlan, row: RawRow, extra: DicomJsonDataset | undefined): DicomJsonDataset {
    const dataset: DicomJsonDataset = {};
    if (extra) Object.assign(dataset, extra);
    for (const attribute of plan.returnAttributes) {
      dataset[attribute.tag] = this.#attributeValue(attribute, row);
    }
    // Tags the plan asked for that no instance carries are returned empty (PS3.4 C.2.2.1.3).
    for (const tag of plan.extraTags) dataset[tag] ??= { vr: 'UN' };
    const sorted: DicomJsonDataset = {};
    for (const tag of Object.keys(dataset).sort()) {
      const value = dataset[tag];
      if (value) sorted[tag] = value;
    }
    return sorted;
  }

  #attributeValue(attribute: IndexedAttribute, row: RawRow): DicomJsonAttribute {
    if (attribute.kind === 'computed') {
      if (attribute.keyword === 'InstanceAvailability') return { vr: 'CS', Value: ['ONLINE'] };
      const value = row[`c_${attribute.keyword}`];
      if (attribute.keyword === 'ModalitiesInStudy') {
        const list = typeof value === 'string' && value !== '' ? [...new Set(value.split(','))].sort() : [];
        return list.length === 0 ? { vr: 'CS' } : { vr: 'CS', Value: list };
      }
      return { vr: 'IS', Value: [value === null || value === undefined ? 0 : toNumber(value)] };
    }
    const column = attribute.column?.split('.')[1];
    const raw = column === undefined ? null : row[column];
    if (raw === null || raw === undefined || raw === '') return { vr: attribute.vr };
    if (attribute.kind === 'integer') return { vr: attribute.vr, Value: [toNumber(raw)] };
    const text = String(raw);
    if (attribute.vr === 'PN') {
      const [alphabetic = '', ideographic = '', phonetic = ''] = text.split('=');
      const name: Record<string, string> = {};
      if (alphabetic !== '') name.Alphabetic = alphabetic;
      if (ideographic !== '') name.Ideographic = ideographic;
      if (phonetic !== '') name.Phonetic = phonetic;
      return { vr: 'PN', Value: [name] };
    }
    return { vr: attribute.vr, Value: [text] };
  }
}
