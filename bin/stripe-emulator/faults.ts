import type { FaultRule } from './config';
import type { Mode } from './defaults';

export type FaultKind = '429' | '500' | 'timeout';

export interface FaultDecision {
  kind: FaultKind | null;
  latencyMs: number;
  afterCommit: boolean;
  timeout: FaultRule['timeout'];
}

export interface FaultTarget {
  method: string;
  path: string;
  account: string;
  mode: Mode;
}

/** mulberry32: small, fast and good enough to spread faults evenly; the point is repeatability. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface ActiveRule {
  rule: FaultRule;
  random: () => number;
  faults: number;
}

/**
 * Decides, before a request has any effect, whether it is answered by a fault. The first rule whose
 * `match` fits the request decides; each rule draws from its own generator, so a seeded rule gives
 * the same decisions for the same sequence of matching requests.
 */
export class FaultInjector {
  private readonly rules: ActiveRule[];

  constructor(rules: FaultRule[]) {
    this.rules = rules.map((rule) => ({ rule, random: rule.seed === undefined ? Math.random : seededRandom(rule.seed), faults: 0 }));
  }

  decide(target: FaultTarget): FaultDecision | null {
    const active = this.rules.find(({ rule }) => matches(rule, target));
    if (!active) return null;
    const { rule } = active;
    const draw = active.random();
    const exhausted = rule.maxFaults !== undefined && active.faults >= rule.maxFaults;
    let kind: FaultKind | null = null;
    if (!exhausted) {
      if (draw < rule.share429) kind = '429';
      else if (draw < rule.share429 + rule.share500) kind = '500';
      else if (draw < rule.share429 + rule.share500 + rule.shareTimeout) kind = 'timeout';
    }
    if (kind) active.faults += 1;
    return { kind, latencyMs: rule.latencyMs, afterCommit: rule.afterCommit, timeout: rule.timeout };
  }
}

function matches(rule: FaultRule, target: FaultTarget): boolean {
  const { match } = rule;
  return (
    (match.pathPrefix === undefined || target.path.startsWith(match.pathPrefix)) &&
    (match.method === undefined || match.method.toUpperCase() === target.method) &&
    (match.account === undefined || match.account === target.account) &&
    (match.mode === undefined || match.mode === target.mode)
  );
}
