import { readFileSync, statSync } from 'node:fs';
import { EvidenceType, importPromptfoo, TYPED_PAYLOAD, type OfflineEval } from '../../changes/model/index.js';
import { ValidationError } from '../../errors/index.js';

/** Formats `featgate evidence attach --file` reads. */
export enum EvidenceFileFormat {
  /** The typed content itself (an offlineEval's `eval`, a review's `review`, ...), as JSON. */
  Featgate = 'featgate',
  /** promptfoo's JSON output (`promptfoo eval -o results.json`), for `--type offlineEval`. */
  Promptfoo = 'promptfoo',
}

/** What `evidence attach` was told beside the file (promptfoo's output names no candidate or dataset). */
export interface EvidenceFileOptions {
  readonly type: string;
  readonly format: EvidenceFileFormat;
  readonly candidateHash?: string;
  readonly dataset?: string;
  readonly datasetVersion?: string;
  readonly evaluatorVersion?: string;
  readonly baselinePrompt?: string;
  readonly candidatePrompt?: string;
  readonly lowerIsBetter?: readonly string[];
}

const MAX_FILE_BYTES = 64 * 1024 * 1024;

/**
 * Reads an evidence file into the request fields of its kind (`{ eval }`, `{ review }`, ...) with a summary in
 * words. The service validates the content again; this only turns a tool's format into featgate's.
 */
export function readEvidenceFile(
  file: string,
  options: EvidenceFileOptions,
): { readonly content: Record<string, unknown>; readonly summary: string } {
  const field = (TYPED_PAYLOAD as Record<string, string | undefined>)[options.type];
  if (!field)
    throw new ValidationError([
      {
        path: 'type',
        message: `${options.type} has no typed content to read from a file; typed kinds: ${Object.keys(TYPED_PAYLOAD).join(', ')}`,
      },
    ]);
  const json = readJson(file);
  if (options.format === EvidenceFileFormat.Promptfoo) {
    if (options.type !== EvidenceType.OfflineEval)
      throw new ValidationError([{ path: 'format', message: 'promptfoo output is an offlineEval' }]);
    const missing = (['dataset', 'datasetVersion'] as const).filter((name) => !options[name]);
    if (missing.length > 0)
      throw new ValidationError(
        missing.map((name) => ({
          path: name,
          message: `promptfoo's output does not name the ${name === 'dataset' ? 'dataset' : "dataset's version"}: pass it`,
        })),
      );
    const result = importPromptfoo(json, {
      dataset: options.dataset!,
      datasetVersion: options.datasetVersion!,
      ...pick(options, ['candidateHash', 'evaluatorVersion', 'baselinePrompt', 'candidatePrompt', 'lowerIsBetter']),
    });
    return { content: { eval: result }, summary: evalSummary(result) };
  }
  const summary =
    field === 'eval' &&
    typeof json === 'object' &&
    json !== null &&
    Array.isArray((json as { metrics?: unknown }).metrics)
      ? evalSummary(json as OfflineEval)
      : `${options.type} from ${file}`;
  return { content: { [field]: json }, summary };
}

/** An eval in one line: who ran what on how many samples, and each metric against its baseline. */
export function evalSummary(result: OfflineEval): string {
  const metrics = result.metrics
    .map((metric) => `${metric.metric} ${metric.candidateScore} (baseline ${metric.baselineScore})`)
    .join(', ');
  return `${result.evaluator}@${result.evaluatorVersion} on ${result.dataset}@${result.datasetVersion}, ${result.sampleSize} samples: ${metrics}`.slice(
    0,
    10_000,
  );
}

function readJson(file: string): unknown {
  if (file !== '-' && statSync(file).size > MAX_FILE_BYTES)
    throw new ValidationError([{ path: 'file', file, message: `larger than ${MAX_FILE_BYTES} bytes` }]);
  const text = readFileSync(file === '-' ? 0 : file, 'utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ValidationError([{ path: '', file, message: `not JSON: ${(error as Error).message}` }]);
  }
}

function pick<T extends object, K extends keyof T>(source: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const picked: Partial<Pick<T, K>> = {};
  for (const key of keys) if (source[key] !== undefined) picked[key] = source[key];
  return picked;
}
