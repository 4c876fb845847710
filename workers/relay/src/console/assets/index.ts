/**
 * The console's static assets, served at GET /console/assets/<name> (index.tsx) with a long
 * cache: each URL carries a content hash (`?v=…`), so a new deploy is a new URL.
 * To add one: write it as a string module next to this file and add a line to ASSETS.
 * Scripts are plain ES modules (no bundler runs for the browser): text only, never innerHTML.
 */
import { CONSOLE_CSS } from "./style";
import { POP_JS } from "./pop-script";

export interface Asset {
  body: string;
  type: string;
}

export const ASSETS: Record<string, Asset> = {
  "console.css": { body: CONSOLE_CSS, type: "text/css; charset=utf-8" },
  "pop.js": { body: POP_JS, type: "text/javascript; charset=utf-8" },
};

/** A short, stable content hash (FNV-1a, 32 bits) so asset URLs change when their bytes do. */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(36);
}

const versions = new Map<string, string>();

/** The URL of an asset, with its content version: `/console/assets/pop.js?v=…`. */
export function assetUrl(name: string): string {
  const asset = ASSETS[name];
  if (!asset) return `/console/assets/${name}`;
  let v = versions.get(name);
  if (!v) {
    v = hash(asset.body);
    versions.set(name, v);
  }
  return `/console/assets/${name}?v=${v}`;
}
