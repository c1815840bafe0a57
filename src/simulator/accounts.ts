import type { Account, Platform } from './types.js';

/** Built-in test accounts per platform; tests and the demo config log in with these. */
export const DEFAULT_ACCOUNTS: Readonly<Record<Platform, readonly Account[]>> = {
  facebook: [
    { username: 'seller1@example.test', password: 'fb-pass-1' },
    { username: 'seller2@example.test', password: 'fb-pass-2' },
    { username: 'seller3@example.test', password: 'fb-pass-3' },
  ],
  instagram: [
    { username: 'seller_one', password: 'ig-pass-1' },
    { username: 'seller_two', password: 'ig-pass-2' },
    { username: 'seller_three', password: 'ig-pass-3' },
  ],
  threads: [
    { username: 'seller.one', password: 'th-pass-1' },
    { username: 'seller.two', password: 'th-pass-2' },
    { username: 'seller.three', password: 'th-pass-3' },
  ],
};

/** A fresh, mutable copy (the simulator hands this out so callers cannot alter the defaults). */
export function copyAccounts(): Record<Platform, Account[]> {
  return {
    facebook: DEFAULT_ACCOUNTS.facebook.map((a) => ({ ...a })),
    instagram: DEFAULT_ACCOUNTS.instagram.map((a) => ({ ...a })),
    threads: DEFAULT_ACCOUNTS.threads.map((a) => ({ ...a })),
  };
}

export function findAccount(accounts: readonly Account[], username: unknown, password: unknown): Account | undefined {
  if (typeof username !== 'string' || typeof password !== 'string') return undefined;
  return accounts.find((a) => a.username === username && a.password === password);
}
