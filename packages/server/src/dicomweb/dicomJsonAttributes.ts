/**
 * Small builders for DICOM JSON attributes (PS3.18 Annex F.2) used in DICOMweb responses,
 * plus the Vertebra private block that carries ingest warnings and failure texts.
 * Private attributes follow PS3.5 7.8.1: creator (0009,0010) = 'VERTEBRA' reserves
 * (0009,1000-10FF).
 */
import type { DicomJsonAttribute, DicomJsonDataset } from '@vertebra/archive';

export const uiAttr = (value: string): DicomJsonAttribute => (value ? { vr: 'UI', Value: [value] } : { vr: 'UI' });
export const urAttr = (value: string): DicomJsonAttribute => ({ vr: 'UR', Value: [value] });
export const usAttr = (value: number): DicomJsonAttribute => ({ vr: 'US', Value: [value] });
export const sqAttr = (items: readonly DicomJsonDataset[]): DicomJsonAttribute => ({ vr: 'SQ', Value: [...items] });

/** (0009,0010) private creator of the Vertebra block. */
export const vertebraPrivateCreatorTag = '00090010';
export const vertebraPrivateCreator = 'VERTEBRA';
/** (0009,1001) LO, VM 1-n: Vertebra codes (catalogue error code or ingest warning code). */
export const vertebraCodesTag = '00091001';
/** (0009,1002) UC, VM 1-n: the matching human-readable messages. */
export const vertebraMessagesTag = '00091002';

/** The Vertebra private attributes for a list of codes and messages; {} when empty. */
export function vertebraNotes(notes: readonly { code: string; message: string }[]): DicomJsonDataset {
  if (notes.length === 0) return {};
  return {
    [vertebraPrivateCreatorTag]: { vr: 'LO', Value: [vertebraPrivateCreator] },
    [vertebraCodesTag]: { vr: 'LO', Value: notes.map((n) => n.code) },
    [vertebraMessagesTag]: { vr: 'UC', Value: notes.map((n) => n.message) },
  };
}

/** First value of an attribute as a string, '' when absent. */
export function firstString(dataset: DicomJsonDataset, tag: string): string {
  const value = dataset[tag]?.Value?.[0];
  if (value === undefined || value === null) return '';
  if (typeof value === 'object' && value !== null && 'Alphabetic' in value) return String((value as { Alphabetic: unknown }).Alphabetic ?? '');
  return String(value);
}

/** All values of a numeric attribute; [] when absent. */
export function numbers(dataset: DicomJsonDataset, tag: string): number[] {
  return (dataset[tag]?.Value ?? []).map((v) => Number(v)).filter((v) => Number.isFinite(v));
}
