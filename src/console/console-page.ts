/** The console's only HTML: a shell that loads the versioned script and style sheet; no inline code or style. */
export function consolePage(version: string): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>featgate console</title>',
    '<link rel="icon" href="data:,">',
    `<link rel="stylesheet" href="/console/assets/styles.css?v=${version}">`,
    `<script type="module" src="/console/assets/app.js?v=${version}"></script>`,
    '</head>',
    '<body>',
    '<div id="app"><p>Loading the featgate console…</p></div>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
