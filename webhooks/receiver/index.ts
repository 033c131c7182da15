export * from './signature.js';
export * from './html-entities.js';
export * from './webhook-target.js';
export * from './delivery-deduper.js';
export * from './redis-delivery-deduper.js';
export * from './webhook-router.js';
export * from './lenient-json.js';
