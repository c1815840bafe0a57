/** Impact figures in words: "$14,400", "€1,250.50", "315 orders"; "≈ $14,400 so far", "cost ≈ $144,000". */
import type { IncidentImpact } from './types.js';

const currencies = new Map<string, Intl.NumberFormat | null>();

function currencyFormat(unit: string, digits: number): Intl.NumberFormat | null {
  if (!/^[A-Z]{3}$/.test(unit)) return null;
  const key = `${unit}/${digits}`;
  if (!currencies.has(key)) {
    let f: Intl.NumberFormat | null = null;
    try {
      f = new Intl.NumberFormat('en-US', { style: 'currency', currency: unit, minimumFractionDigits: 0, maximumFractionDigits: digits });
    } catch {
      f = null;
    }
    if (currencies.size < 200) currencies.set(key, f);
    return f;
  }
  return currencies.get(key) ?? null;
}

/** Whole units from 100 on, cents below (an amount is an estimate: no false precision). */
export function formatAmount(amount: number, unit: string): string {
  const digits = Math.abs(amount) >= 100 ? 0 : 2;
  const currency = currencyFormat(unit, digits);
  if (currency) return currency.format(amount);
  return `${amount.toLocaleString('en-US', { maximumFractionDigits: digits })} ${unit}`;
}

/** "≈ $14,400 so far" while open, "cost ≈ $144,000" once resolved; null without impact. */
export function impactWords(impact: IncidentImpact | null | undefined, resolved: boolean): string | null {
  if (!impact) return null;
  const amount = `≈ ${formatAmount(impact.estimated, impact.unit)}`;
  return resolved ? `cost ${amount}` : `${amount} so far`;
}

/** The payload's figure: to the cent. */
export function payloadImpact(impact: IncidentImpact | null | undefined): IncidentImpact | null {
  return impact ? { unit: impact.unit, perMinute: impact.perMinute, estimated: Math.round(impact.estimated * 100) / 100 } : null;
}
