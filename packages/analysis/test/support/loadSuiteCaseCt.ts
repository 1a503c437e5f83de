/**
 * One phantom suite case's CT on the suite's own grid (the eval's), encoded as DICOM by the
 * phantom and assembled back as the archive would, with the first visit's ground-truth anatomy.
 */
import { assembleVolumeAsync } from '@vertebra/dicom';
import { generatePhantomCase, phantomSuite } from '@vertebra/phantom';

type SuiteAnatomy = ReturnType<typeof generatePhantomCase>['groundTruth']['visits'][number]['anatomy'];

export async function loadSuiteCaseCt(caseId: string) {
  const options = phantomSuite().find((c) => c.caseId === caseId);
  if (!options) throw new Error(`no phantom suite case ${caseId}`);
  const phantom = generatePhantomCase({ ...options, modalities: ['ct'] });
  const anatomy: SuiteAnatomy = phantom.groundTruth.visits[0]!.anatomy;
  const { volume } = await assembleVolumeAsync(phantom.files.filter((f) => f.path.endsWith('.dcm')).map((f) => f.bytes));
  return { volume, anatomy };
}
