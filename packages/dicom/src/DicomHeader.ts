/**
 * The attributes the archive indexes, read from a Part 10 file without touching the
 * pixel data (the fast header path). Values are trimmed strings exactly as in the file
 * (DICOM PS3.5 6.2: trailing padding removed); absent or empty attributes are ''.
 * `sopClassUid` / `sopInstanceUid` fall back to the file meta information
 * (0002,0002)/(0002,0003) when the data set leaves them empty, with a warning.
 */
export interface DicomHeader {
  /** Transfer Syntax UID (0002,0010) of the data set. */
  readonly transferSyntaxUid: string;
  readonly sopClassUid: string;
  readonly sopInstanceUid: string;
  /** Empty when the data set has none; the archive derives one and warns. */
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly frameOfReferenceUid: string;
  readonly patientId: string;
  readonly patientName: string;
  readonly patientBirthDate: string;
  readonly patientSex: string;
  readonly studyDate: string;
  readonly studyTime: string;
  readonly studyDescription: string;
  readonly studyId: string;
  readonly accessionNumber: string;
  readonly referringPhysicianName: string;
  readonly modality: string;
  readonly seriesNumber: number | null;
  readonly seriesDescription: string;
  readonly seriesDate: string;
  readonly seriesTime: string;
  readonly bodyPartExamined: string;
  readonly instanceNumber: number | null;
  readonly rows: number | null;
  readonly columns: number | null;
  /** Number of Frames (0028,0008); 1 for single-frame images, 0 when there is no Pixel Data. */
  readonly numberOfFrames: number;
  readonly bitsAllocated: number | null;
  /** Image Position (Patient) (0020,0032), LPS mm, or null. */
  readonly imagePositionPatient: readonly [number, number, number] | null;
  /** Image Orientation (Patient) (0020,0037): row then column direction cosines, or null. */
  readonly imageOrientationPatient: readonly [number, number, number, number, number, number] | null;
  /** Pixel Spacing (0028,0030): [row spacing, column spacing] in mm, or null. */
  readonly pixelSpacingMm: readonly [number, number] | null;
  readonly sliceThicknessMm: number | null;
  readonly specificCharacterSet: string;
  /** Byte offset of the Pixel Data element's value in the file, or null when absent. */
  readonly pixelDataOffset: number | null;
  /** Problems that did not prevent reading, e.g. a UID taken from the file meta. */
  readonly warnings: readonly string[];
}
