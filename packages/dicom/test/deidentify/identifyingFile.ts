/**
 * A synthetic CT full of identifying attributes, built element by element so that it can
 * hold what naturalized writers drop: private groups (with a private SQ), an overlay
 * group with comments, a retired curve group, names and IDs nested in sequences.
 */
import { deflateRawSync } from 'node:zlib';
import { encodeElements, stringValue, type OutputElement } from '../../src/deidentify/encodeElements.js';

export interface IdentifyingSpec {
  readonly patientId?: string;
  readonly patientName?: string;
  readonly studyUid?: string;
  readonly seriesUid?: string;
  readonly sopUid?: string;
  readonly studyDate?: string;
  readonly frameOfReferenceUid?: string;
}

/** Values a checker must never find in a de-identified copy. */
export const IDENTIFYING_TEXT = [
  'DOE^JOHN', 'MRN-0042', 'ST ELSEWHERE HOSPITAL', '1 HOSPITAL ROAD', 'HOUSE^GREGORY', 'OTHER-ID-77', 'HOSPITAL-B',
  'ACC-9988', 'CUDDY^LISA', 'PRIVATE SECRET', 'OVERLAY NOTE JOHN DOE', 'WILSON^JAMES', 'SCANNER-ROOM-3', 'SN-123456',
];

function text(tag: number, vr: string, value: string): OutputElement {
  return { tag, vr, value: stringValue(value, vr) };
}

function us(tag: number, value: number): OutputElement {
  const bytes = new Uint8Array(2);
  new DataView(bytes.buffer).setUint16(0, value, true);
  return { tag, vr: 'US', value: bytes };
}

/** The data set elements (explicit VR little endian), sorted by tag. */
export function identifyingElements(spec: IdentifyingSpec = {}): OutputElement[] {
  const rows = 8;
  const columns = 8;
  const pixels = new Uint8Array(rows * columns * 2);
  for (let i = 0; i < pixels.length; i += 1) pixels[i] = (i * 37) % 251;
  const sopUid = spec.sopUid ?? '1.2.826.0.1.3680043.10.777.3.1';
  const elements: OutputElement[] = [
    text(0x00080005, 'CS', 'ISO_IR 100'),
    text(0x00080008, 'CS', 'ORIGINAL\\PRIMARY\\AXIAL'),
    text(0x00080012, 'DA', '20240105'),
    text(0x00080013, 'TM', '101010'),
    text(0x00080016, 'UI', '1.2.840.10008.5.1.4.1.1.2'),
    text(0x00080018, 'UI', sopUid),
    text(0x00080020, 'DA', spec.studyDate ?? '20240105'),
    text(0x00080021, 'DA', spec.studyDate ?? '20240105'),
    text(0x00080022, 'DA', spec.studyDate ?? '20240105'),
    text(0x00080023, 'DA', spec.studyDate ?? '20240105'),
    text(0x0008002a, 'DT', `${spec.studyDate ?? '20240105'}101500.123`),
    text(0x00080030, 'TM', '101500'),
    text(0x00080031, 'TM', '101600'),
    text(0x00080032, 'TM', '101700'),
    text(0x00080033, 'TM', '101800'),
    text(0x00080050, 'SH', 'ACC-9988'),
    text(0x00080060, 'CS', 'CT'),
    text(0x00080070, 'LO', 'ACME'),
    text(0x00080080, 'LO', 'St Elsewhere Hospital'),
    text(0x00080081, 'ST', '1 Hospital Road'),
    text(0x00080090, 'PN', 'House^Gregory'),
    text(0x00081010, 'SH', 'SCANNER-ROOM-3'),
    text(0x00081030, 'LO', 'CT LUMBAR SPINE'),
    text(0x0008103e, 'LO', 'AXIAL BONE'),
    text(0x00081048, 'PN', 'Cuddy^Lisa'),
    text(0x00081070, 'PN', 'Wilson^James'),
    {
      tag: 0x00081140, vr: 'SQ', value: [[
        text(0x00081150, 'UI', '1.2.840.10008.5.1.4.1.1.2'),
        text(0x00081155, 'UI', '1.2.826.0.1.3680043.10.777.3.99'),
      ]],
    },
    {
      tag: 0x00082218, vr: 'SQ', value: [[ // Anatomic Region Sequence: a code whose Context Group Version is not a patient date
        text(0x00080100, 'SH', 'T-D0146'),
        text(0x00080102, 'SH', 'SRT'),
        text(0x00080104, 'LO', 'Lumbar spine'),
        text(0x00080105, 'CS', 'DCMR'),
        text(0x00080106, 'DT', '20020904000000'),
        text(0x0008010f, 'CS', '4031'),
      ]],
    },
    text(0x00100010, 'PN', spec.patientName ?? 'Doe^John'),
    text(0x00100020, 'LO', spec.patientId ?? 'MRN-0042'),
    text(0x00100030, 'DA', '19600214'),
    text(0x00100040, 'CS', 'M'),
    {
      tag: 0x00101002, vr: 'SQ', value: [[
        text(0x00100020, 'LO', 'OTHER-ID-77'),
        text(0x00100021, 'LO', 'HOSPITAL-B'),
      ]],
    },
    text(0x00101010, 'AS', '064Y'),
    text(0x00101040, 'LO', '1 Hospital Road'),
    text(0x00180015, 'CS', 'LSPINE'),
    text(0x00180050, 'DS', '1'),
    text(0x00181000, 'LO', 'SN-123456'),
    text(0x0020000d, 'UI', spec.studyUid ?? '1.2.826.0.1.3680043.10.777.1'),
    text(0x0020000e, 'UI', spec.seriesUid ?? '1.2.826.0.1.3680043.10.777.2'),
    text(0x00200010, 'SH', '4711'),
    text(0x00200011, 'IS', '1'),
    text(0x00200013, 'IS', '1'),
    text(0x00200032, 'DS', '0\\0\\0'),
    text(0x00200037, 'DS', '1\\0\\0\\0\\1\\0'),
    text(0x00200052, 'UI', spec.frameOfReferenceUid ?? '1.2.826.0.1.3680043.10.777.4'),
    text(0x00204000, 'LT', 'Patient John Doe, see chart'),
    us(0x00280002, 1),
    text(0x00280004, 'CS', 'MONOCHROME2'),
    us(0x00280010, rows),
    us(0x00280011, columns),
    text(0x00280030, 'DS', '0.5\\0.5'),
    us(0x00280100, 16),
    us(0x00280101, 12),
    us(0x00280102, 11),
    us(0x00280103, 0),
    text(0x00281052, 'DS', '-1024'),
    text(0x00281053, 'DS', '1'),
    {
      tag: 0x00400275, vr: 'SQ', value: [[
        text(0x00321032, 'PN', 'Cuddy^Lisa'),
        text(0x00401001, 'SH', 'RP-1'),
        text(0x00400009, 'SH', 'SPS-1'),
      ]],
    },
    text(0x00091010, 'LO', 'ACME PRIVATE'),
    text(0x00091011, 'LO', 'Private secret'),
    { tag: 0x00091012, vr: 'SQ', value: [[text(0x00100010, 'PN', 'Doe^John')]] },
    text(0x50000022, 'LO', 'curve of john'),
    us(0x60000010, rows),
    us(0x60000011, columns),
    text(0x60000040, 'CS', 'G'),
    text(0x60000050, 'SS', '\u0001\u0000\u0001\u0000'),
    us(0x60000100, 1),
    us(0x60000102, 0),
    { tag: 0x60003000, vr: 'OW', value: new Uint8Array(rows * columns / 8) },
    text(0x60004000, 'LT', 'Overlay note John Doe'),
    { tag: 0x7fe00010, vr: 'OW', value: pixels },
  ];
  return elements.sort((a, b) => a.tag - b.tag);
}

const SWAP_VRS = new Set(['US', 'SS', 'OW']);

function bigEndian(elements: readonly OutputElement[]): OutputElement[] {
  return elements.map((element) => {
    if (!(element.value instanceof Uint8Array)) return { ...element, value: element.value.map((item) => bigEndian(item)) };
    if (!SWAP_VRS.has(element.vr)) return element;
    const swapped = new Uint8Array(element.value.length);
    for (let i = 0; i + 1 < element.value.length; i += 2) {
      swapped[i] = element.value[i + 1] ?? 0;
      swapped[i + 1] = element.value[i] ?? 0;
    }
    return { ...element, value: swapped };
  });
}

/** Transfer syntaxes identifyingFile can write. */
export type NativeSyntax = '1.2.840.10008.1.2' | '1.2.840.10008.1.2.1' | '1.2.840.10008.1.2.2' | '1.2.840.10008.1.2.1.99';

/** A Part 10 file of the given elements (default: identifyingElements) in a native transfer syntax. */
export function part10File(elements: readonly OutputElement[], options: { sopUid: string; sopClassUid?: string; transferSyntaxUid?: string }): Uint8Array {
  const ts = options.transferSyntaxUid ?? '1.2.840.10008.1.2.1';
  const encoding = { explicit: ts !== '1.2.840.10008.1.2', littleEndian: ts !== '1.2.840.10008.1.2.2' };
  const encoded = encodeElements(ts === '1.2.840.10008.1.2.2' ? bigEndian(elements) : elements, encoding);
  const body = ts === '1.2.840.10008.1.2.1.99' ? deflateRawSync(encoded) : encoded; // PS3.5 A.5
  const metaElements: OutputElement[] = [
    { tag: 0x00020001, vr: 'OB', value: new Uint8Array([0, 1]) },
    text(0x00020002, 'UI', options.sopClassUid ?? '1.2.840.10008.5.1.4.1.1.2'),
    text(0x00020003, 'UI', options.sopUid),
    text(0x00020010, 'UI', ts),
    text(0x00020012, 'UI', '1.2.826.0.1.3680043.10.777.9'),
    text(0x00020016, 'AE', 'HOSPITAL_PACS'),
  ];
  const meta = encodeElements(metaElements, { explicit: true, littleEndian: true });
  const groupLength = new Uint8Array(4);
  new DataView(groupLength.buffer).setUint32(0, meta.length, true);
  const head = encodeElements([{ tag: 0x00020000, vr: 'UL', value: groupLength }], { explicit: true, littleEndian: true });
  const preamble = new Uint8Array(132);
  preamble.set([0x44, 0x49, 0x43, 0x4d], 128);
  return new Uint8Array(Buffer.concat([preamble, head, meta, body]));
}

/** A Part 10 file of identifyingElements (explicit VR little endian unless told otherwise). */
export function identifyingFile(spec: IdentifyingSpec = {}, transferSyntaxUid: NativeSyntax = '1.2.840.10008.1.2.1'): Uint8Array {
  return part10File(identifyingElements(spec), { sopUid: spec.sopUid ?? '1.2.826.0.1.3680043.10.777.3.1', transferSyntaxUid });
}
