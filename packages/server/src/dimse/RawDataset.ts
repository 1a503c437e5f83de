/**
 * A dcmjs-dimse Dataset that carries its data set already encoded in a given transfer
 * syntax (PS3.7 6.3.1: a DIMSE data set is the encoded data set, without file meta).
 * dcmjs-dimse asks every dataset for `getDenaturalizedDataset()` before it fragments it
 * into P-DATA-TF PDVs; returning the stored bytes avoids a dcmjs parse + re-encode on
 * every C-STORE sub-operation and C-FIND response. The few naturalized elements kept
 * (SOPClassUID, SOPInstanceUID) are what CStoreRequest reads for its command set.
 * A received C-STORE data set is kept as the PDV fragments it arrived in (`parts`, views on
 * the PDUs): the SCP copies them once, straight into the Part 10 file it ingests.
 */
import dimse from 'dcmjs-dimse';

export class RawDataset extends dimse.Dataset {
  /** The encoded data set in one or more consecutive pieces. */
  readonly parts: readonly Uint8Array[];
  #joined: Uint8Array | undefined;

  constructor(encoded: Uint8Array | readonly Uint8Array[], transferSyntaxUid: string, elements: Record<string, unknown> = {}) {
    super(elements, transferSyntaxUid);
    this.parts = encoded instanceof Uint8Array ? [encoded] : encoded;
    if (this.parts.length === 1) this.#joined = this.parts[0];
  }

  /** The encoded data set as one array (joined on first use when it came in pieces). */
  get encoded(): Uint8Array {
    this.#joined ??= Buffer.concat(this.parts);
    return this.#joined;
  }

  override getDenaturalizedDataset(): Buffer {
    return Buffer.from(this.encoded.buffer, this.encoded.byteOffset, this.encoded.byteLength);
  }
}
