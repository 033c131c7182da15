export * from './exposure-verdict.js';
export * from './flag-change.js';
export * from './list-flag-changes.js';
export * from './segment-diff.js';
export * from './diff-flag.js';
export { isSegmentContained } from './segment-containment.js';
export { conditionsImply, propertyConditionImplies } from './condition-implication.js';
export { FlagSide } from './flag-side.js';
export { findMalformed, referencedSegmentIds } from './flag-integrity.js';
