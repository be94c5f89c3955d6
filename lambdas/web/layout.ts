import type { VNode } from 'preact';
import { modeName } from './format';
import type { Mode } from '../core/mode';
import type { Area, Session } from '../people';
import { assetUrl } from './assets';
import { html, type Markup } from './html';

/**
 * The console's and the portal's page frame and form parts. Pico CSS styles plain semantic HTML
 * (readable at 375 px, visible focus, labelled controls), so pages are forms, tables and articles.
 */

export const consoleNav = [
  { path: '/', label: 'Overview' },
  { path: '/affiliates', label: 'Affiliates' },
  { path: '/plans', label: 'Plans' },
  { path: '/commissions', label: 'Commissions' },
  { path: '/payouts', label: 'Payouts' },
  { path: '/stripe', label: 'Stripe' },
  { path: '/settings', label: 'Settings' },
] as const;
export type ConsoleSection = (typeof consoleNav)[number]['label'];

const document = (title: string, body: Markup, options: { scripts?: string[]; styles?: string[] } = {}): VNode => html`
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>${title} · Tally</title>
      <link rel="stylesheet" href=${assetUrl('pico.css')} />
      ${(options.styles ?? []).map((href) => html`<link rel="stylesheet" href=${href} />`)}
      <link rel="stylesheet" href=${assetUrl('tally.css')} />
    </head>
    <body>
      <a class="skip-link" href="#main">Skip to content</a>
      ${body}
      ${(options.scripts ?? []).map((src) => html`<script src=${src} defer></script>`)}
      <script src=${assetUrl('tally.js')} defer></script>
    </body>
  </html>
`;

/** One figure of a summary (Overview, the portal): its label and its value. */
export const figure = (label: string, value: string): VNode => html`<article><span class="muted">${label}</span><strong>${value}</strong></article>`;

export const csrfField = (token: string): VNode => html`<input type="hidden" name="_csrf" value=${token} />`;

const withMode = (path: string, mode: Mode) => `${path}${path.includes('?') ? '&' : '?'}mode=${mode}`;

/** Sends the same page in the other mode: every page says which one it shows. */
const modeSwitch = (area: Area, path: string, mode: Mode): VNode => html`
  <nav aria-label="Stripe mode">
    <ul>
      <li><strong>Mode:</strong></li>
      ${(['live', 'test'] as const).map(
        (candidate) => html`<li><a href=${withMode(`/${area}${path}`, candidate)} aria-current=${candidate === mode ? 'true' : undefined}>${modeName(candidate)}</a></li>`,
      )}
    </ul>
  </nav>
`;

const signOut = (area: Area, session: Session): VNode => html`
  <form method="post" action=${`/${area}/sign-out`} class="inline-form">
    ${csrfField(session.csrfToken)}
    <button type="submit" class="secondary outline">Sign out</button>
  </form>
`;

export interface ConsolePageInput {
  session: Session;
  mode: Mode;
  title: string;
  section: ConsoleSection;
  /** The page's path inside the console, for the mode switch. */
  path: string;
  body: Markup;
  flash?: { kind: 'ok' | 'error'; text: string };
  scripts?: string[];
  styles?: string[];
}

export const flashBox = (flash: ConsolePageInput['flash']): Markup =>
  flash ? html`<p class=${flash.kind === 'error' ? 'flash error' : 'flash'} role=${flash.kind === 'error' ? 'alert' : 'status'}>${flash.text}</p>` : null;

export const consolePage = (input: ConsolePageInput): VNode =>
  document(
    input.title,
    html`
      <header class="container">
        <nav class="site" aria-label="Console">
          <ul>
            <li><strong>Tally</strong></li>
          </ul>
          <ul>
            ${consoleNav.map(
              (item) => html`<li><a href=${withMode(`/console${item.path}`, input.mode)} aria-current=${item.label === input.section ? 'page' : undefined}>${item.label}</a></li>`,
            )}
          </ul>
        </nav>
        <nav aria-label="Account">
          <ul>
            <li class="muted">${input.session.email}${input.session.area === 'console' ? ` (${input.session.role})` : ''}</li>
          </ul>
          <ul>
            <li>${signOut('console', input.session)}</li>
          </ul>
        </nav>
        ${modeSwitch('console', input.path, input.mode)}
      </header>
      <main class="container" id="main">
        <h1>${input.title}</h1>
        ${flashBox(input.flash)} ${input.body}
      </main>
    `,
    { scripts: input.scripts, styles: input.styles },
  );

export const portalPage = (input: Omit<ConsolePageInput, 'section'>): VNode =>
  document(
    input.title,
    html`
      <header class="container">
        <nav class="site" aria-label="Portal">
          <ul>
            <li><strong>Tally</strong> · affiliate portal</li>
          </ul>
          <ul>
            <li class="muted">${input.session.email}</li>
            <li>${signOut('portal', input.session)}</li>
          </ul>
        </nav>
        ${modeSwitch('portal', input.path, input.mode)}
      </header>
      <main class="container" id="main">
        <h1>${input.title}</h1>
        ${flashBox(input.flash)} ${input.body}
      </main>
    `,
  );

/** A page for someone not signed in (the sign-in forms) or an error. */
export const plainPage = (title: string, body: Markup): VNode =>
  document(title, html`<main class="container narrow" id="main"><h1>${title}</h1>${body}</main>`);

export const errorPage = (area: Area, title: string, message: string): VNode =>
  plainPage(title, html`<p role="alert">${message}</p><p><a href=${`/${area}/`}>Back to the ${area === 'console' ? 'console' : 'portal'}</a></p>`);

// ── Form parts: every control has a label; an API error shows beside the field it concerns ───

export interface FieldInput {
  label: string;
  name: string;
  value?: string | number | null;
  type?: string;
  error?: string;
  hint?: string;
  required?: boolean;
  placeholder?: string;
  attributes?: Record<string, string | number | boolean>;
}

export const field = (input: FieldInput): VNode => {
  const id = `field-${input.name.replace(/[^\w-]/g, '-')}`;
  const describedBy = [input.hint ? `${id}-hint` : '', input.error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return html`
    <label for=${id}>${input.label}</label>
    <input
      id=${id}
      name=${input.name}
      type=${input.type ?? 'text'}
      value=${input.value ?? ''}
      required=${input.required}
      placeholder=${input.placeholder}
      aria-invalid=${input.error ? 'true' : undefined}
      aria-describedby=${describedBy}
      ...${input.attributes ?? {}}
    />
    ${input.hint ? html`<small id=${`${id}-hint`}>${input.hint}</small>` : null}
    ${input.error ? html`<small class="field-error" id=${`${id}-error`} role="alert">${input.error}</small>` : null}
  `;
};

export interface SelectInput extends Omit<FieldInput, 'type' | 'placeholder'> {
  options: readonly { value: string; label: string }[];
}

export const select = (input: SelectInput): VNode => {
  const id = `field-${input.name.replace(/[^\w-]/g, '-')}`;
  return html`
    <label for=${id}>${input.label}</label>
    <select id=${id} name=${input.name} aria-invalid=${input.error ? 'true' : undefined} aria-describedby=${input.error ? `${id}-error` : undefined}>
      ${input.options.map((option) => html`<option value=${option.value} selected=${String(input.value ?? '') === option.value}>${option.label}</option>`)}
    </select>
    ${input.hint ? html`<small>${input.hint}</small>` : null}
    ${input.error ? html`<small class="field-error" id=${`${id}-error`} role="alert">${input.error}</small>` : null}
  `;
};

export const checkbox = (input: { label: string; name: string; checked: boolean; hint?: string }): VNode => {
  const id = `field-${input.name}`;
  return html`
    <label for=${id}><input type="checkbox" id=${id} name=${input.name} value="on" role="switch" checked=${input.checked} /> ${input.label}</label>
    ${input.hint ? html`<small>${input.hint}</small>` : null}
  `;
};

/** A POST form with its CSRF token. */
export const postForm = (input: { action: string; csrfToken: string; body: Markup; submit: string; inline?: boolean; secondary?: boolean; label?: string }): VNode => html`
  <form method="post" action=${input.action} class=${input.inline ? 'inline-form' : undefined} aria-label=${input.label}>
    ${csrfField(input.csrfToken)} ${input.body}
    <button type="submit" class=${input.secondary ? 'secondary' : undefined}>${input.submit}</button>
  </form>
`;

/** A time in the viewer's zone (tally.js), UTC until the script runs. */
export const time = (iso: string | null | undefined, options: { day?: boolean } = {}): Markup =>
  iso ? html`<time datetime=${iso} data-day=${options.day ? '1' : undefined}>${options.day ? iso.slice(0, 10) : `${iso.slice(0, 16).replace('T', ' ')} UTC`}</time>` : '—';

/** Long lists come in pages: the link to the next one keeps the filters. */
export const pager = (nextHref: string | null): Markup => (nextHref ? html`<p><a href=${nextHref} role="button" class="secondary">Next page</a></p>` : null);

export const table = (headers: readonly string[], rows: readonly Markup[][], caption?: string): VNode => html`
  <div class="table-wrap">
    <table>
      ${caption ? html`<caption>${caption}</caption>` : null}
      <thead>
        <tr>
          ${headers.map((header) => html`<th scope="col">${header}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${rows.length === 0
          ? html`<tr><td colspan=${headers.length}>Nothing yet.</td></tr>`
          : rows.map((row) => html`<tr>${row.map((cell) => html`<td>${cell}</td>`)}</tr>`)}
      </tbody>
    </table>
  </div>
`;
