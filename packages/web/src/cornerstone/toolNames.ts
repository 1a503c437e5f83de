/**
 * The toolbar's primary-button tools, mapped to Cornerstone tool names. Secondary
 * bindings are fixed: middle button pans, right button zooms, the wheel scrolls slices.
 */
import { CalibrationLineTool } from './CalibrationLineTool.js';
import { AngleTool, ArrowAnnotateTool, CobbAngleTool, EllipticalROITool, HeightTool, CrosshairsTool, LengthTool, PanTool, ProbeTool, WindowLevelTool, ZoomTool } from '@cornerstonejs/tools';

export type PrimaryToolId = 'windowLevel' | 'pan' | 'zoom' | 'crosshairs' | 'length' | 'height' | 'angle' | 'cobbAngle' | 'probe' | 'ellipseRoi' | 'label' | 'calibrate';

export interface PrimaryTool {
  readonly id: PrimaryToolId;
  readonly label: string;
  readonly toolName: string;
  /** Keyboard shortcut (PACS-like single keys). */
  readonly key: string;
  readonly mprOnly?: boolean;
  readonly measurement?: boolean;
  /** Only on stack viewports (projection radiographs): the calibration line. */
  readonly stackOnly?: boolean;
}

export const primaryTools: readonly PrimaryTool[] = [
  { id: 'windowLevel', label: 'W/L', toolName: WindowLevelTool.toolName, key: 'w' },
  { id: 'pan', label: 'Pan', toolName: PanTool.toolName, key: 'p' },
  { id: 'zoom', label: 'Zoom', toolName: ZoomTool.toolName, key: 'z' },
  { id: 'crosshairs', label: 'Crosshairs', toolName: CrosshairsTool.toolName, key: 'x', mprOnly: true },
  { id: 'length', label: 'Length', toolName: LengthTool.toolName, key: 'l', measurement: true },
  { id: 'height', label: 'Height', toolName: HeightTool.toolName, key: 'v', measurement: true },
  { id: 'angle', label: 'Angle', toolName: AngleTool.toolName, key: 'a', measurement: true },
  { id: 'cobbAngle', label: 'Cobb angle', toolName: CobbAngleTool.toolName, key: 'c', measurement: true },
  { id: 'probe', label: 'HU probe', toolName: ProbeTool.toolName, key: 'h', measurement: true },
  { id: 'ellipseRoi', label: 'Ellipse ROI', toolName: EllipticalROITool.toolName, key: 'o', measurement: true },
  { id: 'label', label: 'Label', toolName: ArrowAnnotateTool.toolName, key: 't', measurement: true },
  { id: 'calibrate', label: 'Calibrate', toolName: CalibrationLineTool.toolName, key: 'k', stackOnly: true },
];

export const measurementToolNames: ReadonlySet<string> = new Set(primaryTools.filter((t) => t.measurement).map((t) => t.toolName));
