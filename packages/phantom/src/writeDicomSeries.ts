/**
 * DICOM encoding of phantom images through @vertebra/dicom's Part 10 writer:
 *  - CT Image Storage (PS3.3 A.3): one file per axial slice; Image Plane module (C.7.6.2) with
 *    orientation and stored order set by the patient position (HFS, FFS, HFP, FFP);
 *  - Digital X-Ray Image Storage – For Presentation (PS3.3 A.26): projection radiographs with
 *    ImagerPixelSpacing, DistanceSourceToDetector/Patient and
 *    EstimatedRadiographicMagnificationFactor (C.8.11.7, C.8.11.5).
 * All UIDs, dates and times derive from the study identity, so output is byte-identical per seed.
 */
import { writePart10, type NaturalizedDataset } from '@vertebra/dicom';
import type { Vec3, Volume } from '@vertebra/geometry';
import { encodeRleFrame } from './encodeRleFrame.js';
import { deterministicUid } from './seededRandom.js';
import type { PhantomPatient } from './PhantomParameters.js';

export type PatientPosition = 'HFS' | 'FFS' | 'HFP' | 'FFP';

export interface StudyIdentity {
  readonly patient: PhantomPatient;
  /** Stable key of the study (e.g. preset, seed and visit); all UIDs derive from it. */
  readonly studyKey: string;
  readonly studyInstanceUid: string;
  readonly studyDate: string;
  readonly studyTime: string;
  readonly studyDescription: string;
  readonly accessionNumber: string;
}

export function studyIdentity(options: { patient: PhantomPatient; studyKey: string; studyDate: string; studyDescription: string }): StudyIdentity {
  return {
    patient: options.patient,
    studyKey: options.studyKey,
    studyInstanceUid: deterministicUid('vertebra-phantom', options.studyKey, 'study'),
    studyDate: options.studyDate,
    studyTime: '093000',
    studyDescription: options.studyDescription,
    accessionNumber: `PH${deterministicUid(options.studyKey, 'acc').slice(5, 13)}`,
  };
}

const ctImageStorage = '1.2.840.10008.5.1.4.1.1.2';
const explicitVrLittleEndian = '1.2.840.10008.1.2.1';
const rleLossless = '1.2.840.10008.1.2.5';
const dxForPresentation = '1.2.840.10008.5.1.4.1.1.1.1';

function patientAndStudy(study: StudyIdentity): NaturalizedDataset {
  return {
    SpecificCharacterSet: 'ISO_IR 100',
    PatientName: [{ Alphabetic: study.patient.patientName }],
    PatientID: study.patient.patientId,
    PatientBirthDate: study.patient.birthDate,
    PatientSex: study.patient.sex,
    StudyInstanceUID: study.studyInstanceUid,
    StudyDate: study.studyDate,
    StudyTime: study.studyTime,
    ReferringPhysicianName: '',
    StudyID: '1',
    AccessionNumber: study.accessionNumber,
    StudyDescription: study.studyDescription,
    Manufacturer: 'Vertebra',
    ManufacturerModelName: 'Vertebra spine phantom',
    SoftwareVersions: 'phantom 0.1',
    InstitutionName: 'Vertebra Phantom Institute',
    DeviceSerialNumber: '0001',
  };
}

export interface CtSeriesOptions {
  readonly study: StudyIdentity;
  readonly seriesNumber: number;
  readonly seriesDescription: string;
  readonly patientPosition: PatientPosition;
  readonly sliceThicknessMm: number;
  readonly bodyPartExamined: string;
  /** 'rle' writes RLE Lossless (1.2.840.10008.1.2.5); default Explicit VR Little Endian. */
  readonly compression?: 'none' | 'rle';
}

export interface EncodedInstance {
  readonly sopInstanceUid: string;
  readonly instanceNumber: number;
  readonly bytes: Uint8Array;
}

export interface EncodedSeries {
  readonly seriesInstanceUid: string;
  readonly frameOfReferenceUid: string;
  readonly imageOrientationPatient: readonly number[];
  readonly instances: readonly EncodedInstance[];
}

function orientationFor(position: PatientPosition): { flipColumns: boolean; flipRows: boolean; superiorFirst: boolean } {
  switch (position) {
    case 'HFS':
      return { flipColumns: false, flipRows: false, superiorFirst: true };
    case 'FFS':
      return { flipColumns: true, flipRows: false, superiorFirst: false };
    case 'HFP':
      return { flipColumns: true, flipRows: true, superiorFirst: true };
    case 'FFP':
      return { flipColumns: false, flipRows: true, superiorFirst: false };
  }
}

const format = (value: number): number => Number(value.toFixed(6));

/** Encodes a world-aligned HU volume (direction identity) as a CT series, one Part 10 file per slice. */
export function encodeCtSeries(volume: Volume<Int16Array>, options: CtSeriesOptions): EncodedSeries {
  const { study } = options;
  const [nx, ny, nz] = volume.dimensions;
  const [sx, sy, sz] = volume.spacingMm;
  const { flipColumns, flipRows, superiorFirst } = orientationFor(options.patientPosition);
  const seriesInstanceUid = deterministicUid('vertebra-phantom', study.studyKey, 'series', options.seriesNumber);
  const frameOfReferenceUid = deterministicUid('vertebra-phantom', study.studyKey, 'frame-of-reference');
  const iop = [flipColumns ? -1 : 1, 0, 0, 0, flipRows ? -1 : 1, 0];
  const sliceSize = nx * ny;
  const instances: EncodedInstance[] = [];
  const seriesTime = '093500';
  for (let n = 0; n < nz; n += 1) {
    const k = superiorFirst ? nz - 1 - n : n;
    const pixels = new Int16Array(sliceSize);
    const base = k * sliceSize;
    for (let j = 0; j < ny; j += 1) {
      const sourceRow = flipRows ? ny - 1 - j : j;
      for (let i = 0; i < nx; i += 1) {
        const sourceColumn = flipColumns ? nx - 1 - i : i;
        pixels[j * nx + i] = volume.data[base + sourceRow * nx + sourceColumn]!;
      }
    }
    const z = volume.originLps[2] + k * sz;
    const ipp: Vec3 = [volume.originLps[0] + (flipColumns ? (nx - 1) * sx : 0), volume.originLps[1] + (flipRows ? (ny - 1) * sy : 0), z];
    const instanceNumber = n + 1;
    const sopInstanceUid = deterministicUid('vertebra-phantom', study.studyKey, 'series', options.seriesNumber, 'instance', instanceNumber);
    const dataset: NaturalizedDataset = {
      ...patientAndStudy(study),
      SOPClassUID: ctImageStorage,
      SOPInstanceUID: sopInstanceUid,
      ImageType: ['ORIGINAL', 'PRIMARY', 'AXIAL'],
      InstanceCreationDate: study.studyDate,
      InstanceCreationTime: seriesTime,
      SeriesDate: study.studyDate,
      SeriesTime: seriesTime,
      AcquisitionDate: study.studyDate,
      AcquisitionTime: seriesTime,
      ContentDate: study.studyDate,
      ContentTime: seriesTime,
      Modality: 'CT',
      SeriesDescription: options.seriesDescription,
      BodyPartExamined: options.bodyPartExamined,
      SliceThickness: format(options.sliceThicknessMm),
      KVP: 120,
      DataCollectionDiameter: 500,
      ReconstructionDiameter: format(nx * sx),
      GantryDetectorTilt: 0,
      TableHeight: 150,
      RotationDirection: 'CW',
      ExposureTime: 1000,
      XRayTubeCurrent: 200,
      ConvolutionKernel: 'BONE',
      PatientPosition: options.patientPosition,
      SeriesInstanceUID: seriesInstanceUid,
      SeriesNumber: options.seriesNumber,
      AcquisitionNumber: 1,
      InstanceNumber: instanceNumber,
      ImagePositionPatient: ipp.map(format),
      ImageOrientationPatient: iop,
      FrameOfReferenceUID: frameOfReferenceUid,
      PositionReferenceIndicator: '',
      SliceLocation: format(z),
      SamplesPerPixel: 1,
      PhotometricInterpretation: 'MONOCHROME2',
      Rows: ny,
      Columns: nx,
      PixelSpacing: [format(sy), format(sx)],
      BitsAllocated: 16,
      BitsStored: 16,
      HighBit: 15,
      PixelRepresentation: 1,
      WindowCenter: 400,
      WindowWidth: 1800,
      RescaleIntercept: 0,
      RescaleSlope: 1,
      RescaleType: 'HU',
      PixelData: options.compression === 'rle' ? [encodeRleFrame(pixels, nx, ny).buffer] : pixels.buffer,
    };
    const transferSyntaxUid = options.compression === 'rle' ? rleLossless : explicitVrLittleEndian;
    instances.push({ sopInstanceUid, instanceNumber, bytes: writePart10(dataset, { subject: `CT slice ${instanceNumber}`, transferSyntaxUid }) });
  }
  return { seriesInstanceUid, frameOfReferenceUid, imageOrientationPatient: iop, instances };
}

const mrImageStorage = '1.2.840.10008.5.1.4.1.1.4';

export interface MrSeriesOptions {
  readonly study: StudyIdentity;
  readonly seriesNumber: number;
  readonly seriesDescription: string;
  readonly weighting: 'T1' | 'T2';
  /** 'sagittal': each x column of the volume is a slice; 'axial': each z slice. */
  readonly plane: 'sagittal' | 'axial';
  readonly sliceThicknessMm: number;
}

/**
 * Encodes a world-aligned signal volume (values 0–4095) as an MR Image Storage series
 * (PS3.3 A.4): sagittal slices left to right (rows towards the feet, columns towards posterior,
 * IOP 0\1\0\0\0\-1) or axial slices head to feet (IOP 1\0\0\0\1\0). Spin-echo timing by weighting.
 */
export function encodeMrSeries(volume: Volume<Int16Array>, options: MrSeriesOptions): EncodedSeries {
  const { study } = options;
  const [nx, ny, nz] = volume.dimensions;
  const [sx, sy, sz] = volume.spacingMm;
  const [x0, y0, z0] = volume.originLps;
  const sagittal = options.plane === 'sagittal';
  const seriesInstanceUid = deterministicUid('vertebra-phantom', study.studyKey, 'series', options.seriesNumber);
  const frameOfReferenceUid = deterministicUid('vertebra-phantom', study.studyKey, 'mr-frame-of-reference');
  const iop = sagittal ? [0, 1, 0, 0, 0, -1] : [1, 0, 0, 0, 1, 0];
  const columns = sagittal ? ny : nx;
  const rows = sagittal ? nz : ny;
  const count = sagittal ? nx : nz;
  const instances: EncodedInstance[] = [];
  const t1 = options.weighting === 'T1';
  const seriesTime = t1 ? '100000' : '100500';
  for (let n = 0; n < count; n += 1) {
    const pixels = new Uint16Array(columns * rows);
    let ipp: Vec3;
    if (sagittal) {
      for (let r = 0; r < rows; r += 1) {
        const k = nz - 1 - r;
        for (let c = 0; c < columns; c += 1) pixels[r * columns + c] = Math.max(0, volume.data[n + nx * (c + ny * k)]!);
      }
      ipp = [x0 + n * sx, y0, z0 + (nz - 1) * sz];
    } else {
      const k = nz - 1 - n;
      for (let index = 0; index < columns * rows; index += 1) pixels[index] = Math.max(0, volume.data[k * nx * ny + index]!);
      ipp = [x0, y0, z0 + k * sz];
    }
    const instanceNumber = n + 1;
    const sopInstanceUid = deterministicUid('vertebra-phantom', study.studyKey, 'series', options.seriesNumber, 'instance', instanceNumber);
    const dataset: NaturalizedDataset = {
      ...patientAndStudy(study),
      SOPClassUID: mrImageStorage,
      SOPInstanceUID: sopInstanceUid,
      ImageType: ['ORIGINAL', 'PRIMARY', 'OTHER'],
      InstanceCreationDate: study.studyDate,
      InstanceCreationTime: seriesTime,
      SeriesDate: study.studyDate,
      SeriesTime: seriesTime,
      AcquisitionDate: study.studyDate,
      AcquisitionTime: seriesTime,
      ContentDate: study.studyDate,
      ContentTime: seriesTime,
      Modality: 'MR',
      SeriesDescription: options.seriesDescription,
      BodyPartExamined: 'SPINE',
      ScanningSequence: 'SE',
      SequenceVariant: 'NONE',
      ScanOptions: '',
      MRAcquisitionType: '2D',
      SequenceName: t1 ? 'tse_t1' : 'tse_t2',
      SliceThickness: format(options.sliceThicknessMm),
      RepetitionTime: t1 ? 550 : 3500,
      EchoTime: t1 ? 10 : 100,
      EchoTrainLength: t1 ? 3 : 17,
      NumberOfAverages: 2,
      ImagingFrequency: 63.87,
      ImagedNucleus: '1H',
      MagneticFieldStrength: 1.5,
      SpacingBetweenSlices: format(sagittal ? sx : sz),
      FlipAngle: 90,
      PatientPosition: 'HFS',
      SeriesInstanceUID: seriesInstanceUid,
      SeriesNumber: options.seriesNumber,
      AcquisitionNumber: 1,
      InstanceNumber: instanceNumber,
      ImagePositionPatient: ipp.map(format),
      ImageOrientationPatient: iop,
      FrameOfReferenceUID: frameOfReferenceUid,
      PositionReferenceIndicator: '',
      SliceLocation: format(sagittal ? ipp[0] : ipp[2]),
      SamplesPerPixel: 1,
      PhotometricInterpretation: 'MONOCHROME2',
      Rows: rows,
      Columns: columns,
      PixelSpacing: sagittal ? [format(sz), format(sy)] : [format(sy), format(sx)],
      BitsAllocated: 16,
      BitsStored: 12,
      HighBit: 11,
      PixelRepresentation: 0,
      WindowCenter: 500,
      WindowWidth: 1000,
      PixelData: pixels.buffer,
    };
    instances.push({ sopInstanceUid, instanceNumber, bytes: writePart10(dataset, { subject: `MR ${options.weighting} ${options.plane} slice ${instanceNumber}` }) });
  }
  return { seriesInstanceUid, frameOfReferenceUid, imageOrientationPatient: iop, instances };
}

const xaImageStorage = '1.2.840.10008.5.1.4.1.1.12.1';

export interface XaCineOptions {
  readonly study: StudyIdentity;
  readonly seriesNumber: number;
  readonly seriesDescription: string;
  readonly columns: number;
  readonly rows: number;
  /** One 10-bit frame per C-arm pose, radio-opaque dark. */
  readonly frames: readonly Uint16Array[];
  readonly primaryAnglesDeg: readonly number[];
  readonly secondaryAnglesDeg: readonly number[];
  readonly frameTimeMs: number;
  readonly imagerPixelSpacingMm: number;
  readonly sourceToDetectorMm: number;
  readonly sourceToPatientMm: number;
}

/**
 * Encodes a fluoroscopy run as one multi-frame X-Ray Angiographic Image (PS3.3 A.14) with a
 * dynamic positioner: the first frame's angles in PositionerPrimary/SecondaryAngle and the
 * per-frame changes in the angle increments (C.8.7.5); frames advance by Frame Time.
 */
export function encodeXaCine(options: XaCineOptions): { seriesInstanceUid: string; sopInstanceUid: string; bytes: Uint8Array } {
  const { study } = options;
  const seriesInstanceUid = deterministicUid('vertebra-phantom', study.studyKey, 'series', options.seriesNumber);
  const sopInstanceUid = deterministicUid('vertebra-phantom', study.studyKey, 'series', options.seriesNumber, 'instance', 1);
  const frameSize = options.columns * options.rows;
  const pixels = new Uint16Array(frameSize * options.frames.length);
  options.frames.forEach((frame, index) => pixels.set(frame, index * frameSize));
  const increments = (angles: readonly number[]): number[] => angles.map((angle, index) => format(index === 0 ? 0 : angle - angles[index - 1]!));
  const dataset: NaturalizedDataset = {
    ...patientAndStudy(study),
    SOPClassUID: xaImageStorage,
    SOPInstanceUID: sopInstanceUid,
    ImageType: ['ORIGINAL', 'PRIMARY', 'SINGLE PLANE'],
    InstanceCreationDate: study.studyDate,
    InstanceCreationTime: '110000',
    SeriesDate: study.studyDate,
    SeriesTime: '110000',
    AcquisitionDate: study.studyDate,
    AcquisitionTime: '110000',
    ContentDate: study.studyDate,
    ContentTime: '110000',
    Modality: 'XA',
    SeriesDescription: options.seriesDescription,
    SeriesInstanceUID: seriesInstanceUid,
    SeriesNumber: options.seriesNumber,
    InstanceNumber: 1,
    PatientOrientation: '',
    BodyPartExamined: 'SPINE',
    PatientPosition: 'HFS',
    KVP: 75,
    RadiationSetting: 'SC',
    XRayTubeCurrent: 5,
    ExposureTime: 10,
    DistanceSourceToDetector: format(options.sourceToDetectorMm),
    DistanceSourceToPatient: format(options.sourceToPatientMm),
    EstimatedRadiographicMagnificationFactor: format(options.sourceToDetectorMm / options.sourceToPatientMm),
    ImagerPixelSpacing: [format(options.imagerPixelSpacingMm), format(options.imagerPixelSpacingMm)],
    IntensifierSize: format(Math.max(options.columns, options.rows) * options.imagerPixelSpacingMm),
    PositionerMotion: 'DYNAMIC',
    PositionerPrimaryAngle: format(options.primaryAnglesDeg[0] ?? 0),
    PositionerSecondaryAngle: format(options.secondaryAnglesDeg[0] ?? 0),
    PositionerPrimaryAngleIncrement: increments(options.primaryAnglesDeg),
    PositionerSecondaryAngleIncrement: increments(options.secondaryAnglesDeg),
    NumberOfFrames: options.frames.length,
    FrameIncrementPointer: 0x00181063,
    FrameTime: format(options.frameTimeMs),
    CineRate: Math.round(1000 / options.frameTimeMs),
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: options.rows,
    Columns: options.columns,
    BitsAllocated: 16,
    BitsStored: 10,
    HighBit: 9,
    PixelRepresentation: 0,
    PixelIntensityRelationship: 'LOG',
    RescaleIntercept: 0,
    RescaleSlope: 1,
    RescaleType: 'US',
    LossyImageCompression: '00',
    WindowCenter: 512,
    WindowWidth: 1024,
    PixelData: pixels.buffer,
  };
  return { seriesInstanceUid, sopInstanceUid, bytes: writePart10(dataset, { subject: 'XA cine' }) };
}

export interface DxImageOptions {
  readonly study: StudyIdentity;
  readonly seriesNumber: number;
  readonly seriesDescription: string;
  readonly view: 'lateral' | 'ap';
  readonly columns: number;
  readonly rows: number;
  /** Stored values, 12 bits, bone bright (MONOCHROME2, PixelIntensityRelationship LOG). */
  readonly pixels: Uint16Array;
  readonly imagerPixelSpacingMm: number;
  readonly sourceToDetectorMm: number;
  readonly sourceToPatientMm: number;
}

/** Encodes one projection radiograph as a DX For Presentation instance. */
export function encodeDxImage(options: DxImageOptions): { seriesInstanceUid: string; sopInstanceUid: string; bytes: Uint8Array } {
  const { study } = options;
  const seriesInstanceUid = deterministicUid('vertebra-phantom', study.studyKey, 'series', options.seriesNumber);
  const sopInstanceUid = deterministicUid('vertebra-phantom', study.studyKey, 'series', options.seriesNumber, 'instance', 1);
  const lateral = options.view === 'lateral';
  const dataset: NaturalizedDataset = {
    ...patientAndStudy(study),
    SOPClassUID: dxForPresentation,
    SOPInstanceUID: sopInstanceUid,
    ImageType: ['ORIGINAL', 'PRIMARY'],
    InstanceCreationDate: study.studyDate,
    InstanceCreationTime: '094000',
    SeriesDate: study.studyDate,
    SeriesTime: '094000',
    AcquisitionDate: study.studyDate,
    AcquisitionTime: '094000',
    ContentDate: study.studyDate,
    ContentTime: '094000',
    Modality: 'DX',
    PresentationIntentType: 'FOR PRESENTATION',
    SeriesDescription: options.seriesDescription,
    SeriesInstanceUID: seriesInstanceUid,
    SeriesNumber: options.seriesNumber,
    InstanceNumber: 1,
    PatientOrientation: lateral ? ['P', 'F'] : ['L', 'F'],
    BodyPartExamined: 'SPINE',
    ImageLaterality: 'U',
    AnatomicRegionSequence: [{ CodeValue: '421060004', CodingSchemeDesignator: 'SCT', CodeMeaning: 'Spine' }],
    ViewPosition: lateral ? 'LL' : 'AP',
    // CID 4010 view codes: left lateral / antero-posterior.
    ViewCodeSequence: [lateral ? { CodeValue: '399173006', CodingSchemeDesignator: 'SCT', CodeMeaning: 'left lateral' } : { CodeValue: '399348003', CodingSchemeDesignator: 'SCT', CodeMeaning: 'antero-posterior' }],
    KVP: lateral ? 90 : 80,
    DistanceSourceToDetector: format(options.sourceToDetectorMm),
    DistanceSourceToPatient: format(options.sourceToPatientMm),
    EstimatedRadiographicMagnificationFactor: format(options.sourceToDetectorMm / options.sourceToPatientMm),
    ImagerPixelSpacing: [format(options.imagerPixelSpacingMm), format(options.imagerPixelSpacingMm)],
    DetectorType: 'DIRECT',
    PositionerType: 'NONE',
    AcquisitionContextSequence: [],
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: options.rows,
    Columns: options.columns,
    BitsAllocated: 16,
    BitsStored: 12,
    HighBit: 11,
    PixelRepresentation: 0,
    PixelIntensityRelationship: 'LOG',
    PixelIntensityRelationshipSign: 1,
    RescaleIntercept: 0,
    RescaleSlope: 1,
    RescaleType: 'US',
    PresentationLUTShape: 'IDENTITY',
    LossyImageCompression: '00',
    BurnedInAnnotation: 'NO',
    QualityControlImage: 'NO',
    WindowCenter: 2048,
    WindowWidth: 4096,
    PixelData: options.pixels.buffer.slice(options.pixels.byteOffset, options.pixels.byteOffset + options.pixels.byteLength),
  };
  return { seriesInstanceUid, sopInstanceUid, bytes: writePart10(dataset, { subject: `DX ${options.view}` }) };
}
