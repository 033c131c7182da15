import { changeRecordSchema, type ChangeRecord } from './change-record.js';
import { parseYamlSource, readYamlSource } from '../../yaml/index.js';

/** Parses a change record from YAML or JSON text; errors name `file`, line and field. */
export function parseChangeRecord(text: string, file = '<change record>'): ChangeRecord {
  return parseYamlSource(text, file, changeRecordSchema);
}

/** Reads and validates a change record file (YAML or JSON). */
export function readChangeRecordFile(path: string): Promise<ChangeRecord> {
  return readYamlSource(path, changeRecordSchema);
}
