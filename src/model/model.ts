/** The validated, reference-resolved model the rule builder and the worker consume (plain data). */
import type { ObjectRef } from './resource.js';

export type SliKind = 'availability' | 'latency';
export type Severity = 'page' | 'ticket';
export type CalendarLength = 'day' | 'week' | 'month';

export interface Links {
  readonly runbook?: string;
  readonly dashboard?: string;
}

export interface TemplateParameter {
  readonly name: string;
  readonly default?: string;
  readonly description?: string;
  readonly advanced: boolean;
}

export interface SliTemplate {
  readonly ref: ObjectRef;
  readonly description: string;
  readonly kind: SliKind;
  readonly goodEvents: string;
  readonly totalEvents: string;
  readonly parameters: readonly TemplateParameter[];
}

export type SloWindow =
  | { readonly type: 'rolling'; readonly ms: number }
  /** `ms` is the nominal length (day 1d, week 7d, month 30d) used for rolling recordings and burn-rate scaling. */
  | { readonly type: 'calendar'; readonly length: CalendarLength; readonly timeZone: string; readonly ms: number };

export interface Slo {
  readonly ref: ObjectRef;
  readonly uid?: string;
  readonly description: string;
  readonly service: ObjectRef;
  readonly templateRef: ObjectRef;
  readonly parameters: Readonly<Record<string, string>>;
  /** The goal as written, in percent ("99.9"). */
  readonly goal: string;
  /** The objective as a ratio (0.999), rounded to 12 significant digits. */
  readonly objective: number;
  /** 1 - objective, rounded to 12 significant digits (0.001). */
  readonly errorBudget: number;
  readonly window: SloWindow;
  readonly policySet?: string;
  readonly links: Links;
}

export interface AlertingPolicy {
  readonly ref: ObjectRef;
  readonly target: { readonly slo: ObjectRef } | { readonly set: string };
  /** Burn-rate threshold; absent when the policy gives budgetConsumed instead (resolved per SLO). */
  readonly threshold?: number;
  /** Percent of the period budget the long window may consume (threshold = this × period / long window). */
  readonly budgetConsumed?: number;
  readonly longWindowMs: number;
  readonly shortWindowMs: number;
  readonly forMs: number;
  readonly severity: Severity;
  readonly links: Links;
  /** Extra alert labels and annotations (e.g. carried over from Sloth); printed literally. */
  readonly alert?: AlertExtras;
}

export interface AlertExtras {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/** A policy resolved against one SLO: the threshold is known. */
export interface SloPolicy {
  readonly name: string;
  readonly namespace: string;
  readonly threshold: number;
  readonly longWindowMs: number;
  readonly shortWindowMs: number;
  readonly forMs: number;
  readonly severity: Severity;
  readonly links: Links;
  readonly alert?: AlertExtras;
}

export const calendarNominalMs: Record<CalendarLength, number> = {
  day: 86_400_000,
  week: 7 * 86_400_000,
  month: 30 * 86_400_000,
};

/** Rounds away binary noise (100 - 99.9 = 0.09999999999999432) so printed thresholds stay exact. */
export function roundSignificant(value: number, digits = 12): number {
  return Number(value.toPrecision(digits));
}
