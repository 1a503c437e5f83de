/**
 * WADO-RS series metadata → Cornerstone `wadors:` image ids, one per frame, in display
 * order (position along the slice normal when the geometry is there, else InstanceNumber).
 * Each instance's metadata is handed to `register` (the dicom-image-loader's wadors
 * metaDataManager) so the loader needs no second metadata request.
 */
import { numberValue, numberValues, stringValue, tags, type DicomJsonDataset } from './dicomJson.js';
import type { DicomwebClient } from './DicomwebClient.js';

export interface SeriesImageIds {
  readonly imageIds: readonly string[];
  readonly modality: string;
}

function sliceKey(instance: DicomJsonDataset): number {
  const position = numberValues(instance, tags.ImagePositionPatient);
  const orientation = numberValues(instance, tags.ImageOrientationPatient);
  if (position?.length === 3 && orientation?.length === 6) {
    const [r0, r1, r2, c0, c1, c2] = orientation as [number, number, number, number, number, number];
    const normal = [r1 * c2 - r2 * c1, r2 * c0 - r0 * c2, r0 * c1 - r1 * c0] as const;
    return (position[0] as number) * normal[0] + (position[1] as number) * normal[1] + (position[2] as number) * normal[2];
  }
  return numberValue(instance, tags.InstanceNumber) ?? 0;
}

export function buildImageIds(options: {
  readonly client: DicomwebClient;
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly instances: readonly DicomJsonDataset[];
  readonly register: (imageId: string, instance: DicomJsonDataset) => void;
}): SeriesImageIds {
  const { client, studyInstanceUid, seriesInstanceUid } = options;
  const sorted = [...options.instances].sort((a, b) => sliceKey(a) - sliceKey(b));
  const imageIds: string[] = [];
  for (const instance of sorted) {
    const sopInstanceUid = stringValue(instance, tags.SOPInstanceUID);
    if (sopInstanceUid === '') continue;
    const frames = Math.max(1, numberValue(instance, tags.NumberOfFrames) ?? 1);
    for (let frame = 1; frame <= frames; frame++) {
      const imageId = `wadors:${client.frameUrl(studyInstanceUid, seriesInstanceUid, sopInstanceUid, frame)}`;
      options.register(imageId, instance);
      imageIds.push(imageId);
    }
  }
  return { imageIds, modality: sorted[0] === undefined ? '' : stringValue(sorted[0], tags.Modality) };
}
