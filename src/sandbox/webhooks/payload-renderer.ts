import Handlebars from 'handlebars';
import { dotnetJson } from './dotnet-json.js';
import { htmlEncodeLegacy } from './html-encoder-legacy.js';

const ENCODE_HELPER = '__featbitHtmlEncodeLegacy';

/** Handlebars with FeatBit's two helpers (`HandlebarsHelpers.cs`): block `eq` and `json`. */
const engine = Handlebars.create();
engine.registerHelper('eq', function (this: unknown, left: unknown, right: unknown, options: Handlebars.HelperOptions) {
  return left !== undefined && left !== null && left === right ? options.fn(this) : options.inverse(this);
});
engine.registerHelper('json', (value: unknown) => dotnetJson(value));
engine.registerHelper(ENCODE_HELPER, (value: unknown) =>
  value === null || value === undefined ? '' : htmlEncodeLegacy(String(value)),
);

type Node = hbs.AST.Node & Record<string, unknown>;

/**
 * Rewrites every escaped `{{x}}` that is not a helper call into `{{encode x}}`, so plain fields get
 * Handlebars.Net's legacy HTML encoding while helper output (`json`) stays unencoded, as in FeatBit.
 */
function encodePlainMustaches(node: Node): void {
  if (node.type === 'MustacheStatement') {
    const mustache = node as unknown as hbs.AST.MustacheStatement;
    const isHelperCall = mustache.params.length > 0 || mustache.hash !== undefined;
    if (mustache.escaped && !isHelperCall) {
      const helperPath: hbs.AST.PathExpression = {
        type: 'PathExpression',
        data: false,
        depth: 0,
        parts: [ENCODE_HELPER],
        original: ENCODE_HELPER,
        loc: mustache.loc,
      };
      mustache.params = [mustache.path as hbs.AST.Expression];
      mustache.path = helperPath;
    }
  }
  for (const value of Object.values(node)) {
    if (Array.isArray(value))
      for (const child of value)
        if (child && typeof child === 'object' && 'type' in child) encodePlainMustaches(child as Node);
    if (value && typeof value === 'object' && !Array.isArray(value) && 'type' in value && value !== node)
      encodePlainMustaches(value as Node);
  }
}

/** Compiles a FeatBit webhook payload template; throws on template syntax errors. */
export function compilePayloadTemplate(template: string): (dataObject: Record<string, unknown>) => string {
  const ast = engine.parse(template) as unknown as Node;
  encodePlainMustaches(ast);
  return engine.compile(ast as unknown as hbs.AST.Program, { noEscape: true, strict: false });
}

/** Renders `template` over a webhook data object the way FeatBit's backend does. */
export function renderPayload(template: string, dataObject: Record<string, unknown>): string {
  return compilePayloadTemplate(template)(dataObject);
}
