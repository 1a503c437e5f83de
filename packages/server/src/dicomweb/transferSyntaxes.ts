/**
 * Transfer syntaxes and the media types WADO-RS uses for their frames (PS3.18 8.7.3.3.2,
 * Table 8.7.3-2/3).
 */
export const explicitVrLittleEndian = '1.2.840.10008.1.2.1';
export const implicitVrLittleEndian = '1.2.840.10008.1.2';
export const explicitVrBigEndian = '1.2.840.10008.1.2.2';
export const deflatedExplicitVrLittleEndian = '1.2.840.10008.1.2.1.99';

/** Uncompressed syntaxes: frames are the Pixel Data value bytes. */
export const uncompressedTransferSyntaxes: ReadonlySet<string> = new Set([implicitVrLittleEndian, explicitVrLittleEndian, explicitVrBigEndian]);

/** Compressed (encapsulated) syntaxes → the media type of a frame's codestream. */
export const frameMediaTypeByTransferSyntax: Readonly<Record<string, string>> = {
  '1.2.840.10008.1.2.5': 'image/dicom-rle',
  '1.2.840.10008.1.2.4.50': 'image/jpeg',
  '1.2.840.10008.1.2.4.51': 'image/jpeg',
  '1.2.840.10008.1.2.4.57': 'image/jpeg',
  '1.2.840.10008.1.2.4.70': 'image/jpeg',
  '1.2.840.10008.1.2.4.80': 'image/jls',
  '1.2.840.10008.1.2.4.81': 'image/jls',
  '1.2.840.10008.1.2.4.90': 'image/jp2',
  '1.2.840.10008.1.2.4.91': 'image/jp2',
  '1.2.840.10008.1.2.4.201': 'image/jphc',
  '1.2.840.10008.1.2.4.202': 'image/jphc',
  '1.2.840.10008.1.2.4.203': 'image/jphc',
};

/** Alternative spellings clients send for the same frame media types. */
export const frameMediaTypeAliases: Readonly<Record<string, string>> = {
  'image/x-dicom-rle': 'image/dicom-rle',
  'image/x-jls': 'image/jls',
  'image/jhc': 'image/jphc',
  'image/jpx': 'image/jp2',
};
