import type Stripe from 'stripe';
import { invalidParam, resourceMissing } from '../errors';
import { applyMetadata, inRange, type Params } from '../form';
import { newId } from '../ids';
import { listObjects, readListParams } from '../list';
import { defineRoute, type Emit } from '../route';
import type { EmulatorState } from '../state';
import type { Scope } from '../store';

interface TaxRateInput {
  displayName: string;
  percentage: number;
  inclusive: boolean;
  metadata: Record<string, string>;
}

function parseCreate(params: Params): TaxRateInput {
  const percentage = params.decimal('percentage');
  if (percentage === undefined) throw invalidParam('Missing required param: percentage.', 'percentage', 'parameter_missing');
  if (percentage < 0 || percentage > 100) throw invalidParam('Invalid percentage: must be between 0 and 100.', 'percentage');
  const inclusive = params.boolean('inclusive');
  if (inclusive === undefined) throw invalidParam('Missing required param: inclusive.', 'inclusive', 'parameter_missing');
  return {
    displayName: params.string('display_name', { required: true, maxLength: 50 }) as string,
    percentage,
    inclusive,
    metadata: applyMetadata({}, params.metadata()),
  };
}

function createTaxRate(state: EmulatorState, scope: Scope, input: TaxRateInput, emit: Emit): Stripe.TaxRate {
  const rate: Stripe.TaxRate = {
    id: newId('txr'),
    object: 'tax_rate',
    active: true,
    country: null,
    created: state.now(),
    description: null,
    display_name: input.displayName,
    effective_percentage: input.percentage,
    flat_amount: null,
    inclusive: input.inclusive,
    jurisdiction: null,
    jurisdiction_level: null,
    livemode: scope.mode === 'live',
    metadata: input.metadata,
    percentage: input.percentage,
    rate_type: 'percentage',
    state: null,
    tax_type: 'sales_tax',
  };
  state.store.collection(scope, 'tax_rate').insert(rate);
  emit('tax_rate.created', rate);
  return rate;
}

/**
 * The exclusive tax rate of `bps` basis points (825 = 8.25 %) that simulations charge, made once per
 * account like a rate the merchant set up in the dashboard beforehand (so without an event).
 */
export function exclusiveTaxRate(state: EmulatorState, scope: Scope, bps: number): Stripe.TaxRate {
  const percentage = bps / 100;
  const existing = state.store.collection(scope, 'tax_rate').lookup('percentage', `exclusive:${percentage}`)[0];
  return existing ?? createTaxRate(state, scope, { displayName: 'Sales tax', percentage, inclusive: false, metadata: {} }, () => undefined);
}

/** A tax rate's percentage in basis points, the unit purchase math works in. */
export const basisPoints = (rate: Stripe.TaxRate): number => Math.round(rate.percentage * 100);

export const taxRateRoutes = [
  defineRoute({
    method: 'POST',
    path: '/v1/tax_rates',
    accepts: ['display_name', 'percentage', 'inclusive', 'metadata'],
    returns: { type: 'tax_rate' },
    parse: parseCreate,
    run: (input, ctx) => createTaxRate(ctx.state, ctx.scope, input, ctx.emit),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/tax_rates/:id',
    accepts: [],
    returns: { type: 'tax_rate' },
    parse: () => undefined,
    run: (_input, ctx) => {
      const id = ctx.path.id as string;
      const rate = ctx.state.store.collection(ctx.scope, 'tax_rate').get(id);
      if (!rate) throw resourceMissing('tax rate', id);
      return rate;
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/tax_rates',
    accepts: ['limit', 'starting_after', 'ending_before', 'created', 'active', 'inclusive'],
    returns: { type: 'tax_rate', list: true },
    parse: (params) => ({ list: readListParams(params), created: params.range('created'), active: params.boolean('active'), inclusive: params.boolean('inclusive') }),
    run: (input, ctx) =>
      listObjects('tax_rate', ctx.state.store.collection(ctx.scope, 'tax_rate'), input.list, ctx.url, {
        filter: (rate) =>
          inRange(rate.created, input.created) &&
          (input.active === undefined || rate.active === input.active) &&
          (input.inclusive === undefined || rate.inclusive === input.inclusive),
      }),
  }),
];
