// Synthetic DICOM Part 10 writer for the benchmarks: a minimal Explicit VR Little Endian
// encoder (PS3.5 7.1.2, PS3.10 7.1 file meta information) for CT Image Storage objects
// with generated pixel data. Independent of the code under test, so that the benchmark
// feeds Vertebra and Orthanc the very same bytes.

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UR', 'UT', 'UN']);
const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';
const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';

/** @param {string} text @param {string} vr */
function stringBytes(text, vr) {
  let bytes = Buffer.from(text, 'latin1');
  if (bytes.length % 2 === 1) bytes = Buffer.concat([bytes, Buffer.from([vr === 'UI' ? 0 : 0x20])]);
  return bytes;
}

/** @param {number} tag @param {string} vr @param {Buffer} value */
function element(tag, vr, value) {
  const long = LONG_VRS.has(vr);
  const header = Buffer.alloc(long ? 12 : 8);
  header.writeUInt16LE(tag >>> 16, 0);
  header.writeUInt16LE(tag & 0xffff, 2);
  header.write(vr, 4, 'latin1');
  if (long) header.writeUInt32LE(value.length, 8);
  else header.writeUInt16LE(value.length, 6);
  return Buffer.concat([header, value]);
}

/** @param {Array<[number, string, string | number | Buffer]>} elements */
function encode(elements) {
  return Buffer.concat(
    [...elements]
      .sort((a, b) => a[0] - b[0])
      .map(([tag, vr, value]) => {
        if (Buffer.isBuffer(value)) return element(tag, vr, value);
        if (vr === 'US') {
          const b = Buffer.alloc(2);
          b.writeUInt16LE(Number(value));
          return element(tag, vr, b);
        }
        if (vr === 'UL') {
          const b = Buffer.alloc(4);
          b.writeUInt32LE(Number(value));
          return element(tag, vr, b);
        }
        return element(tag, vr, stringBytes(String(value), vr));
      }),
  );
}

/**
 * @typedef {{
 *   patientId: string, patientName: string, studyInstanceUid: string, seriesInstanceUid: string,
 *   sopInstanceUid: string, frameOfReferenceUid: string, studyDate: string, modality?: string,
 *   instanceNumber: number, seriesNumber?: number, rows: number, columns: number, zMm: number,
 *   pixelSeed?: number, studyDescription?: string, accessionNumber?: string, sopClassUid?: string,
 * }} SyntheticInstance
 */

/**
 * One CT (or other modality, same IOD shape) slice as Part 10 bytes, 16-bit signed pixels.
 * @param {SyntheticInstance} s
 * @returns {Buffer}
 */
export function writeSyntheticPart10(s) {
  const sopClassUid = s.sopClassUid ?? CT_IMAGE_STORAGE;
  const pixels = Buffer.alloc(s.rows * s.columns * 2);
  let x = (s.pixelSeed ?? s.instanceNumber) * 2654435761 >>> 0;
  for (let i = 0; i < s.rows * s.columns; i += 1) {
    // A smooth body-like disc plus noise: compressible like real CT, not a constant.
    const r = i % s.columns - s.columns / 2;
    const c = Math.floor(i / s.columns) - s.rows / 2;
    x = (x * 1664525 + 1013904223) >>> 0;
    const inside = r * r + c * c < (s.rows * s.rows) / 5;
    pixels.writeInt16LE((inside ? 40 : -1000) + ((x >>> 24) & 0x3f), i * 2);
  }
  const dataset = encode([
    [0x00080005, 'CS', 'ISO_IR 100'],
    [0x00080008, 'CS', 'ORIGINAL\\PRIMARY\\AXIAL'],
    [0x00080016, 'UI', sopClassUid],
    [0x00080018, 'UI', s.sopInstanceUid],
    [0x00080020, 'DA', s.studyDate],
    [0x00080030, 'TM', '101500'],
    [0x00080050, 'SH', s.accessionNumber ?? ''],
    [0x00080060, 'CS', s.modality ?? 'CT'],
    [0x00080070, 'LO', 'Vertebra bench'],
    [0x00080090, 'PN', ''],
    [0x00180060, 'DS', '120'],
    [0x00185100, 'CS', 'HFS'],
    [0x00200012, 'IS', '1'],
    [0x00200060, 'CS', ''],
    [0x00201040, 'LO', ''],
    [0x00081030, 'LO', s.studyDescription ?? 'Synthetic spine CT'],
    [0x00100010, 'PN', s.patientName],
    [0x00100020, 'LO', s.patientId],
    [0x00100030, 'DA', '19600101'],
    [0x00100040, 'CS', 'O'],
    [0x00180050, 'DS', '1'],
    [0x0020000d, 'UI', s.studyInstanceUid],
    [0x0020000e, 'UI', s.seriesInstanceUid],
    [0x00200010, 'SH', '1'],
    [0x00200011, 'IS', String(s.seriesNumber ?? 1)],
    [0x00200013, 'IS', String(s.instanceNumber)],
    [0x00200032, 'DS', `-250\\-250\\${s.zMm}`],
    [0x00200037, 'DS', '1\\0\\0\\0\\1\\0'],
    [0x00200052, 'UI', s.frameOfReferenceUid],
    [0x00280002, 'US', 1],
    [0x00280004, 'CS', 'MONOCHROME2'],
    [0x00280010, 'US', s.rows],
    [0x00280011, 'US', s.columns],
    [0x00280030, 'DS', '0.9765625\\0.9765625'],
    [0x00280100, 'US', 16],
    [0x00280101, 'US', 16],
    [0x00280102, 'US', 15],
    [0x00280103, 'US', 1],
    [0x00281050, 'DS', '40'],
    [0x00281051, 'DS', '400'],
    [0x00281052, 'DS', '0'],
    [0x00281053, 'DS', '1'],
    [0x7fe00010, 'OW', pixels],
  ]);
  const metaElements = encode([
    [0x00020001, 'OB', Buffer.from([0, 1])],
    [0x00020002, 'UI', sopClassUid],
    [0x00020003, 'UI', s.sopInstanceUid],
    [0x00020010, 'UI', EXPLICIT_VR_LITTLE_ENDIAN],
    [0x00020012, 'UI', '1.2.826.0.1.3680043.10.1450.1'],
    [0x00020013, 'SH', 'VERTEBRA_BENCH'],
  ]);
  const groupLength = element(0x00020000, 'UL', Buffer.from(Uint32Array.of(metaElements.length).buffer));
  return Buffer.concat([Buffer.alloc(128), Buffer.from('DICM', 'latin1'), groupLength, metaElements, dataset]);
}

/** Deterministic UID under a private root (2.25 = UUID-derived root, PS3.5 B.2). */
export function syntheticUid(...parts) {
  return `2.25.${parts.map((p) => String(p)).join('.')}`;
}
