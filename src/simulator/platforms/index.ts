import type { Platform } from '../types.js';
import type { PlatformDefinition, PlatformRoute } from './context.js';
import { facebook } from './facebook.js';
import { instagram } from './instagram.js';
import { threads } from './threads.js';

const PLATFORM_DEFINITIONS: Readonly<Record<Platform, PlatformDefinition>> = { facebook, instagram, threads };

export function findRoute(platform: Platform, method: string, path: string): PlatformRoute | undefined {
  return PLATFORM_DEFINITIONS[platform].routes.find((r) => r.method === method && r.path === path);
}

export function pathExists(platform: Platform, path: string): boolean {
  return PLATFORM_DEFINITIONS[platform].routes.some((r) => r.path === path);
}
