/**
 * The 'calibrate' tool (issue 5): a length line the user draws over an object of known
 * size on a projection radiograph. It is Cornerstone's LengthTool under its own name, so
 * its annotations are not measurements: StudyViewer asks for the true length when one is
 * completed, saves mm per pixel for the series on the server, and removes the line.
 */
import { LengthTool } from '@cornerstonejs/tools';

export class CalibrationLineTool extends LengthTool {
  static override toolName = 'CalibrationLine';
}
