/**
 * The toolbar's primary-button tools, mapped to Cornerstone tool names. Secondary
 * bindings are fixed: middle button pans, right button zooms, the wheel scrolls slices.
 */
import { AngleTool, CobbAngleTool, CrosshairsTool, LengthTool, PanTool, ProbeTool, WindowLevelTool, ZoomTool } from '@cornerstonejs/tools';

export type PrimaryToolId = 'windowLevel' | 'pan' | 'zoom' | 'crosshairs' | 'length' | 'angle' | 'cobbAngle' | 'probe';

export interface PrimaryTool {
  readonly id: PrimaryToolId;
  readonly label: string;
  readonly toolName: string;
  /** Keyboard shortcut (PACS-like single keys). */
  readonly key: string;
  readonly mprOnly?: boolean;
  readonly measurement?: boolean;
}

export const primaryTools: readonly PrimaryTool[] = [
  { id: 'windowLevel', label: 'W/L', toolName: WindowLevelTool.toolName, key: 'w' },
  { id: 'pan', label: 'Pan', toolName: PanTool.toolName, key: 'p' },
  { id: 'zoom', label: 'Zoom', toolName: ZoomTool.toolName, key: 'z' },
  { id: 'crosshairs', label: 'Crosshairs', toolName: CrosshairsTool.toolName, key: 'x', mprOnly: true },
  { id: 'length', label: 'Length', toolName: LengthTool.toolName, key: 'l', measurement: true },
  { id: 'angle', label: 'Angle', toolName: AngleTool.toolName, key: 'a', measurement: true },
  { id: 'cobbAngle', label: 'Cobb angle', toolName: CobbAngleTool.toolName, key: 'c', measurement: true },
  { id: 'probe', label: 'HU probe', toolName: ProbeTool.toolName, key: 'h', measurement: true },
];

export const measurementToolNames: ReadonlySet<string> = new Set(primaryTools.filter((t) => t.measurement).map((t) => t.toolName));
