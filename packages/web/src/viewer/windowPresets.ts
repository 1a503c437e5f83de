/**
 * CT window presets (width/centre in HU). Bone and soft tissue are the usual radiology
 * windows (W 2000/L 500 and W 400/L 40); "spine" is a narrower bone window that keeps
 * cortical and trabecular bone and the paraspinal soft tissue distinguishable.
 */
export interface WindowPreset {
  readonly id: 'bone' | 'soft-tissue' | 'spine';
  readonly label: string;
  readonly windowWidth: number;
  readonly windowCenter: number;
}

export const windowPresets: readonly WindowPreset[] = [
  { id: 'soft-tissue', label: 'Soft tissue', windowWidth: 400, windowCenter: 40 },
  { id: 'bone', label: 'Bone', windowWidth: 2000, windowCenter: 500 },
  { id: 'spine', label: 'Spine', windowWidth: 1000, windowCenter: 300 },
];

/** VOI range [lower, upper] in HU for a width/centre pair (PS3.3 C.11.2.1.2, linear function, simplified). */
export function windowToVoiRange(preset: Pick<WindowPreset, 'windowWidth' | 'windowCenter'>): { lower: number; upper: number } {
  return { lower: preset.windowCenter - preset.windowWidth / 2, upper: preset.windowCenter + preset.windowWidth / 2 };
}
