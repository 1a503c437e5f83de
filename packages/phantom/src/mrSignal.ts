/**
 * MR contrast for the phantom's tissues. The renderer's tissues carry canonical CT numbers
 * (buildAnatomy.ts tissueHu); this maps each to a spin-echo signal (0–1000) for T1- or
 * T2-weighted images, after typical 1.5 T appearances (e.g. Modic & Herfkens, Radiology 1990;
 * Pfirrmann et al., Spine 2001 for disc signal): fat and marrow bright on T1, fluid bright on T2,
 * healthy nucleus bright and desiccated nucleus dark on T2, cortex, air and metal void.
 */
export type MrWeighting = 'T1' | 'T2';

export function mrSignal(hu: number, weighting: MrWeighting): number {
  const t1 = weighting === 'T1';
  if (hu <= -900) return 0; // air
  if (hu <= -500) return t1 ? 15 : 10; // lung
  if (hu <= -30) return t1 ? 900 : 700; // fat, epidural fat, yellow marrow
  if (hu <= 20) return t1 ? 160 : 950; // CSF
  if (hu <= 40) return t1 ? 450 : 420; // cord, brain
  if (hu <= 70) return t1 ? 400 : 230; // muscle, soft tissue, ligament
  if (hu <= 78) return t1 ? 360 : 820; // hydrated nucleus pulposus
  if (hu <= 90) return t1 ? 340 : 260; // desiccated nucleus, disc bulge
  if (hu <= 110) return t1 ? 300 : 140; // annulus fibrosus
  if (hu <= 700) {
    // Red/yellow marrow of cancellous bone: lower density means fattier marrow, brighter on T1.
    const fatFraction = Math.min(1, Math.max(0, (420 - hu) / 400));
    return t1 ? 420 + 420 * fatFraction : 300 + 250 * fatFraction;
  }
  return t1 ? 40 : 30; // cortex and metal: signal void
}
