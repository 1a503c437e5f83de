/**
 * A dcmjs-dimse Dataset that carries its data set already encoded in a given transfer
 * syntax (PS3.7 6.3.1: a DIMSE data set is the encoded data set, without file meta).
 * dcmjs-dimse asks every dataset for `getDenaturalizedDataset()` before it fragments it
 * into P-DATA-TF PDVs; returning the stored bytes avoids a dcmjs parse + re-encode on
 * every C-STORE sub-operation and C-FIND response. The few naturalized elements kept
 * (SOPClassUID, SOPInstanceUID) are what CStoreRequest reads for its command set.
 */
import dimse from 'dcmjs-dimse';

export class RawDataset extends dimse.Dataset {
  readonly encoded: Uint8Array;

  constructor(encoded: Uint8Array, transferSyntaxUid: string, elements: Record<string, unknown> = {}) {
    super(elements, transferSyntaxUid);
    this.encoded = encoded;
  }

  override getDenaturalizedDataset(): Buffer {
    return Buffer.from(this.encoded.buffer, this.encoded.byteOffset, this.encoded.byteLength);
  }
}
