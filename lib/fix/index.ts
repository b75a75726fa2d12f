/** `oomguard fix`: comment- and format-preserving repair of manifests from the rules' fixes. */
export { fixText, MAX_FIX_PASSES, type AppliedFix, type FixOptions, type FixResult, type UnfixedFinding } from './fixer';
export { planEdits, applySplices, type Planned, type Splice } from './plan';
export { plainIsSafe, renderScalar, type ScalarStyle } from './scalars';
export { readForUpdate, writeFileAtomic, WriteError, type ReadForUpdate, type Snapshot } from './write';
export { fromLf, toLf, type TextForm } from './text-form';
