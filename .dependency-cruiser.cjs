/**
 * Package boundaries from DESIGN.md, enforced on every `npm test`:
 * each package may import only the packages listed for it, never another package's
 * internals (only its entry point), and no module may be part of an import cycle.
 */
const allowed = {
  errors: [],
  geometry: [],
  dicom: ['errors', 'geometry'],
  analysis: ['geometry'],
  phantom: ['errors', 'geometry', 'dicom'],
  archive: ['errors', 'dicom', 'geometry'],
  report: ['errors', 'dicom', 'analysis', 'geometry'],
  contracts: ['errors', 'geometry', 'analysis'],
  server: ['errors', 'geometry', 'dicom', 'analysis', 'phantom', 'archive', 'report', 'contracts'],
  web: ['contracts', 'geometry', 'analysis'],
  cli: ['errors', 'geometry', 'dicom', 'analysis', 'phantom', 'archive', 'report', 'contracts', 'server'],
};

const boundaryRules = Object.entries(allowed).map(([name, deps]) => {
  const permitted = [name, ...deps].join('|');
  return {
    name: `boundary-${name}`,
    comment: `${name} may import only: ${deps.join(', ') || 'nothing'} (DESIGN.md)`,
    severity: 'error',
    from: { path: `^packages/${name}/src` },
    to: { path: '^packages/([^/]+)/', pathNot: `^packages/(${permitted})/` },
  };
});

module.exports = {
  forbidden: [
    ...boundaryRules,
    {
      name: 'no-circular',
      comment: 'no import cycles (DESIGN.md)',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-deep-package-imports',
      comment: 'import another package only through its entry point (src/index.ts)',
      severity: 'error',
      from: { path: '^packages/([^/]+)/src' },
      to: { path: '^packages/([^/]+)/src/(?!index\\.ts$)', pathNot: '^packages/$1/src' },
    },
    {
      name: 'analysis-is-pure',
      comment: 'analysis runs unchanged in browsers and workers: no Node built-ins',
      severity: 'error',
      from: { path: '^packages/analysis/src' },
      to: { dependencyTypes: ['core'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { conditionNames: ['source', 'import', 'default'], exportsFields: ['exports'] },
  },
};
