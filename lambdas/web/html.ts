import htm from 'htm';
import { h, type VNode } from 'preact';
import { render } from 'preact-render-to-string';

/**
 * Pages are server-rendered from preact elements written with `htm` tagged templates: every
 * interpolated value is escaped by the renderer, so no page builds HTML by string concatenation.
 */
export const html = htm.bind(h) as (strings: TemplateStringsArray, ...values: unknown[]) => VNode;

export type Markup = VNode | string | null | undefined | false | Markup[];

export const renderDocument = (page: VNode): string => `<!doctype html>${render(page)}`;
