// Re-exports while callers move to ports.ts (removed after).
export type { Durability } from './ports.js';
