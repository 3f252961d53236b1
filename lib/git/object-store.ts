// Re-exports while callers move to object.ts (removed after).
export { hashObject, isOid, type GitObject, type ObjectType, type PendingObject } from './object.js';
