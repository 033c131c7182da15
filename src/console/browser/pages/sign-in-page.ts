import { h, replace } from '../dom.js';
import { startOidcSignIn, type OidcSettings } from '../oidc-sign-in.js';
import { markRendered } from '../page-context.js';

/**
 * Sign-in with a featgate API token (the demo prints one per role). The token stays in this tab's session storage
 * and goes only to this origin's API; the console itself holds no secret and grants nothing.
 */
export function signInPage(
  main: HTMLElement,
  reason: string | undefined,
  oidc: OidcSettings | null,
  signIn: (token: string) => void,
): void {
  const input = h('input', {
    id: 'token',
    name: 'token',
    type: 'password',
    autocomplete: 'off',
    required: true,
    spellcheck: 'false',
    'aria-describedby': 'token-help',
  });
  const form = h(
    'form',
    { class: 'card', onsubmit: (event) => (event.preventDefault(), input.value.trim() && signIn(input.value.trim())) },
    h('label', { for: 'token' }, 'featgate token'),
    input,
    h(
      'p',
      { id: 'token-help', class: 'hint' },
      'Paste your API token. In demo mode, `featgate serve` prints one per role (also kept in the data folder’s demo.json).',
    ),
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
  );
  const provider = oidc
    ? h(
        'div',
        { class: 'card' },
        h(
          'button',
          { type: 'button', id: 'oidc-sign-in', class: 'primary', onclick: () => void startOidcSignIn(oidc) },
          `Sign in with ${new URL(oidc.issuer).host}`,
        ),
        h('p', { class: 'hint' }, 'Your identity provider signs you in; featgate reads your roles from its token.'),
      )
    : null;
  replace(
    main,
    h('h1', {}, 'Sign in'),
    reason ? h('p', { class: 'error', role: 'alert' }, reason) : null,
    provider,
    oidc ? h('p', {}, 'Or with an API token:') : null,
    form,
  );
  if (oidc) document.getElementById('oidc-sign-in')?.focus();
  else input.focus();
  markRendered('sign-in');
}
