import { RE2JS } from 're2js';
import { installRegexEngine } from './regex-engine.js';

/*
 * Imported for its effect by the synchronous entries (`./evaluator`, `./manifest`): callers that evaluate FeatBit
 * flags without a verified-manifest step in between (the service) get RE2JS installed at load.
 */
installRegexEngine(RE2JS);
