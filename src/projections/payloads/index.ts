export * from './subjects.js';
export * from '../../changes/events/change-payloads.js';
export * from '../../releases/model/release-payloads.js';
export * from '../../exposure/model/exposure-payloads.js';
export * from '../../approved-state/model/approved-state-payloads.js';
export * from './ledger-payloads.js';
