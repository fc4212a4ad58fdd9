// Types for chromium.mjs (plain JS so scripts/test.mjs imports it without a build step).
export declare const CHROMIUM_PATHS: string[];
export declare const CHROMIUM_HINT: string;
export declare function findChromium(env?: Record<string, string | undefined>): { path: string; why?: undefined } | { path: null; why: string };
export declare function requireChromium(env?: Record<string, string | undefined>): string;
