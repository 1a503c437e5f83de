/**
 * Encodes a DIMSE command set (PS3.7 6.3.1 and E.1: Implicit VR Little Endian, group 0000
 * with its group length first, elements in ascending tag order) from the naturalized
 * elements dcmjs-dimse keeps on a command, for the commands the SCP answers most often
 * (C-STORE-RSP: one per stored instance). dcmjs-dimse encodes every command through a full
 * dcmjs data set writer, about half a millisecond per response; this writes the few bytes
 * directly. Returns undefined for any element it does not know, so the caller falls back
 * to the library.
 */

type CommandVr = 'UI' | 'US' | 'LO' | 'AE' | 'UL';

/** The command elements a C-STORE / C-ECHO response carries (PS3.7 Table 9.3-2, 9.3-13). */
const COMMAND_ELEMENTS: Readonly<Record<string, { readonly element: number; readonly vr: CommandVr }>> = {
  AffectedSOPClassUID: { element: 0x0002, vr: 'UI' },
  CommandField: { element: 0x0100, vr: 'US' },
  MessageIDBeingRespondedTo: { element: 0x0120, vr: 'US' },
  CommandDataSetType: { element: 0x0800, vr: 'US' },
  Status: { element: 0x0900, vr: 'US' },
  ErrorComment: { element: 0x0902, vr: 'LO' },
  AffectedSOPInstanceUID: { element: 0x1000, vr: 'UI' },
};

function valueBytes(vr: CommandVr, value: unknown): Buffer | undefined {
  if (vr === 'US') {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffff) return undefined;
    const out = Buffer.allocUnsafe(2);
    out.writeUInt16LE(value, 0);
    return out;
  }
  if (typeof value !== 'string') return undefined;
  const text = Buffer.from(value, 'latin1');
  if (text.length % 2 === 0) return text;
  // UI pads with NUL, text VRs with a space (PS3.5 6.2).
  return Buffer.concat([text, Buffer.from([vr === 'UI' ? 0 : 0x20])]);
}

export function encodeCommandSet(elements: Readonly<Record<string, unknown>>): Buffer | undefined {
  const encoded: Array<{ element: number; value: Buffer }> = [];
  for (const [keyword, value] of Object.entries(elements)) {
    if (value === undefined) continue;
    const definition = COMMAND_ELEMENTS[keyword];
    if (!definition) return undefined;
    const bytes = valueBytes(definition.vr, value);
    if (!bytes) return undefined;
    encoded.push({ element: definition.element, value: bytes });
  }
  encoded.sort((a, b) => a.element - b.element);
  const groupLength = encoded.reduce((sum, e) => sum + 8 + e.value.length, 0);
  const out = Buffer.allocUnsafe(12 + groupLength);
  out.writeUInt32LE(0x00000000, 0); // (0000,0000) Command Group Length
  out.writeUInt32LE(4, 4);
  out.writeUInt32LE(groupLength, 8);
  let offset = 12;
  for (const { element, value } of encoded) {
    out.writeUInt16LE(0x0000, offset);
    out.writeUInt16LE(element, offset + 2);
    out.writeUInt32LE(value.length, offset + 4);
    value.copy(out, offset + 8);
    offset += 8 + value.length;
  }
  return out;
}
